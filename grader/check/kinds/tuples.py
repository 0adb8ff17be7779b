"""Checker for ``kind: tuple`` (ordered) and ``kind: set`` (any order).

Accepts a YAML/JSON list of items (numbers or expression text) or text the parser reads
as a list: ``(a, b)``, ``[a, b]``, ``{a, b}``; a single value is a one-item list. Items are
compared with the expression or the number comparison (``spec.element``). A set is
matched by a maximum bipartite matching, so repeated or swapped items cannot be counted
twice, and a set's repeated items count once (``{1, 1, 2}`` is ``{1, 2}``). Two items
that are both plain numbers are compared as numbers with the part's tolerance (integers
exactly unless the part sets a tolerance). Credit: all or nothing, like arrays, unless
``spec.partial_credit`` (WeBWorK style: matched / max(given, expected)).
"""

from __future__ import annotations

import re
from typing import Any

import sympy

from grader.check.base import CheckContext
from grader.check.equivalence import compare_expressions
from grader.check.kinds.expression import (
    read_expression,
    submitted_expression,
    verdict_from_equivalence,
)
from grader.check.kinds.number import (
    compare_numbers,
    expected_number,
    number_tolerance,
    read_number,
    real_value,
)
from grader.check.labels import compare_labelled, read_with_labels
from grader.check.parsing import (
    ExpectedValueError,
    expected_scalar,
    parse_context,
    parse_expected,
    parse_student,
)
from grader.check.verdict import Status, Verdict
from grader.parse.notation import expand_plus_minus, split_chain, split_top_level, unwrap_brackets
from grader.parse.values import ArrayValue, Invalid, LabelledValue, Parsed, TupleValue

__all__ = ["TupleChecker"]


def _items_of(value: Any) -> tuple[Any, ...]:
    if isinstance(value, TupleValue):
        return value.items
    if isinstance(value, ArrayValue) and len(value.shape) == 1:
        return value.items
    return (value,)


def _drop_item_labels(raw: str, parse_ctx: Any) -> tuple[str, list[str], list[str]] | None:
    """``\\lambda_1 = a,\\ \\lambda_2 = b`` -> ``("a, b", ["\\lambda_1", "\\lambda_2"])``; None
    when no item has a label. An item whose left side is not a label is left as it is
    (the parser then says that an equation is not a value)."""
    from grader.parse.labels import label_kind, label_reused

    wrapped = unwrap_brackets(raw)
    opener, inner, closer = wrapped if wrapped is not None else ("", raw, "")
    items = split_top_level(inner, ",")
    if items is None or len(items) < 2:
        return None
    labels: list[str] = []
    names: list[str] = []  # declared names used as labels: checked against the expected value
    values: list[str] = []
    for item in items:
        pieces = split_chain(item)
        if len(pieces) != 2:
            values.append(item)
            continue
        left = re.sub(r"^(?:\\[,;:! ]|\\q?quad|~|\s)+", "", pieces[0][0]).strip()
        found = label_kind(left, parse_ctx)
        value = pieces[1][0]
        if found is None or label_reused(left, [value]):
            values.append(item)
            continue
        if found[0] in ("declared", "decorated"):  # an unknown of the answer is no label (compare)
            names.append(found[1])
        labels.append(left)
        values.append(value)
    if not labels:
        return None
    return opener + ", ".join(value.strip() for value in values) + closer, labels, names


def _read_item_text(text: str, parse_ctx: Any) -> Parsed | Invalid:
    """A list as text; ``a ± b`` (alone) is the two values ``a + b`` and ``a - b``."""
    parsed = parse_student(text, parse_ctx)
    if isinstance(parsed, Parsed):
        return Parsed(value=TupleValue(items=tuple(_items_of(parsed.value))), text=text, shown=parsed.shown, notes=parsed.notes)
    both = expand_plus_minus(text)
    inner = unwrap_brackets(text)
    items = split_top_level(inner[1] if inner else text, ",")
    if both is None or items is None or len(items) > 1:
        return parsed
    reads = [parse_student(side, parse_ctx) for side in both]
    values = [read.value for read in reads if isinstance(read, Parsed)]
    if len(values) != 2 or not all(isinstance(value, sympy.Expr) for value in values):
        return parsed
    shown = [read.shown for read in reads if isinstance(read, Parsed)]
    note = f"`±` read as the two values {shown[0]} and {shown[1]}"
    return Parsed(value=TupleValue(items=tuple(values)), text=text, shown=f"({shown[0]}, {shown[1]})", notes=(note,))


def _read_items(raw: Any, ctx: CheckContext, element: str) -> Parsed | Invalid:
    if isinstance(raw, str):
        parse_ctx = parse_context(ctx, allow_equation=False)
        dropped = _drop_item_labels(raw, parse_ctx)
        if dropped is not None:
            text, labels, names = dropped
            read = _read_item_text(text, parse_ctx)
            if isinstance(read, Invalid):
                return Invalid(read.reason, read.code, None, raw)
            note = "read " + ", ".join(f"`{label} =`" for label in labels) + (" as labels" if len(labels) > 1 else " as a label")
            value: Any = read.value
            if names:
                symbols = tuple(sympy.Symbol(name) for name in names)
                value = LabelledValue(values=(read.value,), label=", ".join(labels), names=symbols, shown=(read.shown,))
            return Parsed(value=value, text=raw, shown=read.shown, notes=(note, *read.notes))
        wrapped = unwrap_brackets(raw)
        items = split_top_level(wrapped[1] if wrapped else raw, ",")
        if items is not None and len(items) > 1:  # labels on items were handled above
            return _read_item_text(raw, parse_ctx)
        return read_with_labels(raw, parse_ctx, lambda text: _read_item_text(text, parse_ctx))
    if not isinstance(raw, (list, tuple)):
        raw = [raw]
    values: list[Any] = []
    shown: list[str] = []
    for index, item in enumerate(raw):
        read = read_number(item, ctx) if element == "number" else read_expression(item, ctx)
        if isinstance(read, Invalid):
            return Invalid(f"item {index + 1}: {read.reason}", code=read.code, position=read.position, text=read.text)
        values.append(read.value)
        shown.append(read.shown)
    return Parsed(value=TupleValue(items=tuple(values)), text=str(raw), shown="(" + ", ".join(shown) + ")")


def _expected_items(expected: Any, ctx: CheckContext) -> list[Any]:
    if isinstance(expected, str):
        parsed = parse_expected(expected, ctx, allow_equation=False)
        if isinstance(parsed, Invalid):
            raise ExpectedValueError(ctx.part_id, f"cannot read {expected!r}: {parsed.reason}")
        return list(_items_of(parsed.value))
    if isinstance(expected, (list, tuple)):
        return list(expected)
    return [expected]


def _max_matching(matches: list[list[bool]]) -> int:
    """Size of a maximum bipartite matching (augmenting paths; lists are short)."""
    owner: dict[int, int] = {}

    def assign(row: int, seen: set[int]) -> bool:
        for column, ok in enumerate(matches[row]):
            if ok and column not in seen:
                seen.add(column)
                if column not in owner or assign(owner[column], seen):
                    owner[column] = row
                    return True
        return False

    return sum(1 for row in range(len(matches)) if assign(row, set()))


def _plain_number(value: Any) -> bool:
    """A real number with no symbols (``1/3``, ``0.25``, ``sqrt(2)``), not a matrix or a tuple."""
    return isinstance(value, sympy.Expr) and not value.free_symbols and bool(value.is_number) and real_value(value) is not None


def _distinct_rows(matches: list[list[bool]], given: list[Any]) -> tuple[list[list[bool]], list[Any]]:
    """A set's repeated items counted once, as ``{1, 1, 2}`` is the set ``{1, 2}``: an item
    is a repeat of an earlier one when both match the same expected items and either that
    is a single expected item or the two items are written identically (two different
    items that each fit two close expected values within the tolerance both count)."""
    rows: list[list[bool]] = []
    kept: list[Any] = []
    for row, item in zip(matches, given, strict=True):
        repeat = any(
            row == earlier_row and (sum(row) == 1 or item == earlier_item)
            for earlier_row, earlier_item in zip(rows, kept, strict=True)
            if any(row)
        )
        if repeat:
            continue
        rows.append(row)
        kept.append(item)
    return rows, kept


class TupleChecker:
    """Lists of values, ordered (tuple) or not (set)."""

    def read(self, spec: Any, raw: Any, ctx: CheckContext) -> Parsed | Invalid:
        return _read_items(raw, ctx, getattr(spec, "element", "expression"))

    def _item_verdict(self, spec: Any, expected: Any, submitted: Any, ctx: CheckContext) -> Verdict:
        if getattr(spec, "element", "expression") == "number":
            number = real_value(submitted) if isinstance(submitted, sympy.Basic) and not submitted.free_symbols else None
            if number is None:
                return Verdict(0.0, Status.WRONG, "not a number")
            target, integer = expected_number(expected, ctx)
            tolerance, exact = number_tolerance(spec, ctx, integer)
            return compare_numbers(target, submitted if submitted.is_real else number, tolerance, exact=exact)
        value, _lhs = submitted_expression(submitted)
        if value is None:
            return Verdict(0.0, Status.WRONG, "not a single expression")
        target_value = expected_scalar(expected, ctx)
        if _plain_number(target_value) and _plain_number(value):
            integer = isinstance(target_value, sympy.Integer) and not isinstance(expected, float)
            tolerance, exact = number_tolerance(spec, ctx, integer)
            return compare_numbers(target_value, value, tolerance, exact=exact)
        result = compare_expressions(target_value, value, ctx, tolerance=getattr(spec, "tolerance", None))
        return verdict_from_equivalence(result, ctx, "")

    def compare(self, spec: Any, expected: Any, parsed: Parsed, ctx: CheckContext) -> Verdict:
        if isinstance(parsed.value, LabelledValue):  # `label = value = ...`: every value is graded
            return compare_labelled(self, spec, expected, parsed, ctx)
        targets = _expected_items(expected, ctx)
        given = list(_items_of(parsed.value))
        is_set = getattr(spec, "kind", "tuple") == "set"
        undecided = 0
        if is_set:
            matches = []
            for item in given:
                row = []
                for target in targets:
                    verdict = self._item_verdict(spec, target, item, ctx)
                    undecided += verdict.status is Status.UNDECIDED
                    row.append(verdict.status is Status.CORRECT)
                matches.append(row)
            matches, given = _distinct_rows(matches, given)
            matched = _max_matching(matches)
            wrong_items: list[int] = []
        else:
            verdicts = [self._item_verdict(spec, target, item, ctx) for target, item in zip(targets, given, strict=False)]
            undecided = sum(verdict.status is Status.UNDECIDED for verdict in verdicts)
            wrong_items = [index + 1 for index, verdict in enumerate(verdicts) if verdict.status is not Status.CORRECT]
            matched = len(verdicts) - len(wrong_items)
        total = max(len(given), len(targets))
        evidence: dict[str, Any] = {"matched": matched, "given": len(given), "expected": len(targets)}
        if matched == len(targets) == len(given):
            return Verdict(1.0, Status.CORRECT, "correct", shown=parsed.shown, evidence=evidence)
        problems = []
        if len(given) != len(targets):
            problems.append(f"expected {len(targets)} values, got {len(given)}")
        if is_set:
            problems.append(f"{matched} of your {len(given)} values match expected ones")
        elif wrong_items:
            problems.append("wrong: item" + ("s " if len(wrong_items) > 1 else " ") + ", ".join(map(str, wrong_items)))
        feedback = "; ".join(problems)
        if undecided and matched + undecided >= len(targets) == len(given):
            evidence["numerically_confirmed"] = False
            return Verdict(0.0, Status.UNDECIDED, f"{feedback}; some items could not be decided", shown=parsed.shown, evidence=evidence)
        score = matched / total if getattr(spec, "partial_credit", False) and total else 0.0
        status = Status.PARTIAL if score > 0 else Status.WRONG
        return Verdict(score, status, feedback, shown=parsed.shown, evidence=evidence)
