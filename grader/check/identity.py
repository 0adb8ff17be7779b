"""Exact random-point identity testing of rational expressions (Schwartz-Zippel).

Two rational functions of real symbols (or of the entries of matrix symbols) that differ
agree at a random point of a large set only with tiny probability, at most degree/|set|
per point. Evaluating both sides EXACTLY (rational arithmetic, no rounding) at a few
random rational points is therefore a proof up to a negligible probability, and, unlike a
floating-point comparison, it cannot mistake ``x^2 + 10^-60`` for ``x^2``.

Both sides are evaluated directly with exact rationals (sympy's ``QQ``) and matrices over
QQ (``DomainMatrix``): a tree walk that multiplies, inverts and transposes numbers, never
a symbolic matrix expression made explicit (which costs ~50 ms per answer).

Only expressions built from symbols, matrix symbols, rational numbers, sums, products,
integer powers, transposes, inverses, traces and identity/zero matrices qualify; anything
else (sqrt, exp, abstract functions, sums with symbolic bounds, integer-valued symbols)
is left to the symbolic and numeric stages.
"""

from __future__ import annotations

import random
import zlib
from typing import Any, Literal

import sympy
from sympy.matrices.expressions import MatrixSymbol
from sympy.polys.domains import QQ
from sympy.polys.matrices import DomainMatrix
from sympy.polys.matrices.exceptions import DMError

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


Value = Any  # an exact rational (an element of QQ) or a DomainMatrix over QQ


class _Undefined(Exception):
    """A pole or a singular matrix at this point: try another one."""


def _random_rational(rng: random.Random, positive: bool) -> Any:
    """A random nonzero integer of at most six digits, as an element of QQ.

    Integers, not fractions with random denominators: the bound degree/|set| is the same,
    but exact arithmetic on them (a 5x5 inverse) keeps numbers of tens of digits instead
    of hundreds, and each point costs a fraction of the time.
    """
    value = QQ(rng.randint(1, NUMERATORS))
    return value if positive or rng.random() < 0.5 else -value


def _random_matrix(rng: random.Random, rows: int, cols: int) -> DomainMatrix:
    entries = [[_random_rational(rng, False) for _col in range(cols)] for _row in range(rows)]
    return DomainMatrix(entries, (rows, cols), QQ)


def _power(base: Value, exponent: int) -> Value:
    if isinstance(base, DomainMatrix):
        if base.shape[0] != base.shape[1]:
            raise _Undefined
        return base.inv() ** (-exponent) if exponent < 0 else base**exponent
    if exponent < 0:
        if base == 0:
            raise _Undefined
        return QQ(1) / base ** (-exponent)
    return base**exponent


def _product(factors: list[Value]) -> Value:
    """Scalars commute, matrices multiply in order; a scalar factor scales the product."""
    scale, matrix = QQ(1), None
    for factor in factors:
        if isinstance(factor, DomainMatrix):
            matrix = factor if matrix is None else matrix.matmul(factor)
        else:
            scale = scale * factor
    if matrix is None:
        return scale
    return matrix if scale == 1 else matrix * scale


def _sum(terms: list[Value]) -> Value:
    total = terms[0]
    for term in terms[1:]:
        if isinstance(total, DomainMatrix) != isinstance(term, DomainMatrix):
            raise _Undefined  # a scalar plus a matrix: not an expression this test decides
        total = total + term
    return total


def _evaluate(expr: sympy.Basic, point: dict[sympy.Basic, Value]) -> Value:
    """``expr`` at ``point`` with exact rational arithmetic (matrices as DomainMatrix over
    QQ), never through symbolic matrix expressions (explicit entries, MatMul._entry, ...)."""
    if expr in point:
        return point[expr]
    if isinstance(expr, sympy.Rational):
        return QQ(int(expr.p), int(expr.q))
    if isinstance(expr, sympy.Identity):
        return DomainMatrix.eye(int(expr.shape[0]), QQ).to_dense()
    if isinstance(expr, sympy.ZeroMatrix):
        return DomainMatrix.zeros((int(expr.shape[0]), int(expr.shape[1])), QQ).to_dense()
    if isinstance(expr, (sympy.Add, sympy.MatAdd)):
        return _sum([_evaluate(arg, point) for arg in expr.args])
    if isinstance(expr, (sympy.Mul, sympy.MatMul)):
        return _product([_evaluate(arg, point) for arg in expr.args])
    if isinstance(expr, (sympy.Pow, sympy.MatPow)):
        return _power(_evaluate(expr.base, point), int(expr.exp))
    if isinstance(expr, sympy.Inverse):
        return _power(_evaluate(expr.arg, point), -1)
    if isinstance(expr, sympy.Transpose):
        value = _evaluate(expr.arg, point)
        return value.transpose() if isinstance(value, DomainMatrix) else value
    if isinstance(expr, sympy.Trace):
        value = _evaluate(expr.arg, point)
        if not isinstance(value, DomainMatrix):
            return value
        if value.shape[0] != value.shape[1]:
            raise _Undefined
        rows = value.to_list()
        return sum((rows[index][index] for index in range(value.shape[0])), QQ(0))
    raise _Undefined  # not a rational node (is_rational_expression admitted it: cannot happen)


def _exact_value(expr: sympy.Basic, point: dict[sympy.Basic, Value]) -> Value | None:
    """``expr`` evaluated exactly at ``point``; None at a pole or a singular matrix."""
    try:
        value = _evaluate(expr, point)
    except (_Undefined, DMError, ZeroDivisionError):
        return None  # a singular matrix or a pole at this point: try another one
    if isinstance(value, DomainMatrix):
        return value.to_dense()
    return value


def _same(left: Value, right: Value) -> bool:
    if isinstance(left, DomainMatrix) or isinstance(right, DomainMatrix):
        if not (isinstance(left, DomainMatrix) and isinstance(right, DomainMatrix)) or left.shape != right.shape:
            return False
        return bool(left.to_list_flat() == right.to_list_flat())
    return bool(left == right)


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
        point: dict[sympy.Basic, Value] = {
            symbol: _random_rational(rng, bool(symbol.is_positive or symbol.is_nonnegative)) for symbol in scalars
        }
        for matrix in matrices:
            rows, cols = (int(size) for size in matrix.shape)
            point[matrix] = _random_matrix(rng, rows, cols)
        left, right = _exact_value(expected, point), _exact_value(submitted, point)
        if left is None or right is None:
            continue
        if not _same(left, right):
            return "different"
        agreed += 1
        if agreed >= POINTS:
            return "equal"
    return None
