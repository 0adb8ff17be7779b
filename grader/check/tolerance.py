"""Numeric tolerance exactly as ``grader.rubric.models.Tolerance`` documents it.

``s`` is the submitted number, ``t`` the expected one. Modes, first set wins:
``sigfigs`` (PrairieLearn's rule), ``decimals``, then ``rtol``/``atol`` (relative to
``t``; no absolute floor unless ``atol`` is set). NaN and infinities are never accepted.

When both sides are exact (integers, decimals such as ``1.05``, fractions; a float from
the key counts as the shortest decimal that prints it) the test is decided in rational
arithmetic, so a boundary answer (``1.05`` for ``1`` at ``rtol: 0.05``) is decided by
the documented formula, not by binary round-off. An integer expected value with no
tolerance of its own (``exact=True``) is compared exactly.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from grader.rubric.models import Tolerance

__all__ = ["accepts", "allowed_error", "describe_tolerance", "exact_number", "rounding_hint", "within"]


def exact_number(value: Any) -> Fraction | None:
    """The exact rational value of an int, a float (its shortest decimal), a decimal text,
    or a sympy Integer/Rational/Float; None for anything else (irrationals, NaN, inf)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(repr(value)) if math.isfinite(value) else None
    if isinstance(value, Fraction):
        return value
    is_rational = getattr(value, "is_Rational", False)
    if is_rational:
        return Fraction(int(value.p), int(value.q))
    if getattr(value, "is_Float", False):
        text = str(value)
        try:
            return Fraction(text)
        except (ValueError, ZeroDivisionError):
            return None
    return None


def _fraction_of(number: float) -> Fraction:
    return Fraction(repr(float(number)))


def _exact_bound(expected: Fraction, tolerance: Tolerance) -> tuple[Fraction, bool]:
    if tolerance.sigfigs is not None:
        digits = tolerance.sigfigs
        if expected == 0:
            return Fraction(51, 100) * Fraction(10) ** (-digits + 1), True
        places = digits - 1 - _floor_log10(abs(expected))
        return Fraction(51, 100) * Fraction(10) ** (-places), True
    if tolerance.decimals is not None:
        return Fraction(51, 100) * Fraction(10) ** (-tolerance.decimals), True
    return _fraction_of(tolerance.atol) + _fraction_of(tolerance.rtol) * abs(expected), False


def _floor_log10(value: Fraction) -> int:
    """floor(log10(value)) for a positive rational, exactly."""
    exponent = math.floor(math.log10(value.numerator) - math.log10(value.denominator))
    while Fraction(10) ** exponent > value:
        exponent -= 1
    while Fraction(10) ** (exponent + 1) <= value:
        exponent += 1
    return exponent


def allowed_error(expected: float, tolerance: Tolerance) -> tuple[float, bool]:
    """(bound, strict): accept when |s - t| < bound (strict) or <= bound."""
    if tolerance.sigfigs is not None:
        digits = tolerance.sigfigs
        if expected == 0:
            return 0.51 * 10.0 ** (-digits + 1), True
        places = digits - 1 - math.floor(math.log10(abs(expected)))
        return 0.51 * 10.0 ** (-places), True
    if tolerance.decimals is not None:
        return 0.51 * 10.0 ** (-tolerance.decimals), True
    return tolerance.atol + tolerance.rtol * abs(expected), False


def within(submitted: float, expected: float, tolerance: Tolerance) -> bool:
    """True when ``submitted`` is accepted for ``expected`` under ``tolerance``.

    Floats are read as the decimals they print as, and the test is exact (see the module
    docstring): ``within(1.05, 1.0, Tolerance(rtol=0.05, atol=0))`` is True.
    """
    if not (math.isfinite(submitted) and math.isfinite(expected)):
        return False
    bound, strict = allowed_error(expected, tolerance)
    error = abs(submitted - expected)
    if math.isfinite(bound) and math.isfinite(error) and abs(error - bound) > 1e-9 * max(bound, error):
        return error < bound  # clearly inside or outside: floats decide (the fast path)
    return _within_exact(_fraction_of(submitted), _fraction_of(expected), tolerance)


def _within_exact(submitted: Fraction, expected: Fraction, tolerance: Tolerance) -> bool:
    bound, strict = _exact_bound(expected, tolerance)
    error = abs(submitted - expected)
    return error < bound if strict else error <= bound


def accepts(submitted: Any, expected: Any, tolerance: Tolerance, *, exact: bool = False) -> bool:
    """``submitted`` accepted for ``expected`` (ints, floats, sympy numbers).

    ``exact``: the expected value must be matched exactly (an integer count with no
    tolerance of its own). Exact values are compared in rational arithmetic; an
    irrational side (``sqrt(2)``) is compared at 50 digits.
    """
    submitted_exact, expected_exact = exact_number(submitted), exact_number(expected)
    if submitted_exact is not None and expected_exact is not None:
        if exact:
            return submitted_exact == expected_exact
        return _within_exact(submitted_exact, expected_exact, tolerance)
    import mpmath
    import sympy

    with mpmath.workdps(50):
        try:
            submitted_mp = mpmath.mpf(sympy.N(submitted, 50)) if isinstance(submitted, sympy.Basic) else mpmath.mpf(submitted)
            expected_mp = mpmath.mpf(sympy.N(expected, 50)) if isinstance(expected, sympy.Basic) else mpmath.mpf(expected)
        except (TypeError, ValueError):
            return False
        if not (mpmath.isfinite(submitted_mp) and mpmath.isfinite(expected_mp)):
            return False
        error = abs(submitted_mp - expected_mp)
        if exact:
            return bool(error <= mpmath.mpf(10) ** -40 * max(1, abs(expected_mp)))
        bound, strict = allowed_error(float(expected_mp), tolerance)
        return bool(error < bound) if strict else bool(error <= bound)


def describe_tolerance(tolerance: Tolerance, *, exact: bool = False) -> str:
    """'5 significant figures', '2 decimal places', 'a relative error of 0.001', 'the exact value'."""
    if exact:
        return "the exact value (this answer is an integer)"
    if tolerance.sigfigs is not None:
        return f"{tolerance.sigfigs} significant figures"
    if tolerance.decimals is not None:
        return f"{tolerance.decimals} decimal places"
    if tolerance.rtol > 0:
        figures = max(1, math.ceil(-math.log10(tolerance.rtol)) + 1)
        text = f"a relative error of at most {tolerance.rtol:g} (about {figures} significant figures)"
        return text + (f" plus {tolerance.atol:g}" if tolerance.atol > 0 else "")
    if tolerance.atol > 0:
        return f"an absolute error of at most {tolerance.atol:g}"
    return "the exact value"


def rounding_hint(submitted: float, expected: float, tolerance: Tolerance, *, exact: bool = False) -> str | None:
    """When a wrong number is close (within 2%), say it is a rounding/precision problem.

    Gives the size of the error to one significant figure, not the expected value.
    """
    if not (math.isfinite(submitted) and math.isfinite(expected)):
        return None
    error = abs(submitted - expected)
    if error == 0 or error > 0.02 * max(abs(expected), 1e-300):
        return None
    return f"{submitted:g} is off by about {error:.0e}; the answer needs {describe_tolerance(tolerance, exact=exact)}"
