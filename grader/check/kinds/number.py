"""Checker for ``kind: number``: a real number compared with the part's tolerance.

Accepts a YAML/JSON number or text the parser reads as a number: ``0.25``, ``1/3``,
``\\frac{2}{3}``, ``sqrt(2)``, ``4.18 \\times 10^{8}``, ``2e-3``. An answer with free
symbols is INVALID ("expected a number, got an expression in d"), not wrong.
"""

from __future__ import annotations

import functools
import math
import re
from typing import Any

import sympy

from grader.check.base import CheckContext
from grader.check.labels import compare_labelled, read_with_labels
from grader.check.parsing import (
    expected_scalar,
    number_from_json,
    parse_context,
    parse_student_number,
)
from grader.check.tolerance import (
    accepts,
    allowed_error,
    describe_tolerance,
    exact_number,
    rounding_hint,
)
from grader.check.verdict import Status, Verdict
from grader.parse.notation import MAGNITUDE_WORDS, join_thousands, strip_unit
from grader.parse.values import EquationValue, Invalid, LabelledValue, Parsed
from grader.rubric.models import Tolerance

__all__ = ["NumberChecker", "compare_numbers", "expected_number", "number_tolerance", "read_number", "real_value"]


def real_value(value: sympy.Basic) -> float | None:
    """A sympy number as a float; None when it is complex. Infinite/NaN pass through.

    Kept per value in this process (array entries repeat across answers and are read again
    for every comparison); a value that cannot be hashed is converted every time."""
    try:
        return _real_value_cached(value)
    except TypeError:
        return _real_value(value)


@functools.lru_cache(maxsize=8192)
def _real_value_cached(value: sympy.Basic) -> float | None:
    return _real_value(value)


def _real_value(value: sympy.Basic) -> float | None:
    try:
        number = complex(sympy.N(value, 30)) if not isinstance(value, (sympy.Integer, sympy.Float)) else float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if isinstance(number, complex):
        if number.imag != 0 and abs(number.imag) > 1e-12 * max(1.0, abs(number.real)):
            return None
        return number.real
    return number


def _as_float(value: Any) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf
    except (TypeError, ValueError):
        return math.nan


def _real_part(value: sympy.Basic) -> Any:
    """A real sympy number as is; a number with a negligible imaginary part as its real part."""
    if value.is_real or isinstance(value, (sympy.Integer, sympy.Rational, sympy.Float)):
        return value
    return real_value(value)


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
    """Read one number: a JSON number as is, text through ``grader.parse``.

    Text may carry a label (``H_{out} = 28``, ``w_2 ≈ 0.5``; see ``check.labels``), a unit
    or words after the value (``395264 parameters``, ``3.2 ms``: dropped, with a note) and
    thousands separators in groups of exactly three digits (``395 264``, ``96{,}096``).
    """
    if isinstance(raw, bool):
        return Invalid("expected a number, got true/false", code="not_a_number", text=str(raw))
    converted = number_from_json(raw)
    if converted is not None:
        return Parsed(value=converted, text=str(raw), shown=str(raw))
    if isinstance(raw, float):
        return Invalid(f"{raw} is not a finite number", code="not_finite", text=str(raw))
    if not isinstance(raw, str):
        return Invalid(f"expected a number, got a {type(raw).__name__}", code="not_a_number")
    parse_ctx = parse_context(ctx, allow_equation=True)
    return read_with_labels(raw, parse_ctx, lambda text: _read_number_text(text, ctx, parse_ctx))


def _read_number_text(raw: str, ctx: CheckContext, parse_ctx: Any, *, unit_allowed: bool = True) -> Parsed | Invalid:
    named = _split_named_value(raw)
    if named is not None:  # "K = 10": the value is graded; the name only has to be a name
        raw = named
    parsed = parse_student_number(raw, parse_ctx)
    if isinstance(parsed, Invalid):
        return _read_spelled_number(raw, ctx, parse_ctx, parsed, unit_allowed=unit_allowed)
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


def _read_spelled_number(
    raw: str, ctx: CheckContext, parse_ctx: Any, failure: Invalid, *, unit_allowed: bool
) -> Parsed | Invalid:
    """``395 264`` (thousands groups) or ``395264 parameters`` (a unit); else ``failure``."""
    joined = join_thousands(raw)
    if joined is not None:
        read = _read_number_text(joined, ctx, parse_ctx, unit_allowed=False)
        if isinstance(read, Parsed):
            note = f"`{raw.strip()}` read as {joined} (thousands separators)"
            return Parsed(value=read.value, text=raw, shown=read.shown, notes=(note, *read.notes))
        return failure
    split = strip_unit(raw, frozenset(ctx.symbols)) if unit_allowed else None
    if split is None:
        return failure
    number, unit = split
    scaling = [word for word in unit.split() if word in MAGNITUDE_WORDS]
    if scaling:
        return Invalid(
            f"`{scaling[0]}` after the number changes its value; write the number in full (e.g. 4.18e8)",
            code="magnitude_word",
            text=raw,
        )
    read = _read_number_text(number, ctx, parse_ctx, unit_allowed=False)
    if isinstance(read, Invalid):
        return failure
    note = f"dropped the unit `{unit}` after the number"
    return Parsed(value=read.value, text=raw, shown=f"{read.shown} ({unit})", notes=(note, *read.notes))


def compare_numbers(expected: Any, submitted: Any, tolerance: Tolerance, *, exact: bool = False) -> Verdict:
    """The verdict for two real numbers (floats, ints or sympy numbers; shared with tuples).

    Exact values are compared in rational arithmetic; ``exact`` asks for equality (an
    integer expected value with no tolerance of its own).
    """
    expected_value, submitted_value = _as_float(expected), _as_float(submitted)
    finite = math.isfinite(submitted_value) or exact_number(submitted) is not None
    allowed = 0.0 if exact else allowed_error(expected_value, tolerance)[0]
    evidence: dict[str, Any] = {"expected": expected_value, "submitted": submitted_value, "error": abs(submitted_value - expected_value) if finite else None, "allowed": allowed}
    if exact:
        evidence["exact"] = True
    if not finite:
        return Verdict(0.0, Status.WRONG, "not a finite number", evidence=evidence)
    if accepts(submitted, expected, tolerance, exact=exact):
        return Verdict(1.0, Status.CORRECT, "correct", evidence=evidence)
    hint = rounding_hint(submitted_value, expected_value, tolerance, exact=exact)
    feedback = f"not equal to the expected value: {hint}" if hint else "not equal to the expected value"
    return Verdict(0.0, Status.WRONG, feedback, evidence={**evidence, "needs": describe_tolerance(tolerance, exact=exact)})


def expected_number(expected: Any, ctx: CheckContext) -> tuple[sympy.Expr, bool]:
    """(the expected value as a sympy number, whether it is an integer).

    An integer is a JSON integer or exact integer text (``96096``, ``4 \\times 10^3``); a
    float from the key (``2.0``, typically computed) is not.
    """
    value = expected_scalar(expected, ctx, number=True)
    number = real_value(value)
    if number is None or not math.isfinite(number):
        from grader.check.parsing import ExpectedValueError

        raise ExpectedValueError(ctx.part_id, f"{expected!r} is not a finite real number")
    if isinstance(value, sympy.Integer) and not isinstance(expected, float):
        return value, True
    return value, False


def expected_float(expected: Any, ctx: CheckContext) -> float:
    value = expected_scalar(expected, ctx, number=True)
    number = real_value(value)
    if number is None or not math.isfinite(number):
        from grader.check.parsing import ExpectedValueError

        raise ExpectedValueError(ctx.part_id, f"{expected!r} is not a finite real number")
    return number


def number_tolerance(spec: Any, ctx: CheckContext, integer: bool) -> tuple[Tolerance, bool]:
    """(the tolerance of a part, whether the comparison is exact).

    An integer expected value is compared exactly unless the part sets its own tolerance
    (``defaults.tolerance`` is for measured or computed values, not counts).
    """
    own = getattr(spec, "tolerance", None)
    return (own or ctx.tolerance), (integer and own is None)


class NumberChecker:
    """A real number with a tolerance (``spec.tolerance`` or the context's)."""

    def read(self, spec: Any, raw: Any, ctx: CheckContext) -> Parsed | Invalid:
        return read_number(raw, ctx)

    def compare(self, spec: Any, expected: Any, parsed: Parsed, ctx: CheckContext) -> Verdict:
        if isinstance(parsed.value, LabelledValue):  # `label = value = ...`: every value is graded
            return compare_labelled(self, spec, expected, parsed, ctx)
        target, integer = expected_number(expected, ctx)
        tolerance, exact = number_tolerance(spec, ctx, integer)
        value = parsed.value
        if not isinstance(value, sympy.Basic) or real_value(value) is None:
            return Verdict(0.0, Status.INVALID, "expected a real number", shown=parsed.shown)
        verdict = compare_numbers(target, _real_part(value), tolerance, exact=exact)
        return Verdict(verdict.score, verdict.status, verdict.feedback, shown=parsed.shown, evidence=verdict.evidence)
