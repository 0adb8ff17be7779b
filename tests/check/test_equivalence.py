"""Expression equivalence on hand-built sympy values (no parser needed).

The table holds the false-accept traps every numeric checker falls into, identities
sympy's ``equals`` cannot decide, matrix expressions and sums with symbolic bounds.
"""

from __future__ import annotations

import pytest
import sympy as sp

from grader.check.equivalence import compare_expressions
from grader.check.kinds.expression import ExpressionChecker
from grader.check.verdict import Status
from grader.rubric.models import ExpressionAnswer, Tolerance, UndecidedPolicy

from .helpers import make_ctx, parsed

x = sp.Symbol("x", real=True)
y = sp.Symbol("y", real=True)
xp = sp.Symbol("x", positive=True)
d = sp.Symbol("d", positive=True)
n = sp.Symbol("n", integer=True, positive=True)
k = sp.Symbol("k", positive=True)
s = sp.Symbol("s", positive=True)
l_index = sp.Symbol("l", integer=True)
f = sp.Function("f")
sigma = sp.Function("sigma")
g = sp.MatrixSymbol("g", 3, 1)
H = sp.MatrixSymbol("H", 3, 3)
A = sp.MatrixSymbol("A", 3, 2)
B = sp.MatrixSymbol("B", 2, 3)
C = sp.MatrixSymbol("C", 3, 3)

CTX = make_ctx({"x": "real", "y": "real", "d": "positive", "n": "positive_integer", "k": "positive", "s": "positive"})
MATRIX_CTX = make_ctx({"g": "matrix(3,1)", "H": "matrix(3,3)", "A": "matrix(3,2)", "B": "matrix(2,3)", "C": "matrix(3,3)"})
SIGMA_CTX = make_ctx({"x": "real"}, {"sigma": None})

EQUAL = [
    ("expanded square", (x + 1) ** 2, x**2 + 2 * x + 1, CTX),
    ("sqrt of square for positive x", xp, sp.sqrt(xp**2), CTX),
    ("tanh vs 2 sigmoid(2x) - 1", sp.tanh(x), 2 / (1 + sp.exp(-2 * x)) - 1, CTX),
    ("log-sum-exp shift", sp.log(sp.exp(x) + sp.exp(y)), x + sp.log(1 + sp.exp(y - x)), CTX),
    ("pythagoras", sp.sin(x) ** 2, 1 - sp.cos(x) ** 2, CTX),
    ("fractions", 1 / d + 1 / (2 * d), sp.Rational(3, 2) / d, CTX),
    ("half as float", x / 2, sp.Float(0.5) * x, CTX),
    ("sum of powers of s", 1 + (k - 1) * sp.Sum(s ** (l_index - 1), (l_index, 1, n)), 1 + (k - 1) * (s**n - 1) / (s - 1), CTX),
    ("sum of constant kernel", 1 + sp.Sum(k - 1, (l_index, 1, n)), 1 + n * (k - 1), CTX),
    ("abstract function chain rule", sp.Derivative(f(2 * x), x).doit(), 2 * sp.Subs(sp.Derivative(f(y), y), y, 2 * x), make_ctx({"x": "real"}, {"f": None})),
    ("matrix transpose of product", (A * B).T, B.T * A.T, MATRIX_CTX),
    ("matrix distributive", A * (B + B), 2 * A * B, MATRIX_CTX),
    ("quadratic form scalar", (g.T * H * g), (g.T * H.T * g).T, MATRIX_CTX),
]

DIFFERENT = [
    ("1e-4 x vs 0", sp.Integer(0), sp.Float(1e-4) * x, CTX),
    ("x^2 + 0.0005 vs x^2", x**2, x**2 + sp.Float(0.0005), CTX),
    ("tiny relative difference", x**2, x**2 * (1 + sp.Float(1e-12)), CTX),
    ("sqrt(x^2) vs x for real x", x, sp.sqrt(x**2), CTX),
    ("abs vs identity", x, sp.Abs(x), CTX),
    ("wrong factor", 2 * x, 3 * x, CTX),
    ("sign", x, -x, CTX),
    ("f(2x) vs 2 f(x)", f(2 * x), 2 * f(x), make_ctx({"x": "real"}, {"f": None})),
    ("f(-x) vs -f(x)", f(-x), -f(x), make_ctx({"x": "real"}, {"f": None})),
    ("commuted product", A * B, (B.T * A.T), MATRIX_CTX),
    ("commuted square product", H * C, C * H, MATRIX_CTX),
    ("forgotten transpose", g.T * H, (H * g).T, MATRIX_CTX),
    ("H g vs g^T H (shapes)", H * g, g.T * H, MATRIX_CTX),
    ("sum off by one", sp.Sum(k - 1, (l_index, 1, n)), n * k, CTX),
    ("sigma(2x) vs sigma(x)", sigma(2 * x), sigma(x), SIGMA_CTX),
]


@pytest.mark.parametrize(("expected", "submitted", "ctx"), [case[1:] for case in EQUAL], ids=[case[0] for case in EQUAL])
def test_equivalent(expected: sp.Basic, submitted: sp.Basic, ctx) -> None:
    result = compare_expressions(expected, submitted, ctx)
    assert result.equal, result.message


@pytest.mark.parametrize(("expected", "submitted", "ctx"), [case[1:] for case in DIFFERENT], ids=[case[0] for case in DIFFERENT])
def test_different(expected: sp.Basic, submitted: sp.Basic, ctx) -> None:
    result = compare_expressions(expected, submitted, ctx)
    assert result.outcome == "different", result.message
    assert "not" in result.message


def test_tanh_identity_is_proved_not_just_confirmed() -> None:
    result = compare_expressions(sp.tanh(x), 2 / (1 + sp.exp(-2 * x)) - 1, CTX)
    assert result.outcome == "proved"


def test_defined_function_substituted() -> None:
    ctx = make_ctx({"x": "real"}, {"sigma": None})
    definition = (sp.Symbol("x", real=True),), 1 / (1 + sp.exp(-sp.Symbol("x", real=True)))
    from grader.check import equivalence

    original = equivalence.defined_functions
    equivalence.defined_functions = lambda _ctx: {"sigma": definition}  # parser-free stand-in
    try:
        assert compare_expressions(sp.tanh(x), 2 * sigma(2 * x) - 1, ctx).equal
        assert not compare_expressions(sp.tanh(x), 2 * sigma(x) - 1, ctx).equal
    finally:
        equivalence.defined_functions = original


def test_wrong_answer_is_rejected_by_the_fast_stage() -> None:
    # rejected from the float evaluation, before any symbolic step (speed: benchmarks/)
    result = compare_expressions(sp.exp(-x**2) * sp.sin(3 * x) + d, sp.exp(-x**2) * sp.cos(3 * x) + d, CTX)
    assert result.outcome == "different"
    assert result.evidence["stage"] == "fast numeric"


def test_feedback_does_not_show_expected_value() -> None:
    result = compare_expressions(7 * d, 5 * d, CTX)
    assert result.outcome == "different"
    assert result.evidence["expected_value"] not in result.message


def test_not_enough_points_is_undecided_not_wrong() -> None:
    # both sides are defined only where x > 50, far outside the probing range
    expected = sp.sqrt(x - 50) + sp.sqrt(50 - x)
    result = compare_expressions(expected, expected + 0 * x, CTX)
    assert result.outcome in ("undecided", "proved")
    weird = compare_expressions(sp.sqrt(x - 50) * sp.sqrt(50 - x) * 0 + sp.log(x - 50), sp.log(x - 50) + sp.sqrt(-(x - 50) ** 2 - 1), CTX)
    assert weird.outcome != "proved" and weird.outcome != "numeric"


def test_big_o_constant_factor_and_lower_order_terms() -> None:
    big_o = sp.Function("O")
    m = sp.Symbol("m", positive=True)
    ctx = make_ctx({"n": "positive_integer", "d": "positive", "m": "positive"})
    assert compare_expressions(big_o(m**2), big_o(3 * m**2), ctx).equal
    assert compare_expressions(big_o(m**2), big_o(m**2 + m), ctx).equal
    assert not compare_expressions(big_o(m**2), big_o(m**3), ctx).equal
    assert compare_expressions(big_o(m * d**2), big_o(2 * d**2 * m), ctx).equal
    assert not compare_expressions(big_o(m * d**2), big_o(m**2 * d), ctx).equal
    assert compare_expressions(big_o(m * d**2), big_o(m * d**2 + m * d), ctx).equal
    assert compare_expressions(big_o((d * m + 2 * m**2) * n**2), big_o(n**2 * m * (d + m)), ctx).equal
    assert not compare_expressions(big_o(m**2), m**2, ctx).equal  # O notation is required
    assert compare_expressions(big_o(sp.log(m) * m), big_o(3 * m * sp.log(m)), ctx).equal
    assert not compare_expressions(big_o(sp.log(m) * m), big_o(m), ctx).equal


POLICY_CASES = [
    (UndecidedPolicy.accept_if_numeric, Status.CORRECT, 1.0),
    (UndecidedPolicy.manual_review, Status.UNDECIDED, 0.0),
    (UndecidedPolicy.reject, Status.WRONG, 0.0),
]


@pytest.mark.parametrize(("policy", "status", "score"), POLICY_CASES, ids=[p[0].value for p in POLICY_CASES])
def test_numeric_only_agreement_follows_policy(policy: UndecidedPolicy, status: Status, score: float) -> None:
    # a true identity that needs simplification;
    # force the numeric-only path with a zero step budget.
    ctx = make_ctx({"x": "real"}, undecided=policy)
    ctx = type(ctx)(**{**ctx.__dict__, "step_seconds": 0.0})
    checker = ExpressionChecker()
    spec = ExpressionAnswer(kind="expression", expected="unused")
    verdict = checker.compare(spec, sp.tanh(x), parsed(2 / (1 + sp.exp(-2 * x)) - 1), ctx)
    assert verdict.status is status
    assert verdict.score == score
    if policy is UndecidedPolicy.accept_if_numeric:
        assert "not proved" in verdict.evidence["note"]


def test_expression_tolerance_from_spec() -> None:
    checker = ExpressionChecker()
    spec = ExpressionAnswer(kind="expression", expected="unused", tolerance=Tolerance(rtol=1e-3, atol=1e-9))
    verdict = checker.compare(spec, x / 3, parsed(sp.Float(0.33333) * x), CTX)
    assert verdict.status in (Status.CORRECT, Status.UNDECIDED)
    strict = ExpressionAnswer(kind="expression", expected="unused")
    assert checker.compare(strict, x / 3, parsed(sp.Float(0.33333) * x), CTX).status is Status.WRONG


dim_n, dim_m = sp.Symbol("n", integer=True, positive=True), sp.Symbol("m", integer=True, positive=True)
A_nm = sp.MatrixSymbol("A", dim_n, dim_m)
B_mn = sp.MatrixSymbol("B", dim_m, dim_n)
H_nn = sp.MatrixSymbol("H", dim_n, dim_n)
g_n = sp.MatrixSymbol("g", dim_n, 1)

SYMBOLIC_SHAPES = [
    ("transpose of product", (A_nm * B_mn).T, B_mn.T * A_nm.T, True),
    ("square H stays square", g_n.T * H_nn * g_n, (g_n.T * H_nn.T * g_n).T, True),
    ("H g vs H^T g", H_nn * g_n, H_nn.T * g_n, False),
    ("A B vs (B A)^T shapes", A_nm * B_mn, (B_mn.T * A_nm.T).T, True),
]


@pytest.mark.parametrize(("expected", "submitted", "equal"), [c[1:] for c in SYMBOLIC_SHAPES], ids=[c[0] for c in SYMBOLIC_SHAPES])
def test_symbolic_matrix_shapes(expected, submitted, equal: bool) -> None:
    assert compare_expressions(expected, submitted, make_ctx()).equal is equal


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

TERMS = [x, x**2, sp.sin(x), sp.exp(x / 3), 1 / (1 + x**2), sp.Integer(1), d, d * x, sp.sqrt(d)]


@settings(max_examples=60, deadline=None)
@given(
    base=st.lists(st.sampled_from(TERMS), min_size=1, max_size=4),
    perturbation=st.sampled_from(TERMS),
    exponent=st.integers(min_value=-9, max_value=3),
    mantissa=st.sampled_from([1, -1, 3, -7]),
)
def test_a_perturbed_answer_is_never_accepted(base, perturbation, exponent, mantissa) -> None:
    expected = sp.Add(*base)
    submitted = expected + sp.Rational(mantissa) * sp.Integer(10) ** exponent * perturbation
    result = compare_expressions(expected, submitted, CTX)
    assert not result.equal, (expected, submitted, result.message)
