"""Numeric tolerance exactly as ``grader.rubric.models.Tolerance`` documents it.

``s`` is the submitted number, ``t`` the expected one. Modes, first set wins:
``sigfigs`` (PrairieLearn's rule), ``decimals``, then ``rtol``/``atol`` (numpy.isclose,
relative to ``t``). NaN and infinities are never accepted.
"""

from __future__ import annotations

import math

from grader.rubric.models import Tolerance

__all__ = ["allowed_error", "describe_tolerance", "rounding_hint", "within"]


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
    """True when ``submitted`` is accepted for ``expected`` under ``tolerance``."""
    if not (math.isfinite(submitted) and math.isfinite(expected)):
        return False
    bound, strict = allowed_error(expected, tolerance)
    error = abs(submitted - expected)
    return error < bound if strict else error <= bound


def describe_tolerance(tolerance: Tolerance) -> str:
    """'5 significant figures', '2 decimal places', 'a relative error of 0.001'."""
    if tolerance.sigfigs is not None:
        return f"{tolerance.sigfigs} significant figures"
    if tolerance.decimals is not None:
        return f"{tolerance.decimals} decimal places"
    if tolerance.rtol > 0:
        figures = max(1, math.ceil(-math.log10(tolerance.rtol)) + 1)
        return f"a relative error of at most {tolerance.rtol:g} (about {figures} significant figures)"
    return f"an absolute error of at most {tolerance.atol:g}"


def rounding_hint(submitted: float, expected: float, tolerance: Tolerance) -> str | None:
    """When a wrong number is close (within 2%), say it is a rounding/precision problem.

    Gives the size of the error to one significant figure, not the expected value.
    """
    if not (math.isfinite(submitted) and math.isfinite(expected)):
        return None
    error = abs(submitted - expected)
    if error == 0 or error > 0.02 * max(abs(expected), 1e-300):
        return None
    return f"{submitted:g} is off by about {error:.0e}; the answer needs {describe_tolerance(tolerance)}"
