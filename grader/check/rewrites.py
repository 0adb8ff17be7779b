"""Extra proof steps for identities sympy's general simplifiers miss, each cheap and
tried only when the difference has the functions it is about:

- inverse trigonometric and hyperbolic functions rewritten as logarithms
  (``asinh(x)`` vs ``log(x + sqrt(x^2 + 1))``, ``atanh(1/3)`` vs ``log(2)/2``);
- nested radicals denested (``sqrt(5 + 2 sqrt(6))`` vs ``sqrt(2) + sqrt(3)``);
- constant sums of arctangents of rationals plus a rational multiple of pi
  (``atan(1/2)`` vs ``pi/2 - atan(2)``, Machin-like formulas), proved exactly:
  ``sum c_k atan(r_k) + q pi`` is ``arg(prod (1 + i r_k)^c_k) + q pi`` modulo 2 pi, so it
  is a multiple of 2 pi exactly when ``prod (1 + i r_k)^c_k * (1 + i)^(4q)`` is a positive
  real (Gaussian rationals, exact); with its value below 1e-30 at 60 digits it is 0;
- one-variable differences with inverse functions (``atan(x) + atan(1/x)`` vs ``pi/2``
  for x > 0, ``asin(x)`` vs ``atan(x/sqrt(1 - x^2))`` on (-1, 1)): zero when sympy finds
  the derivative identically 0, the difference continuous on the whole (connected) domain
  (``continuous_domain``) and 0 at one exact point of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy
from sympy.core.function import AppliedUndef

__all__ = ["extra_proof_steps", "prove_arctangent_constant", "prove_by_derivative"]

INVERSE_FUNCTIONS: tuple[type, ...] = (
    sympy.asin, sympy.acos, sympy.atan, sympy.acot, sympy.asec, sympy.acsc,
    sympy.asinh, sympy.acosh, sympy.atanh, sympy.acoth, sympy.asech, sympy.acsch,
)  # fmt: skip
#: functions with jumps or kinks: never proved constant by their derivative
STEP_FUNCTIONS: tuple[type, ...] = (
    sympy.floor, sympy.ceiling, sympy.frac, sympy.sign, sympy.Heaviside, sympy.Mod, sympy.Piecewise,
    sympy.Max, sympy.Min, sympy.Abs, sympy.Sum, sympy.Product, sympy.Integral, sympy.Derivative,
)  # fmt: skip
MAX_TERMS = 12
MAX_MULTIPLE = 64


def _has_nested_radical(expr: sympy.Basic) -> bool:
    for power in expr.atoms(sympy.Pow):
        if power.exp.is_Rational and not power.exp.is_Integer and power.base.has(sympy.Pow):
            if any(inner.exp.is_Rational and not inner.exp.is_Integer for inner in power.base.atoms(sympy.Pow)):
                return True
    return False


def prove_arctangent_constant(difference: sympy.Basic) -> bool:
    """True when ``difference`` (no symbols) is provably 0 by the arctangent argument test."""
    if not isinstance(difference, sympy.Expr) or difference.free_symbols:
        return False
    terms = sympy.Add.make_args(sympy.expand(difference))
    if len(terms) > MAX_TERMS or not any(term.has(sympy.atan, sympy.acot) for term in terms):
        return False
    product = sympy.Integer(1)
    quarter_turns = 0
    for term in terms:
        coefficient, rest = term.as_coeff_Mul()
        if rest is sympy.pi or rest == 1:
            quarters = coefficient * 4 if rest is sympy.pi else None
            if quarters is None or not quarters.is_Integer:
                return False
            quarter_turns += int(quarters)
            continue
        if not coefficient.is_Integer or abs(int(coefficient)) > MAX_MULTIPLE:
            return False
        if isinstance(rest, sympy.atan) and rest.args[0].is_Rational:
            ratio = rest.args[0]
        elif isinstance(rest, sympy.acot) and rest.args[0].is_Rational and rest.args[0] != 0:
            ratio = 1 / rest.args[0]  # sympy's acot(r) is atan(1/r) for every real r != 0
        else:
            return False
        product = sympy.expand(product * (1 + sympy.I * ratio) ** int(coefficient))
    turn = sympy.expand(product * (1 + sympy.I) ** (quarter_turns % 8))
    real, imaginary = turn.as_real_imag()
    if imaginary != 0 or not real.is_positive:
        return False
    value = sympy.N(difference, 60)
    return bool(abs(value) < sympy.Float("1e-30"))


def extra_proof_steps(difference: sympy.Basic) -> list[tuple[str, Callable[[], Any]]]:
    """The steps that apply to ``difference`` (see the module docstring)."""
    steps: list[tuple[str, Callable[[], Any]]] = []
    if not isinstance(difference, sympy.Expr):
        return steps
    if not difference.free_symbols and difference.has(sympy.atan, sympy.acot):
        steps.append(("arctangent argument test", lambda: sympy.Integer(0) if prove_arctangent_constant(difference) else difference))
    if difference.has(*INVERSE_FUNCTIONS):
        steps.append(("rewrite log", lambda: sympy.simplify(sympy.expand_log(difference.rewrite(sympy.log), force=False))))
    if _has_nested_radical(difference):
        steps.append(("denest radicals", lambda: sympy.simplify(sympy.sqrtdenest(difference))))
    return steps


def _inside_point(domain: sympy.Interval) -> sympy.Rational:
    """A simple rational point strictly inside an open interval."""
    for candidate in (sympy.Integer(1), sympy.Integer(0), sympy.Rational(1, 2), sympy.Rational(-1, 2), sympy.Integer(2), sympy.Integer(-1)):
        if domain.contains(candidate) is sympy.true and candidate not in (domain.start, domain.end):
            return candidate
    low, high = domain.start, domain.end
    if low.is_infinite:
        return sympy.nsimplify(sympy.floor(high) - 1)
    if high.is_infinite:
        return sympy.nsimplify(sympy.ceiling(low) + 1)
    return sympy.nsimplify((low + high) / 2)


def prove_by_derivative(difference: sympy.Basic, symbol: sympy.Symbol, domain: sympy.Interval, is_zero: Callable[[sympy.Basic], bool]) -> bool:
    """True when ``difference`` (in ``symbol`` alone, with an inverse function) is 0 on
    the open interval ``domain``: derivative 0, continuous there, 0 at one point."""
    if not isinstance(difference, sympy.Expr) or difference.free_symbols != {symbol} or not difference.has(*INVERSE_FUNCTIONS):
        return False
    if difference.has(*STEP_FUNCTIONS) or difference.atoms(AppliedUndef):
        return False  # their derivative is 0 where it exists, and continuous_domain may not see their jumps
    from sympy.calculus.util import continuous_domain

    if sympy.simplify(sympy.diff(difference, symbol)) != 0:
        return False
    if continuous_domain(difference, symbol, domain) != domain:
        return False
    point = _inside_point(domain)
    value = difference.subs(symbol, point)
    return bool(value == 0 or prove_arctangent_constant(value) or is_zero(value) or is_zero(sympy.expand_log(value.rewrite(sympy.log))))
