"""Checker for ``kind: array``: shape first, then every entry with the tolerance.

Accepts nested YAML/JSON lists of numbers or number text (``"1/3"``), or text the parser
reads as an array (``[[1, 2], [3, 4]]``, a LaTeX ``bmatrix``). Wrong arrays are explained
(``spec.diagnose``): transposed, off by a constant factor or sign, or the right entries
in another shape. Feedback names the first wrong entries, never their expected values.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sympy

from grader.check.base import CheckContext
from grader.check.kinds.number import expected_float, read_number, real_value
from grader.check.kinds.symbolic_array import (
    compare_symbolic_arrays,
    expected_symbolic_array,
    is_symbolic,
)
from grader.check.labels import compare_labelled, read_with_labels
from grader.check.parsing import ExpectedValueError, parse_context, parse_expected, parse_student
from grader.check.tolerance import within
from grader.check.verdict import Status, Verdict
from grader.parse.notation import MAGNITUDE_WORDS, strip_unit
from grader.parse.values import ArrayValue, Invalid, LabelledValue, Parsed, as_array
from grader.rubric.models import Tolerance

__all__ = ["ArrayChecker", "shape_text"]

MAX_NAMED = 4


def shape_text(shape: tuple[int, ...]) -> str:
    if not shape:
        return "a single number"
    if len(shape) == 1:
        return f"{shape[0]} values"
    return "x".join(map(str, shape))


def _read_nested(raw: Any, ctx: CheckContext, path: tuple[int, ...] = ()) -> Any:
    """Nested lists -> nested lists of sympy numbers, or an Invalid."""
    if isinstance(raw, (list, tuple)):
        items = []
        for index, item in enumerate(raw):
            read = _read_nested(item, ctx, (*path, index))
            if isinstance(read, Invalid):
                return read
            items.append(read)
        return items
    parsed = read_number(raw, ctx)
    if isinstance(parsed, Invalid):
        where = "".join(f"[{i}]" for i in path)
        return Invalid(f"entry {where}: {parsed.reason}", code=parsed.code, text=str(raw))
    return parsed.value


def _to_array_value(nested: Any) -> ArrayValue | Invalid:
    def shape_of(node: Any) -> tuple[int, ...] | None:
        if not isinstance(node, list):
            return ()
        shapes = {shape_of(child) for child in node}
        if None in shapes or len(shapes) > 1:
            return None
        inner = shapes.pop() if shapes else ()
        return None if inner is None else (len(node), *inner)

    shape = shape_of(nested)
    if shape is None:
        return Invalid("the rows have different lengths", code="ragged")
    flat: list[sympy.Expr] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        else:
            flat.append(node)

    walk(nested)
    return ArrayValue(shape=shape, items=tuple(flat))


def _entry_name(index: tuple[int, ...]) -> str:
    return "[" + ", ".join(map(str, index)) + "]"


def _close_mask(submitted: np.ndarray, expected: np.ndarray, tolerance: Tolerance) -> np.ndarray:
    mask = np.zeros(expected.shape, dtype=bool)
    for index in np.ndindex(expected.shape):  # within: exact on a boundary (1.05 vs 1 at rtol .05)
        mask[index] = within(float(submitted[index]), float(expected[index]), tolerance)
    return mask


def _all_close(submitted: np.ndarray, expected: np.ndarray, tolerance: Tolerance) -> bool:
    return submitted.shape == expected.shape and bool(_close_mask(submitted, expected, tolerance).all())


def _diagnose(submitted: np.ndarray, expected: np.ndarray, tolerance: Tolerance) -> tuple[str, dict[str, Any]] | None:
    """Transposed, scaled, negated or reshaped: a sentence and evidence, or None."""
    if not (np.isfinite(submitted).all() and np.isfinite(expected).all()):
        return None
    with np.errstate(all="ignore"):
        return _diagnose_finite(submitted, expected, tolerance)


def _diagnose_finite(submitted: np.ndarray, expected: np.ndarray, tolerance: Tolerance) -> tuple[str, dict[str, Any]] | None:
    if submitted.ndim == 2 and submitted.T.shape == expected.shape and _all_close(submitted.T, expected, tolerance):
        return "it is the transpose of the expected array", {"diagnosis": "transposed"}
    if submitted.size == expected.size and submitted.shape != expected.shape:
        if _all_close(submitted.reshape(expected.shape), expected, tolerance):
            return "it has the right entries in the wrong shape", {"diagnosis": "reshaped"}
        return None
    if submitted.shape != expected.shape:
        return None
    norm = float(np.dot(expected.ravel(), expected.ravel()))
    if norm > 0:
        factor = float(np.dot(submitted.ravel(), expected.ravel())) / norm
        if factor != 0 and abs(factor - 1) > 1e-9 and _all_close(submitted, factor * expected, tolerance) and _all_close(submitted / factor, expected, tolerance):
            if abs(factor - 1) < 0.01:
                # a "factor" this close to 1 is rounding, not a forgotten constant
                return "its entries are close to the expected ones but outside the tolerance (check your rounding)", {"diagnosis": "rounding", "factor": factor}
            if abs(factor + 1) < 1e-6:
                return "every entry has the wrong sign", {"diagnosis": "negated", "factor": -1.0}
            return f"it is off by a constant factor of {factor:.4g}", {"diagnosis": "scaled", "factor": factor}
    return None


def expected_array(expected: Any, ctx: CheckContext) -> np.ndarray:
    if isinstance(expected, np.ndarray):
        return expected.astype(float)
    if isinstance(expected, str):
        parsed = parse_expected(expected, ctx)
        if isinstance(parsed, Invalid):
            raise ExpectedValueError(ctx.part_id, f"cannot read {expected!r}: {parsed.reason}")
        array = submitted_array(parsed.value)
        if isinstance(array, Invalid):
            raise ExpectedValueError(ctx.part_id, f"{expected!r}: {array.reason}")
        return array
    nested = expected

    def convert(node: Any) -> Any:
        if isinstance(node, list):
            return [convert(child) for child in node]
        return expected_float(node, ctx)

    try:
        array = np.array(convert(nested), dtype=float)
    except ValueError as exc:
        raise ExpectedValueError(ctx.part_id, f"not a rectangular array: {exc}") from None
    return array


def submitted_array(value: Any) -> np.ndarray | Invalid:
    array = as_array(value)
    if isinstance(array, Invalid):
        return array
    numbers = []
    for position, item in enumerate(array.items):
        number = real_value(item) if isinstance(item, sympy.Basic) and not item.free_symbols else None
        if number is None:
            index = np.unravel_index(position, array.shape) if array.shape else ()
            return Invalid(f"entry {_entry_name(tuple(int(i) for i in index))} is not a real number", code="not_a_number")
        numbers.append(number)
    return np.array(numbers, dtype=float).reshape(array.shape)


def _read_array_text(raw: str, ctx: CheckContext, parse_ctx: Any, *, unit_allowed: bool = True) -> Parsed | Invalid:
    """An array written as text: nested brackets, a matrix environment, MATLAB rows, a unit after it."""
    parsed = parse_student(raw, parse_ctx)
    if isinstance(parsed, Invalid):
        split = strip_unit(raw, frozenset(ctx.symbols)) if unit_allowed else None
        if split is None or any(word in MAGNITUDE_WORDS for word in split[1].split()):
            return parsed
        read = _read_array_text(split[0], ctx, parse_ctx, unit_allowed=False)
        if isinstance(read, Invalid):
            return parsed
        note = f"dropped the unit `{split[1]}` after the array"
        return Parsed(value=read.value, text=raw, shown=f"{read.shown} ({split[1]})", notes=(note, *read.notes))
    array = as_array(parsed.value)
    if isinstance(array, Invalid):
        return Invalid(array.reason, code=array.code, text=raw)
    checked = submitted_array(array)
    if isinstance(checked, Invalid) and not (is_symbolic(array) and all(isinstance(item, sympy.Expr) for item in array.items)):
        return Invalid(checked.reason, code=checked.code, text=raw)  # entries of expressions: see compare
    return Parsed(value=array, text=raw, shown=parsed.shown, notes=parsed.notes)


def _vector_like(shape: tuple[int, ...]) -> bool:
    return sum(1 for dim in shape if dim != 1) <= 1


class ArrayChecker:
    """Arrays: shape, then entries; per-entry credit when ``spec.partial_credit``."""

    def read(self, spec: Any, raw: Any, ctx: CheckContext) -> Parsed | Invalid:
        if isinstance(raw, str):
            parse_ctx = parse_context(ctx, allow_equation=True)
            return read_with_labels(raw, parse_ctx, lambda text: _read_array_text(text, ctx, parse_ctx))
        if isinstance(raw, dict):
            return Invalid("expected an array (a list of rows), got a mapping", code="not_an_array")
        nested = _read_nested(raw, ctx)
        if isinstance(nested, Invalid):
            return nested
        array = _to_array_value(nested) if isinstance(nested, list) else ArrayValue(shape=(), items=(nested,))
        if isinstance(array, Invalid):
            return array
        return Parsed(value=array, text=str(raw), shown=str(raw))

    def compare(self, spec: Any, expected: Any, parsed: Parsed, ctx: CheckContext) -> Verdict:
        if isinstance(parsed.value, LabelledValue):  # `label = value = ...`: every value is graded
            return compare_labelled(self, spec, expected, parsed, ctx)
        symbolic = expected_symbolic_array(expected, ctx)
        if symbolic is not None:  # a matrix of expressions (a symbolic Jacobian)
            submitted_value = as_array(parsed.value)
            if isinstance(submitted_value, Invalid):
                return Verdict(0.0, Status.INVALID, submitted_value.reason, shown=parsed.shown)
            return compare_symbolic_arrays(spec, symbolic, submitted_value, ctx, parsed.shown)
        tolerance = getattr(spec, "tolerance", None) or ctx.tolerance
        target = expected_array(expected, ctx)
        submitted = submitted_array(parsed.value)
        if isinstance(submitted, Invalid):
            return Verdict(0.0, Status.INVALID, submitted.reason, shown=parsed.shown)
        shown = parsed.shown
        evidence: dict[str, Any] = {"expected_shape": list(target.shape), "submitted_shape": list(submitted.shape)}
        if submitted.shape != target.shape and getattr(spec, "accept_flat", False):
            if _vector_like(target.shape) and _vector_like(submitted.shape) and submitted.size == target.size:
                submitted = submitted.reshape(target.shape)
        if submitted.shape != target.shape:
            feedback = f"wrong shape: expected {shape_text(target.shape)}, got {shape_text(submitted.shape)}"
            diagnosis = _diagnose(submitted, target, tolerance) if getattr(spec, "diagnose", True) else None
            if diagnosis:
                feedback += f"; {diagnosis[0]}"
                evidence.update(diagnosis[1])
            return Verdict(0.0, Status.WRONG, feedback, shown=shown, evidence=evidence)
        mask = _close_mask(submitted, target, tolerance)
        if mask.all():
            return Verdict(1.0, Status.CORRECT, "correct", shown=shown, evidence=evidence)
        wrong = [tuple(int(i) for i in index) for index in zip(*np.nonzero(~mask), strict=False)]
        named = ", ".join(_entry_name(index) for index in wrong[:MAX_NAMED])
        more = f" and {len(wrong) - MAX_NAMED} more" if len(wrong) > MAX_NAMED else ""
        feedback = f"{len(wrong)} of {target.size} entries wrong: {named}{more}"
        diagnosis = _diagnose(submitted, target, tolerance) if getattr(spec, "diagnose", True) else None
        if diagnosis:
            feedback += f"; {diagnosis[0]}"
            evidence.update(diagnosis[1])
        evidence["wrong_entries"] = [list(index) for index in wrong[:20]]
        if getattr(spec, "partial_credit", False) and mask.any():
            score = float(mask.sum()) / float(mask.size)
            return Verdict(score, Status.PARTIAL, feedback, shown=shown, evidence=evidence)
        return Verdict(0.0, Status.WRONG, feedback, shown=shown, evidence=evidence)
