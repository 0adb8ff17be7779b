"""Arrays of expressions (``kind: array`` with symbolic entries): a symbolic Jacobian.

The expected value is a literal (``[["cos(pi*x2)", 0], ...]`` or the text of a matrix) or
what a reference call without a point gives (``autograd.jacobian``: the Jacobian's
entries as expression text). Every entry is compared with the expression checker
(``compare_expressions``) under the part's symbols and domains. As for numeric arrays:
the shape first (a column is accepted for a flat list with ``accept_flat``), a transposed
answer is diagnosed, mistake rules apply (through ``compare``), and with
``partial_credit`` each right entry earns its share.
"""

from __future__ import annotations

from typing import Any

import sympy

from grader.check.base import CheckContext
from grader.check.equivalence import compare_expressions
from grader.check.parsing import ExpectedValueError, expected_scalar, parse_expected
from grader.check.policy import apply_policy
from grader.check.verdict import Status, Verdict
from grader.parse.values import ArrayValue, Invalid, as_array

__all__ = ["MAX_SYMBOLIC_ENTRIES", "compare_symbolic_arrays", "expected_symbolic_array", "is_symbolic"]

MAX_SYMBOLIC_ENTRIES = 64


def is_symbolic(array: ArrayValue) -> bool:
    """Whether some entry has free symbols."""
    return any(isinstance(item, sympy.Basic) and item.free_symbols for item in array.items)


def expected_symbolic_array(expected: Any, ctx: CheckContext) -> ArrayValue | None:
    """The expected array with sympy entries when some entry is symbolic, else None."""
    if isinstance(expected, str):
        parsed = parse_expected(expected, ctx)
        if isinstance(parsed, Invalid):
            return None
        array = as_array(parsed.value)
        return array if isinstance(array, ArrayValue) and is_symbolic(array) else None
    if not isinstance(expected, list) or not _has_text(expected):
        return None

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(child) for child in node]
        return expected_scalar(node, ctx)

    array = as_array(_as_tuple(convert(expected)))
    if isinstance(array, Invalid):
        raise ExpectedValueError(ctx.part_id, f"not a rectangular array: {array.reason}")
    return array if is_symbolic(array) else None


def _has_text(node: Any) -> bool:
    if isinstance(node, list):
        return any(_has_text(child) for child in node)
    return isinstance(node, str)


def _as_tuple(node: Any) -> Any:
    from grader.parse.values import TupleValue

    if isinstance(node, list):
        return TupleValue(tuple(_as_tuple(child) for child in node), "[")
    return node


def _matrix(array: ArrayValue) -> sympy.ImmutableMatrix | None:
    if len(array.shape) == 2:
        return sympy.ImmutableMatrix(array.shape[0], array.shape[1], list(array.items))
    return None


def _entry_verdicts(target: ArrayValue, submitted: ArrayValue, spec: Any, ctx: CheckContext) -> list[Status]:
    statuses = []
    tolerance = getattr(spec, "tolerance", None)
    for expected_item, submitted_item in zip(target.items, submitted.items, strict=True):
        result = compare_expressions(expected_item, submitted_item, ctx, tolerance=tolerance)
        statuses.append(
            Status.CORRECT if result.outcome == "proved" else Status.WRONG if result.outcome == "different" else Status.UNDECIDED
        )
    return statuses


def _name(index: int, shape: tuple[int, ...]) -> str:
    if len(shape) == 2:
        return f"[{index // shape[1]}, {index % shape[1]}]"
    return f"[{index}]"


def compare_symbolic_arrays(spec: Any, target: ArrayValue, submitted: ArrayValue, ctx: CheckContext, shown: str) -> Verdict:
    """Shape, then every entry as an expression (see the module docstring)."""
    evidence: dict[str, Any] = {"expected_shape": list(target.shape), "submitted_shape": list(submitted.shape), "symbolic": True}
    if max(len(target.items), len(submitted.items)) > MAX_SYMBOLIC_ENTRIES:
        return Verdict(0.0, Status.UNDECIDED, f"too many symbolic entries to check (at most {MAX_SYMBOLIC_ENTRIES})", shown=shown, evidence=evidence)
    vector = sum(1 for dim in target.shape if dim != 1) <= 1 and sum(1 for dim in submitted.shape if dim != 1) <= 1
    if submitted.shape != target.shape and getattr(spec, "accept_flat", False) and vector and len(submitted.items) == len(target.items):
        submitted = ArrayValue(target.shape, submitted.items)
    if submitted.shape != target.shape:
        feedback = f"wrong shape: expected {'x'.join(map(str, target.shape))}, got {'x'.join(map(str, submitted.shape))}"
        matrix = _matrix(submitted)
        if matrix is not None and tuple(reversed(submitted.shape)) == target.shape and getattr(spec, "diagnose", True):
            transposed = ArrayValue(target.shape, tuple(matrix.T))
            if all(status is Status.CORRECT for status in _entry_verdicts(target, transposed, spec, ctx)):
                feedback += "; it is the transpose of the expected array"
                evidence["diagnosis"] = "transposed"
        return Verdict(0.0, Status.WRONG, feedback, shown=shown, evidence=evidence)
    statuses = _entry_verdicts(target, submitted, spec, ctx)
    right = sum(status is Status.CORRECT for status in statuses)
    wrong = [index for index, status in enumerate(statuses) if status is Status.WRONG]
    if right == len(statuses):
        return Verdict(1.0, Status.CORRECT, "correct", shown=shown, evidence=evidence)
    if not wrong:
        evidence["numerically_confirmed"] = False
        verdict = Verdict(0.0, Status.UNDECIDED, "some entries could not be decided", shown=shown, evidence=evidence)
        return apply_policy(verdict, ctx.undecided)
    named = ", ".join(_name(index, target.shape) for index in wrong[:4])
    more = f" and {len(wrong) - 4} more" if len(wrong) > 4 else ""
    feedback = f"{len(wrong)} of {len(statuses)} entries wrong: {named}{more}"
    evidence["wrong_entries"] = wrong[:20]
    matrix = _matrix(submitted)
    if matrix is not None and matrix.rows == matrix.cols > 1 and getattr(spec, "diagnose", True):
        transposed = ArrayValue(target.shape, tuple(matrix.T))
        if all(status is Status.CORRECT for status in _entry_verdicts(target, transposed, spec, ctx)):
            feedback += "; it is the transpose of the expected array"
            evidence["diagnosis"] = "transposed"
    if getattr(spec, "partial_credit", False) and right:
        return Verdict(right / len(statuses), Status.PARTIAL, feedback, shown=shown, evidence=evidence)
    return Verdict(0.0, Status.WRONG, feedback, shown=shown, evidence=evidence)
