"""Checker for ``kind: number``: a real number compared with the part's tolerance.

Accepts a YAML/JSON number or text the parser reads as a number: ``0.25``, ``1/3``,
``\\frac{2}{3}``, ``sqrt(2)``, ``4.18 \\times 10^{8}``, ``2e-3``. An answer with free
symbols is INVALID ("expected a number, got an expression in d"), not wrong.
"""

from __future__ import annotations

import math
import re
from typing import Any

import sympy

from grader.check.base import CheckContext
from grader.check.parsing import (
    expected_scalar,
    number_from_json,
    parse_context,
    parse_student_number,
)
from grader.check.tolerance import allowed_error, describe_tolerance, rounding_hint, within
from grader.check.verdict import Status, Verdict
from grader.parse.values import EquationValue, Invalid, Parsed
from grader.rubric.models import Tolerance

__all__ = ["NumberChecker", "read_number", "real_value"]


def real_value(value: sympy.Basic) -> float | None:
    """A sympy number as a float; None when it is complex. Infinite/NaN pass through."""
    try:
        number = complex(sympy.N(value, 30)) if not isinstance(value, (sympy.Integer, sympy.Float)) else float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if isinstance(number, complex):
        if number.imag != 0 and abs(number.imag) > 1e-12 * max(1.0, abs(number.real)):
            return None
        return number.real
    return number


def _free_names(value: sympy.Basic) -> str:
    return ", ".join(sorted(str(symbol) for symbol in value.free_symbols))


_NAMED_VALUE = re.compile(r"^\s*\\?[A-Za-z]+(?:_(?:[A-Za-z0-9]|\{[A-Za-z0-9,]+\}))?\s*=(?!=)(.+)$", re.DOTALL)


def _split_named_value(text: str) -> str | None:
    """The value of ``name = value`` (a single equals sign after a plain name), else None."""
    match = _NAMED_VALUE.match(text)
    if match is None or "=" in match.group(1):
        return None
    return match.group(1).strip()


def read_number(raw: Any, ctx: CheckContext) -> Parsed | Invalid:
    """Read one number: a JSON number as is, text through ``grader.parse``."""
    if isinstance(raw, bool):
        return Invalid("expected a number, got true/false", code="not_a_number", text=str(raw))
    converted = number_from_json(raw)
    if converted is not None:
        return Parsed(value=converted, text=str(raw), shown=str(raw))
    if isinstance(raw, float):
        return Invalid(f"{raw} is not a finite number", code="not_finite", text=str(raw))
    if not isinstance(raw, str):
        return Invalid(f"expected a number, got a {type(raw).__name__}", code="not_a_number")
    named = _split_named_value(raw)
    if named is not None:  # "K = 10": the value is graded; the name only has to be a name
        raw = named
    parsed = parse_student_number(raw, parse_context(ctx, allow_equation=True))
    if isinstance(parsed, Invalid):
        return parsed
    value = parsed.value.rhs if isinstance(parsed.value, EquationValue) else parsed.value
    if not isinstance(value, sympy.Expr):
        return Invalid("expected a single number", code="not_a_number", text=raw)
    if value.free_symbols:
        return Invalid(
            f"expected a number, got an expression in {_free_names(value)}", code="not_a_number", text=raw
        )
    if real_value(value) is None:
        return Invalid("expected a real number", code="not_real", text=raw)
    return Parsed(value=value, text=parsed.text, shown=parsed.shown, notes=parsed.notes)


def compare_numbers(expected: float, submitted: float, tolerance: Tolerance) -> Verdict:
    """The verdict for two floats (shared with arrays and tuples)."""
    evidence = {"expected": expected, "submitted": submitted, "error": abs(submitted - expected) if math.isfinite(submitted) else None, "allowed": allowed_error(expected, tolerance)[0]}
    if not math.isfinite(submitted):
        return Verdict(0.0, Status.WRONG, "not a finite number", evidence=evidence)
    if within(submitted, expected, tolerance):
        return Verdict(1.0, Status.CORRECT, "correct", evidence=evidence)
    hint = rounding_hint(submitted, expected, tolerance)
    feedback = f"not equal to the expected value: {hint}" if hint else "not equal to the expected value"
    return Verdict(0.0, Status.WRONG, feedback, evidence={**evidence, "needs": describe_tolerance(tolerance)})


def expected_float(expected: Any, ctx: CheckContext) -> float:
    value = expected_scalar(expected, ctx, number=True)
    number = real_value(value)
    if number is None or not math.isfinite(number):
        from grader.check.parsing import ExpectedValueError

        raise ExpectedValueError(ctx.part_id, f"{expected!r} is not a finite real number")
    return number


class NumberChecker:
    """A real number with a tolerance (``spec.tolerance`` or the context's)."""

    def read(self, spec: Any, raw: Any, ctx: CheckContext) -> Parsed | Invalid:
        return read_number(raw, ctx)

    def compare(self, spec: Any, expected: Any, parsed: Parsed, ctx: CheckContext) -> Verdict:
        tolerance = getattr(spec, "tolerance", None) or ctx.tolerance
        expected_number = expected_float(expected, ctx)
        value = parsed.value
        submitted = real_value(value) if isinstance(value, sympy.Basic) else None
        if submitted is None:
            return Verdict(0.0, Status.INVALID, "expected a real number", shown=parsed.shown)
        verdict = compare_numbers(expected_number, submitted, tolerance)
        return Verdict(verdict.score, verdict.status, verdict.feedback, shown=parsed.shown, evidence=verdict.evidence)
