"""Piecewise-linear building blocks: max, min, abs, sign, Heaviside (relu, clip, leaky
relu are written with them). Where they kink, and a proof by cases.

- ``kink_points(expr, symbol)``: the values of ``symbol`` where an argument of abs/sign/
  Heaviside, or the difference of two arguments of max/min, is zero (arguments linear in
  that one symbol); the sampler draws points on both sides of each, so ``|x|`` vs ``x``
  is told apart even on a domain that is mostly positive.
- ``prove_by_cases(difference, is_zero)``: split on the sign of the innermost kink
  argument (every node with the same argument, up to sign, takes the same branch), replace
  each node by its branch (``|u|`` -> ``u`` or ``-u``, ``max(a, b)`` -> ``a`` or ``b``)
  and recurse; proved when every leaf is identically zero. Each leaf covers the points
  where its signs hold, so all leaves zero means zero everywhere except on the kinks
  themselves (a set of measure zero, as elsewhere in the checker). Infeasible sign
  patterns only make a proof fail, never succeed wrongly.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import sympy

__all__ = ["has_kinks", "kink_arguments", "kink_points", "kink_roots", "prove_by_cases"]

KINK_TYPES: tuple[type, ...] = (sympy.Abs, sympy.sign, sympy.Heaviside, sympy.Max, sympy.Min)
MAX_LEAVES = 64
MAX_KINKS = 8


def has_kinks(expr: sympy.Basic) -> bool:
    return isinstance(expr, sympy.Basic) and expr.has(*KINK_TYPES)


def _arguments(node: sympy.Basic) -> list[sympy.Expr]:
    """The expressions whose sign decides the branch of a kink node."""
    if isinstance(node, (sympy.Abs, sympy.sign, sympy.Heaviside)):
        return [node.args[0]]
    args = node.args
    return [sympy.Add(args[i], -args[j]) for i in range(len(args)) for j in range(i + 1, len(args))]


def kink_arguments(expr: sympy.Basic) -> list[sympy.Expr]:
    """The kink arguments ``kink_points`` cannot place on one symbol's axis: those of
    several symbols (``|x - y|``, ``max(x, y)``) or not linear in their symbol. The
    sampler looks for probe points on both sides of each (``MAX_KINKS`` at most)."""
    found: list[sympy.Expr] = []
    if not has_kinks(expr):
        return found
    for node in sympy.preorder_traversal(expr):
        if not isinstance(node, KINK_TYPES):
            continue
        for argument in _arguments(node):
            symbols = argument.free_symbols
            if not symbols or argument in found:
                continue
            if len(symbols) == 1 and _linear_root(argument, next(iter(symbols))) is not None:
                continue  # kink_points places it
            found.append(argument)
            if len(found) >= MAX_KINKS:
                return found
    return found


def _linear_root(argument: sympy.Expr, symbol: sympy.Symbol) -> sympy.Expr | None:
    """Where ``argument``, linear in ``symbol``, is zero (``-offset / slope``, an expression of
    its other symbols); None when it is not linear in ``symbol``."""
    try:
        polynomial = sympy.Poly(argument, symbol)
    except sympy.PolynomialError:
        return None
    if polynomial.degree() != 1:
        return None
    slope, offset = polynomial.all_coeffs()
    if slope == 0:
        return None
    return -offset / slope


def kink_roots(arguments: list[sympy.Expr]) -> list[tuple[sympy.Symbol, sympy.Expr]]:
    """(symbol, where it crosses zero as an expression of the other symbols) for each
    argument of several symbols and each symbol it is linear in (``x - y``: x = y and
    y = x), so the sampler can put that symbol on either side of the kink."""
    roots: list[tuple[sympy.Symbol, sympy.Expr]] = []
    for argument in arguments:
        if len(argument.free_symbols) < 2:
            continue
        for symbol in sorted(argument.free_symbols, key=str):
            root = _linear_root(argument, symbol) if isinstance(symbol, sympy.Symbol) else None
            if root is None:
                continue
            roots.append((symbol, root))
            if len(roots) >= 2 * MAX_KINKS:
                return roots
    return roots


def kink_points(expr: sympy.Basic, symbol: sympy.Symbol) -> list[float]:
    """Where ``symbol`` crosses a kink of ``expr`` (arguments linear in ``symbol`` alone)."""
    points: list[float] = []
    if not has_kinks(expr):
        return points
    for node in sympy.preorder_traversal(expr):
        if not isinstance(node, KINK_TYPES):
            continue
        for argument in _arguments(node):
            if argument.free_symbols != {symbol}:
                continue
            root = _linear_root(argument, symbol)
            if root is None or not root.is_number:
                continue
            point = float(root)
            if point not in points:
                points.append(point)
            if len(points) >= MAX_KINKS:
                return points
    return points


def _innermost(expr: sympy.Basic) -> list[sympy.Basic]:
    return [node for node in sympy.preorder_traversal(expr) if isinstance(node, KINK_TYPES) and not any(arg.has(*KINK_TYPES) for arg in node.args)]  # type: ignore[attr-defined]


def _same(first: sympy.Expr, second: sympy.Expr) -> int:
    """+1 when ``first`` is a positive constant times ``second``, -1 when a negative one,
    0 otherwise (or when that cannot be seen cheaply)."""
    if first == second:
        return 1
    if second == 0 or first == 0:
        return 0
    ratio = sympy.cancel(sympy.together(first / second))
    if not ratio.is_number or ratio.is_zero or ratio.is_real is not True:
        return 0
    return 1 if ratio.is_positive else -1 if ratio.is_negative else 0


def _branch(node: sympy.Basic, positive: bool) -> sympy.Basic:
    """A two-argument (or one-argument) kink node where its argument has sign +/-."""
    if isinstance(node, sympy.Abs):
        return node.args[0] if positive else -node.args[0]
    if isinstance(node, sympy.sign):
        return sympy.Integer(1 if positive else -1)
    if isinstance(node, sympy.Heaviside):
        return sympy.Integer(1 if positive else 0)
    first, second = node.args  # type: ignore[attr-defined]
    if isinstance(node, sympy.Max):
        return first if positive else second
    return second if positive else first


def _feasible(decided: tuple[tuple[sympy.Expr, int], ...]) -> bool:
    """False only when the sign conditions provably exclude every point: conditions
    linear in one symbol are intersected as intervals (with the symbol's sign
    assumptions); anything else counts as feasible."""
    bounds: dict[sympy.Symbol, list[float]] = {}
    for pivot, sign in decided:
        if len(pivot.free_symbols) != 1:
            continue
        (symbol,) = pivot.free_symbols
        try:
            polynomial = sympy.Poly(pivot, symbol)
        except sympy.PolynomialError:
            continue
        if polynomial.degree() != 1:
            continue
        slope, offset = polynomial.all_coeffs()
        if not (slope.is_number and offset.is_number) or slope == 0:
            continue
        root = float(-offset / slope)
        low, high = bounds.setdefault(symbol, [0.0 if symbol.is_nonnegative else -math.inf, math.inf])
        if (sign > 0) == bool(slope > 0):
            bounds[symbol][0] = max(low, root)  # symbol > root
        else:
            bounds[symbol][1] = min(high, root)  # symbol < root
    return all(low < high for low, high in bounds.values())


def prove_by_cases(difference: sympy.Basic, is_zero: Callable[[sympy.Basic], bool]) -> str | None:
    """'cases on the sign of u, ...' when every case reduces to zero, else None."""
    signs: list[str] = []
    leaves = [0]

    def prove(expr: sympy.Basic, decided: tuple[tuple[sympy.Expr, int], ...]) -> bool:
        if not _feasible(decided):
            return True  # no point has these signs: nothing to prove there
        nodes = _innermost(expr)
        if not nodes:
            leaves[0] += 1
            return leaves[0] <= MAX_LEAVES and is_zero(expr)
        # nodes whose argument was decided higher up take that branch (consistent cases)
        known: dict[sympy.Basic, sympy.Basic] = {}
        for other in nodes:
            if isinstance(other, (sympy.Max, sympy.Min)) and len(other.args) > 2:
                continue
            for pivot, sign in decided:
                orientation = _same(_arguments(other)[0], pivot)
                if orientation:
                    known[other] = _branch(other, sign * orientation > 0)
                    break
        if known:
            return prove(expr.xreplace(known), decided)
        node = nodes[0]
        if isinstance(node, (sympy.Max, sympy.Min)) and len(node.args) > 2:
            # which argument is the largest (smallest): one case per argument
            return all(prove(expr.xreplace({node: argument}), decided) for argument in node.args)
        pivot = _arguments(node)[0]
        if str(pivot) not in signs:
            signs.append(str(pivot))
        return all(prove(expr, (*decided, (pivot, sign))) for sign in (1, -1))

    if not has_kinks(difference):
        return None
    if prove(difference, ()):
        return "cases on the sign of " + ", ".join(signs[:4])
    return None
