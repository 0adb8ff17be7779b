"""Exact random-point identity testing of rational expressions (Schwartz-Zippel).

Two rational functions of real symbols (or of the entries of matrix symbols) that differ
agree at a random point of a large set only with tiny probability, at most degree/|set|
per point. Evaluating both sides EXACTLY (rational arithmetic, no rounding) at a few
random rational points is therefore a proof up to a negligible probability, and, unlike a
floating-point comparison, it cannot mistake ``x^2 + 10^-60`` for ``x^2``.

Only expressions built from symbols, matrix symbols, rational numbers, sums, products,
integer powers, transposes, inverses, traces and identity/zero matrices qualify; anything
else (sqrt, exp, abstract functions, sums with symbolic bounds, integer-valued symbols)
is left to the symbolic and numeric stages.
"""

from __future__ import annotations

import random
import zlib
from typing import Literal

import sympy
from sympy.matrices.expressions import MatrixExpr, MatrixSymbol

__all__ = ["is_rational_expression", "exact_identity"]

POINTS = 6
NUMERATORS = 10**6
ATTEMPTS = 4 * POINTS

_RATIONAL_NODES = (
    sympy.Add, sympy.Mul, sympy.Symbol, sympy.Rational, MatrixSymbol,
    sympy.MatAdd, sympy.MatMul, sympy.Transpose, sympy.Inverse, sympy.Trace,
)


def is_rational_expression(expr: sympy.Basic) -> bool:
    """True when ``expr`` is a rational function of real (non-integer) symbols and of the
    entries of matrix symbols with numeric shapes."""
    if isinstance(expr, MatrixSymbol):
        return all(isinstance(size, sympy.Integer) for size in expr.shape)
    if isinstance(expr, sympy.Symbol):
        return not expr.is_integer  # integer symbols are probed on a small grid, not at random
    if isinstance(expr, (sympy.Pow, sympy.MatPow)):
        return bool(expr.exp.is_Integer) and is_rational_expression(expr.base)
    if isinstance(expr, (sympy.Identity, sympy.ZeroMatrix)):
        return all(isinstance(size, sympy.Integer) for size in expr.shape)
    if not isinstance(expr, _RATIONAL_NODES):
        return False
    return all(is_rational_expression(arg) for arg in expr.args)


def _random_rational(rng: random.Random, positive: bool) -> sympy.Rational:
    numerator = rng.randint(1, NUMERATORS)
    value = sympy.Rational(numerator, rng.randint(1, NUMERATORS))
    return value if positive or rng.random() < 0.5 else -value


def _exact_value(expr: sympy.Basic, point: dict[sympy.Basic, sympy.Basic]) -> sympy.Basic | None:
    try:
        value = expr.xreplace(point).doit()
    except (ZeroDivisionError, ValueError, TypeError, ArithmeticError):
        return None  # a singular matrix or a pole at this point: try another one
    if isinstance(value, (MatrixExpr, sympy.MatrixBase)):
        value = sympy.ImmutableMatrix(value)
        if any(entry.has(sympy.zoo, sympy.nan, sympy.oo) or not entry.is_Rational for entry in value):
            return None
        return value
    if value.has(sympy.zoo, sympy.nan, sympy.oo) or not value.is_Rational:
        return None
    return value


def exact_identity(expected: sympy.Basic, submitted: sympy.Basic, seed: int) -> Literal["equal", "different"] | None:
    """Compare two rational expressions exactly at random rational points.

    "equal" when they agree at every point, "different" when they differ at one, None when
    not enough points could be evaluated (poles, singular matrices).
    """
    both = sympy.Tuple(expected, submitted)
    scalars = sorted((s for s in both.free_symbols if isinstance(s, sympy.Symbol)), key=str)
    matrices = sorted(both.atoms(MatrixSymbol), key=str)
    rng = random.Random(zlib.crc32(f"identity/{seed}".encode()))
    agreed = 0
    for _attempt in range(ATTEMPTS):
        point: dict[sympy.Basic, sympy.Basic] = {
            symbol: _random_rational(rng, bool(symbol.is_positive or symbol.is_nonnegative)) for symbol in scalars
        }
        for matrix in matrices:
            rows, cols = (int(size) for size in matrix.shape)
            point[matrix] = sympy.ImmutableMatrix(rows, cols, lambda _i, _j: _random_rational(rng, False))
        left, right = _exact_value(expected, point), _exact_value(submitted, point)
        if left is None or right is None:
            continue
        if left != right:
            return "different"
        agreed += 1
        if agreed >= POINTS:
            return "equal"
    return None
