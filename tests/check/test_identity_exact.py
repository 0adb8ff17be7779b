"""The exact random-point identity test on rational scalar and matrix expressions, built
directly with sympy (the parser has its own tests): equal, different, or undecidable."""

from __future__ import annotations

import pytest
import sympy as sp

from grader.check.identity import exact_identity, is_rational_expression

x, y = sp.symbols("x y", real=True)
lam = sp.Symbol("lambda", positive=True)
X = sp.MatrixSymbol("X", 5, 3)
v = sp.MatrixSymbol("v", 5, 1)
A = sp.MatrixSymbol("A", 3, 2)
B = sp.MatrixSymbol("B", 2, 3)
H = sp.MatrixSymbol("H", 3, 3)
g = sp.MatrixSymbol("g", 3, 1)
I3, I5 = sp.Identity(3), sp.Identity(5)

# (name, expected, submitted, outcome)
CASES = [
    ("cancelled rational function", (x**2 - y**2) / (x - y), x + y, "equal"),
    ("partial fractions", 1 / (x * (x + 1)), 1 / x - 1 / (x + 1), "equal"),
    ("perturbation below float precision", x**2, x**2 + sp.Rational(1, 10**60), "different"),
    ("negative power", (x + y) ** -2, 1 / (x**2 + 2 * x * y + y**2), "equal"),
    ("push-through identity", (X.T * X + lam * I3).I * X.T * v, X.T * (X * X.T + lam * I5).I * v, "equal"),
    ("push-through with lambda forgotten", (X.T * X + lam * I3).I * X.T * v, (X.T * X + I3).I * X.T * v, "different"),
    ("lambda factored out of the inverse", (X.T * X + lam * I3).I * X.T * v,
     (1 / lam) * ((1 / lam) * X.T * X + I3).I * X.T * v, "equal"),
    ("transpose of a product", (A * B).T, B.T * A.T, "equal"),
    ("transpose in the wrong order", (H * g).T, g.T * H, "different"),
    ("cyclic trace", sp.Trace(A * B), sp.Trace(B * A), "equal"),
    ("trace of a quadratic form", sp.Trace(g.T * H * g), sp.Trace(H * g * g.T), "equal"),
    ("not symmetric", g.T * H * g, g.T * H.T * H * g, "different"),
    ("matrix power", sp.MatPow(H, 2), H * H, "equal"),
    ("inverse squared", sp.MatPow(H, -2), H.I * H.I, "equal"),
    ("inverse of a product", (H * H.T).I, H.T.I * H.I, "equal"),
    ("inverse of a product in the wrong order", (H * H.T).I, H.I * H.T.I, "different"),
    ("scalar times matrix", 2 * x * H + I3, I3 + H * x * 2, "equal"),
    ("zero matrix", H - H.T + sp.ZeroMatrix(3, 3), H - H.T, "equal"),
    ("a quotient of quadratic forms", 2 * sp.Trace(g.T * g) * sp.Trace(g.T * H * g) ** -1,
     2 * sp.Trace(g.T * g) / sp.Trace(g.T * H * g), "equal"),
    ("singular at every point: undecidable", (g * g.T).I, (g * g.T).I, None),
]


@pytest.mark.parametrize(("expected", "submitted", "outcome"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_exact_identity(expected: sp.Basic, submitted: sp.Basic, outcome: str | None) -> None:
    assert is_rational_expression(expected) and is_rational_expression(submitted)
    assert exact_identity(expected, submitted, seed=0) == outcome
    assert exact_identity(submitted, expected, seed=7) == outcome


# (name, expression): left to the symbolic and numeric stages
NOT_RATIONAL = [
    ("square root", sp.sqrt(x)),
    ("exponential", sp.exp(x) * H),
    ("integer symbol", sp.Symbol("n", integer=True) * x),
    ("symbolic shape", sp.MatrixSymbol("M", sp.Symbol("k", integer=True), 3)),
    ("fractional power", (x + 1) ** sp.Rational(1, 3)),
]


@pytest.mark.parametrize("expr", [c[1] for c in NOT_RATIONAL], ids=[c[0] for c in NOT_RATIONAL])
def test_other_expressions_are_not_rational(expr: sp.Basic) -> None:
    assert not is_rational_expression(expr)
