"""Checker for ``kind: tuple`` (ordered) and ``kind: set`` (any order).

Accepts a YAML/JSON list of items (numbers or expression text) or text the parser reads
as a list: ``(a, b)``, ``[a, b]``, ``{a, b}``; a single value is a one-item list. Items are
compared with the expression or the number comparison (``spec.element``). A set is
matched by a maximum bipartite matching, so repeated or swapped items cannot be counted
twice. Credit (``spec.partial_credit``, WeBWorK style): matched / max(given, expected).
"""

from __future__ import annotations

from typing import Any

import sympy

from grader.check.base import CheckContext
from grader.check.equivalence import compare_expressions
from grader.check.kinds.expression import (
    read_expression,
    submitted_expression,
    verdict_from_equivalence,
)
from grader.check.kinds.number import compare_numbers, expected_float, read_number, real_value
from grader.check.parsing import (
    ExpectedValueError,
    expected_scalar,
    parse_context,
    parse_expected,
    parse_student,
)
from grader.check.verdict import Status, Verdict
from grader.parse.values import ArrayValue, Invalid, Parsed, TupleValue

__all__ = ["TupleChecker"]


def _items_of(value: Any) -> tuple[Any, ...]:
    if isinstance(value, TupleValue):
        return value.items
    if isinstance(value, ArrayValue) and len(value.shape) == 1:
        return value.items
    return (value,)


def _read_items(raw: Any, ctx: CheckContext, element: str) -> Parsed | Invalid:
    if isinstance(raw, str):
        parsed = parse_student(raw, parse_context(ctx, allow_equation=False))
        if isinstance(parsed, Invalid):
            return parsed
        items = _items_of(parsed.value)
        return Parsed(value=TupleValue(items=tuple(items)), text=raw, shown=parsed.shown, notes=parsed.notes)
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


class TupleChecker:
    """Lists of values, ordered (tuple) or not (set)."""

    def read(self, spec: Any, raw: Any, ctx: CheckContext) -> Parsed | Invalid:
        return _read_items(raw, ctx, getattr(spec, "element", "expression"))

    def _item_verdict(self, spec: Any, expected: Any, submitted: Any, ctx: CheckContext) -> Verdict:
        if getattr(spec, "element", "expression") == "number":
            tolerance = getattr(spec, "tolerance", None) or ctx.tolerance
            number = real_value(submitted) if isinstance(submitted, sympy.Basic) and not submitted.free_symbols else None
            if number is None:
                return Verdict(0.0, Status.WRONG, "not a number")
            return compare_numbers(expected_float(expected, ctx), number, tolerance)
        value, _lhs = submitted_expression(submitted)
        if value is None:
            return Verdict(0.0, Status.WRONG, "not a single expression")
        result = compare_expressions(expected_scalar(expected, ctx), value, ctx, tolerance=getattr(spec, "tolerance", None))
        return verdict_from_equivalence(result, ctx, "")

    def compare(self, spec: Any, expected: Any, parsed: Parsed, ctx: CheckContext) -> Verdict:
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
        score = matched / total if getattr(spec, "partial_credit", True) and total else 0.0
        status = Status.PARTIAL if score > 0 else Status.WRONG
        return Verdict(score, status, feedback, shown=parsed.shown, evidence=evidence)
