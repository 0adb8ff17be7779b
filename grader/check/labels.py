"""Labels and chains for every answer kind: ``μ = [3, 1, 4]``, ``f'(x) = 2x = x^2``.

The read step (``read_with_labels``) cuts an answer at its top-level ``=`` / ``≈`` signs.
When the left side is a label (``grader.parse.labels.label_kind``: an undeclared name, a
function call, derivative or operator notation), the sides after it are the values;
otherwise every side is a value. Each value is read by the kind's own reader, and the
answer becomes a ``LabelledValue``.

The compare step (``compare_labelled``) grades every value: all must be right (the least
credit of the sides is the answer's credit), so a label never turns a wrong answer right
and ``f'(x) = 2x = x^2`` is wrong. A left side that is one name is a label only when that
name is not an unknown of the expected value and does not occur in the values: ``x = 2``
is never read as ``2`` when the answer is an expression in x.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import sympy

from grader.check.base import CheckContext, Checker
from grader.check.verdict import Status, Verdict
from grader.parse.values import (
    ArrayValue,
    EquationValue,
    Invalid,
    LabelledValue,
    Parsed,
    TupleValue,
)

__all__ = ["compare_labelled", "read_with_labels"]

Reader = Callable[[str], "Parsed | Invalid"]
_EDGE_SPACES = re.compile(r"^(?:\s|\\[,;:! ]|\\q?quad(?![A-Za-z])|~)+|(?:\s|\\[,;:! ]|\\q?quad(?![A-Za-z])|~)+$")


def _trim(text: str) -> tuple[str, int]:
    """``text`` without LaTeX/plain spaces at both ends, and how many characters went."""
    match = _EDGE_SPACES.match(text)
    start = match.end() if match else 0
    trimmed = _EDGE_SPACES.sub("", text)
    return trimmed.strip("$ "), start


def read_with_labels(raw: str, parse_ctx: Any, read_value: Reader) -> Parsed | Invalid:
    """Read ``raw`` with ``read_value``, first cutting off a label and splitting a chain."""
    from grader.parse.labels import label_kind, label_reused
    from grader.parse.notation import split_chain

    pieces = split_chain(raw)
    if len(pieces) == 1:
        return read_value(raw)
    left, _ = _trim(pieces[0][0])
    if not left:  # "≈ 0.81", "= 5": a leading sign before the value
        pieces = pieces[1:]
        if len(pieces) == 1:
            trimmed, skipped = _trim(pieces[0][0])
            read = read_value(trimmed) if trimmed else Invalid("nothing after '='", "syntax", None, raw)
            if isinstance(read, Invalid):
                position = None if read.position is None else read.position + pieces[0][1] + skipped
                return Invalid(read.reason, read.code, position, raw)
            return read
        left, _ = _trim(pieces[0][0])
    found = label_kind(left, parse_ctx) if left else None
    if found is not None and found[0] not in ("name", "declared") and label_reused(left, [text for text, _ in pieces[1:]]):
        found = None
    value_pieces = pieces[1:] if found is not None else pieces
    values: list[Any] = []
    shown: list[str] = []
    notes: list[str] = []
    for index, (text, offset) in enumerate(value_pieces):
        trimmed, skipped = _trim(text)
        if not trimmed:
            sign = offset + len(text) if index + 1 < len(value_pieces) else offset - 1
            return Invalid("nothing on one side of '='", "syntax", sign, raw)
        read = read_value(trimmed)
        if isinstance(read, Invalid):
            position = None if read.position is None else read.position + offset + skipped
            return Invalid(read.reason, read.code, position, raw)
        values.append(read.value)
        shown.append(read.shown)
        notes.extend(read.notes)
    name = sympy.Symbol(found[1]) if found is not None and found[1] else None
    label = left if found is not None else ""
    if label:
        notes.insert(0, f"read `{left} =` as a label")
        if found is not None and found[0] in ("name", "declared"):
            label = found[1]  # shown as read: g_t, not \mathbf{g}_t
    elif len(values) > 1:
        notes.insert(0, "every side of the `=` chain is graded")
    prefix = f"{label} = " if label else ""
    value = LabelledValue(values=tuple(values), label=label, name=name, shown=tuple(shown))
    return Parsed(value=value, text=raw, shown=prefix + " = ".join(shown), notes=tuple(dict.fromkeys(notes)))


def _free_names(value: Any) -> set[str]:
    if isinstance(value, sympy.Basic):
        return {str(symbol) for symbol in value.free_symbols}
    if isinstance(value, (TupleValue, LabelledValue)):
        items = value.items if isinstance(value, TupleValue) else value.values
        return set().union(*(_free_names(item) for item in items)) if items else set()
    if isinstance(value, ArrayValue):
        return set().union(*(_free_names(item) for item in value.items)) if value.items else set()
    if isinstance(value, EquationValue):
        return _free_names(value.lhs) | _free_names(value.rhs)
    if isinstance(value, (list, tuple)):
        return set().union(*(_free_names(item) for item in value)) if value else set()
    return set()


def _expected_names(expected: Any, ctx: CheckContext) -> set[str]:
    """Names of the symbols the expected value is written in (empty when unknown)."""
    from grader.check.parsing import parse_expected

    if isinstance(expected, str):
        parsed = parse_expected(expected, ctx)
        return _free_names(parsed.value) if isinstance(parsed, Parsed) else set()
    if isinstance(expected, (list, tuple)):
        return set().union(*(_expected_names(item, ctx) for item in expected)) if expected else set()
    return _free_names(expected)


def _unknown_name(value: LabelledValue, expected: Any, ctx: CheckContext) -> str | None:
    """The left side's name when it is an unknown of the answer (so not a label)."""
    candidates = [symbol.name for symbol in (value.name, *value.names) if symbol is not None]
    if not candidates:
        return None
    used = _free_names(value.values) | _expected_names(expected, ctx)
    for name in candidates:
        if name in used:
            return name
    return None


def compare_labelled(checker: Checker, spec: Any, expected: Any, parsed: Parsed, ctx: CheckContext) -> Verdict:
    """``checker.compare`` on every value of a ``LabelledValue`` (the least credit wins)."""
    value = parsed.value
    if not isinstance(value, LabelledValue):
        return checker.compare(spec, expected, parsed, ctx)
    unknown = _unknown_name(value, expected, ctx)
    if unknown is not None:
        return Verdict(
            0.0,
            Status.INVALID,
            f"`{unknown} = ...` is an equation in {unknown}, not a value: write only the value "
            "(a label must be a name that the answer is not written in)",
            shown=parsed.shown,
            evidence={"code": "equation"},
        )
    verdicts: list[Verdict] = []
    for index, item in enumerate(value.values):
        graded: Any = item
        if value.name is not None and getattr(spec, "kind", "") == "expression":
            graded = EquationValue(value.name, item)  # the expression checker points out a wrong name
        shown = value.shown[index] if index < len(value.shown) else parsed.shown
        verdicts.append(checker.compare(spec, expected, replace(parsed, value=graded, shown=shown), ctx))
    if len(verdicts) == 1:
        return replace(verdicts[0], shown=parsed.shown)
    order = {Status.WRONG: 0, Status.INVALID: 1, Status.ERROR: 2, Status.PARTIAL: 3, Status.UNDECIDED: 4}
    worst_index = min(range(len(verdicts)), key=lambda i: (verdicts[i].score, order.get(verdicts[i].status, 5)))
    worst = verdicts[worst_index]
    evidence = {**worst.evidence, "chain": [verdict.status.value for verdict in verdicts]}
    if worst.status is Status.CORRECT:
        return replace(worst, feedback="correct (every side of the `=` chain)", shown=parsed.shown, evidence=evidence)
    side = value.shown[worst_index] if worst_index < len(value.shown) else ""
    feedback = f"every side of an `=` chain must be right; `{side}` is not: {worst.feedback}"
    return replace(worst, feedback=feedback, shown=parsed.shown, evidence=evidence)
