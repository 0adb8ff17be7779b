"""How students write answers (issue 10, issue 9 item 8 and the prime): one table per class.

Every table holds right and wrong answers and goes through ``check_part`` (the real read
and compare of the part's kind). docs/notation.md cites these tables line by line.
"""

from __future__ import annotations

import pytest

from grader.check.engine import check_part
from grader.check.verdict import Status
from grader.key import KeyPart
from grader.rubric.models import Part

from .helpers import make_ctx, needs_parser

pytestmark = needs_parser

CORRECT, WRONG, INVALID, PARTIAL = Status.CORRECT, Status.WRONG, Status.INVALID, Status.PARTIAL


def _check(answer: dict, raw: object, ctx):
    part = Part.model_validate({"id": "q1.a", "points": 1, "prompt": "p", "answer": answer})
    key = KeyPart(kind=answer["kind"], expected=answer.get("expected"), mistakes={})
    return check_part(part, key, raw, ctx)


def _run(answer: dict, raw: str, ctx, status: Status, fragment: str | None = None) -> None:
    verdict = _check(answer, raw, ctx)
    assert verdict.status is status, (raw, verdict.feedback, verdict.shown)
    if status is not CORRECT:
        assert verdict.score < 1
    if fragment is not None:
        text = " ".join([verdict.feedback, verdict.shown, *verdict.evidence.get("read_notes", [])])
        assert fragment in text, (fragment, text)


NONE = make_ctx({})
X = make_ctx({"x": "real"})
XY = make_ctx({"x": "real", "y": "real"})
D = make_ctx({"d": "positive"})
P = make_ctx({"p": "positive"})
SIGMA = make_ctx({"x": "real"}, {"sigma": "1/(1+exp(-x))", "f": "x^2"})
LAMBDA = make_ctx({"p": "positive", "lambda": "real"})
N = make_ctx({"n": "positive_integer"})

# ---------------------------------------------------------------- 1. labels and chains

LABEL_CASES = [
    # (case, answer spec, answer, ctx, status, fragment)
    ("greek label on a list", {"kind": "array", "expected": [3, 1, 4]}, "μ = [3, 1, 4]", NONE, CORRECT, "read `μ =` as a label"),
    ("greek label, wrong list", {"kind": "array", "expected": [3, 1, 4]}, "μ = [3, 1, 5]", NONE, WRONG, None),
    ("matrix label", {"kind": "array", "expected": [[1, 2], [3, 4]]}, "J = [[1, 2], [3, 4]]", NONE, CORRECT, None),
    ("function label J(x,y)", {"kind": "array", "expected": [[1, 2], [3, 4]]}, r"J(x,y) = \begin{bmatrix}1 & 2\\ 3 & 4\end{bmatrix}", NONE, CORRECT, None),
    ("derivative label f'(x)", {"kind": "expression", "expected": "2x"}, "f'(x) = 2x", X, CORRECT, "as a label"),
    ("derivative label, wrong value", {"kind": "expression", "expected": "2x"}, "f'(x) = x^2", X, WRONG, None),
    ("chain with a wrong side", {"kind": "expression", "expected": "2x"}, "f'(x) = 2x = x^2", X, WRONG, "every side"),
    ("chain, all sides right", {"kind": "expression", "expected": "2x"}, "f'(x) = 2x = x + x", X, CORRECT, "every side"),
    ("chain without a label", {"kind": "expression", "expected": "2x"}, "x + x = 2x", X, CORRECT, None),
    ("equation between values, wrong side", {"kind": "expression", "expected": "2x"}, "x^2 = 2x", X, WRONG, None),
    ("partial derivative label", {"kind": "expression", "expected": "2x"}, r"\frac{\partial L}{\partial z} = 2x", X, CORRECT, None),
    ("operator label Var", {"kind": "number", "expected": 0.5}, r"\mathrm{Var}(W_{ij}) = 0.5", NONE, CORRECT, None),
    ("operator label Var, wrong", {"kind": "number", "expected": 0.5}, r"\mathrm{Var}(W_{ij}) = 0.25", NONE, WRONG, None),
    ("approx label", {"kind": "number", "expected": 0.5}, "w_2 ≈ 0.5", NONE, CORRECT, None),
    ("latex approx label", {"kind": "number", "expected": 0.5}, r"w_2 \approx 0.5", NONE, CORRECT, None),
    ("subscripted label", {"kind": "number", "expected": 28}, "H_{out} = 28", NONE, CORRECT, None),
    ("labels on tuple items", {"kind": "tuple", "expected": "(1, 2)"}, r"\lambda_1 = 1,\ \lambda_2 = 2", NONE, CORRECT, "as labels"),
    ("labels on tuple items, swapped", {"kind": "tuple", "expected": "(1, 2)"}, r"\lambda_1 = 2,\ \lambda_2 = 1", NONE, WRONG, None),
    ("declared names as item labels", {"kind": "tuple", "expected": "(1, 2)"}, "x = 1, y = 2", XY, CORRECT, None),
    ("declared names as item labels, wrong", {"kind": "tuple", "expected": "(1, 2)"}, "x = 2, y = 1", XY, WRONG, None),
    ("item label is an unknown", {"kind": "tuple", "expected": "(x, 2)"}, "x = x, y = 2", XY, INVALID, None),
    ("item label in the expected value", {"kind": "tuple", "expected": "(2x, 2)"}, "x = 2x, y = 2", XY, INVALID, None),
    ("labels on set items", {"kind": "set", "expected": "{1, 2}"}, r"\lambda_1 = 2, \lambda_2 = 1", NONE, CORRECT, None),
    ("unknown is no label", {"kind": "expression", "expected": "2x"}, "x = 2x", X, INVALID, "equation in x"),
    ("unknown on both sides", {"kind": "expression", "expected": "x + 1"}, "x = x + 1", X, INVALID, None),
    ("declared name not in the answer", {"kind": "expression", "expected": "p/(1-p)"}, "lambda = p/(1-p)", LAMBDA, CORRECT, None),
    ("declared name, wrong value", {"kind": "expression", "expected": "p/(1-p)"}, "lambda = (1-p)/p", LAMBDA, WRONG, None),
    ("value function is no label", {"kind": "expression", "expected": "sin(x)"}, "sin(x) = sin(x) + 1", X, WRONG, None),
    ("expectation label", {"kind": "number", "expected": 0.5}, "E[X] = 0.5", NONE, CORRECT, None),
    ("conditional probability label", {"kind": "number", "expected": 0.5}, "p(y|x) = 0.5", NONE, CORRECT, None),
    ("slash derivative label", {"kind": "expression", "expected": "2x"}, "dL/dz = 2x", X, CORRECT, None),
    ("gradient label", {"kind": "expression", "expected": "2x"}, r"\nabla_w L = 2x", X, CORRECT, None),
    ("product of declared names is no label", {"kind": "expression", "expected": "x*y + x"}, "x(y+1) = x y + x", XY, CORRECT, "every side"),
    ("product of declared names, one side wrong", {"kind": "expression", "expected": "x*y"}, "x(y+1) = x y", XY, WRONG, None),
    ("leading approx sign", {"kind": "number", "expected": 0.81}, "≈ 0.81", NONE, CORRECT, None),
    ("leading equals sign", {"kind": "expression", "expected": "2x"}, "= 2x", X, CORRECT, None),
    ("leading equals sign, wrong", {"kind": "expression", "expected": "2x"}, "= 3x", X, WRONG, None),
    ("empty side", {"kind": "number", "expected": 1}, "a = = 1", NONE, INVALID, "nothing on one side"),
    ("double equals is no chain", {"kind": "number", "expected": 1}, "a == 1", NONE, INVALID, None),
]


@pytest.mark.parametrize(("answer", "raw", "ctx", "status", "fragment"), [c[1:] for c in LABEL_CASES], ids=[c[0] for c in LABEL_CASES])
def test_labels_and_chains(answer: dict, raw: str, ctx, status: Status, fragment: str | None) -> None:
    _run(answer, raw, ctx, status, fragment)


def test_a_label_never_turns_a_wrong_answer_right() -> None:
    # the same wrong value, with and without each kind of label: never more credit
    for label in ("", "y = ", "f(x) = ", "f'(x) = ", r"\frac{dy}{dx} = ", r"\mathrm{Var}(x) = ", "y ≈ "):
        verdict = _check({"kind": "expression", "expected": "2x"}, label + "3x", X)
        assert verdict.status is WRONG and verdict.score == 0, (label, verdict)


# ---------------------------------------------------------------- 2. units and words

UNIT_CASES = [
    ("parameters", {"kind": "number", "expected": 395264}, "395264 parameters", NONE, CORRECT, "dropped the unit `parameters`"),
    ("pixels", {"kind": "number", "expected": 28}, "28 pixels", NONE, CORRECT, None),
    ("multiplications, e-notation", {"kind": "number", "expected": 4.18e8}, "4.18e8 multiplications", NONE, CORRECT, None),
    ("milliseconds", {"kind": "number", "expected": 3.2}, "3.2 ms", NONE, CORRECT, "3.2 (ms)"),
    ("latex text unit", {"kind": "number", "expected": 28}, r"28\ \text{pixels}", NONE, CORRECT, None),
    ("wrong number with a unit", {"kind": "number", "expected": 28}, "27 pixels", NONE, WRONG, None),
    ("label and unit", {"kind": "number", "expected": 28}, "H_{out} = 28 pixels", NONE, CORRECT, None),
    ("magnitude word refused", {"kind": "number", "expected": 4.18e8}, "418 million", NONE, INVALID, "changes its value"),
    ("magnitude letter refused", {"kind": "number", "expected": 28000}, "28 K", NONE, INVALID, None),
    ("a letter is no unit", {"kind": "number", "expected": 2}, "2 x", NONE, INVALID, None),
    ("pi is no unit", {"kind": "number", "expected": 6.283185307}, "2 pi", NONE, CORRECT, None),
    ("a function is no unit", {"kind": "number", "expected": 5}, "5 sin theta", NONE, INVALID, None),
    ("unit after an array", {"kind": "array", "expected": [28, 28]}, "[28, 28] pixels", NONE, CORRECT, None),
    ("expression keeps its letters", {"kind": "expression", "expected": "d^2 + 2d"}, "d^2 + 2d", D, CORRECT, None),
    ("expression: no unit dropped", {"kind": "expression", "expected": "d^2"}, "d^2 d", D, WRONG, None),
]


@pytest.mark.parametrize(("answer", "raw", "ctx", "status", "fragment"), [c[1:] for c in UNIT_CASES], ids=[c[0] for c in UNIT_CASES])
def test_units_and_words(answer: dict, raw: str, ctx, status: Status, fragment: str | None) -> None:
    _run(answer, raw, ctx, status, fragment)


# ---------------------------------------------------------------- 3. unicode

UNICODE_CASES = [
    ("superscript letters", {"kind": "expression", "expected": "y*exp(x*y)"}, "y eˣʸ", XY, CORRECT, None),
    ("superscript letters, wrong", {"kind": "expression", "expected": "y*exp(x*y)"}, "x eˣʸ", XY, WRONG, None),
    ("superscript n", {"kind": "expression", "expected": "x^n"}, "xⁿ", make_ctx({"x": "positive", "n": "positive_integer"}), CORRECT, None),
    ("subscript letters", {"kind": "expression", "expected": "2/n_in"}, "2/nᵢₙ", make_ctx({"n_in": "positive"}), CORRECT, None),
    ("superscript T", {"kind": "expression", "expected": "W^T W"}, "Wᵀ W", make_ctx({"W": "matrix(2,2)"}), CORRECT, None),
    ("top symbol", {"kind": "expression", "expected": "W^T W"}, "W^⊤ W", make_ctx({"W": "matrix(2,2)"}), CORRECT, None),
    ("top symbol, wrong order", {"kind": "expression", "expected": "W^T W"}, "W W^⊤", make_ctx({"W": "matrix(2,2)"}), WRONG, None),
    ("plus-minus in a set", {"kind": "set", "expected": "{1, -1}"}, "±1", NONE, CORRECT, "two values"),
    ("plus-minus, wrong", {"kind": "set", "expected": "{2, -2}"}, "±1", NONE, WRONG, None),
    ("plus-minus in a tuple", {"kind": "tuple", "expected": "(1 + sqrt(2), 1 - sqrt(2))"}, "1 ± √2", NONE, CORRECT, None),
    ("minus-plus in a tuple", {"kind": "tuple", "expected": "(1 - sqrt(2), 1 + sqrt(2))"}, r"1 \mp \sqrt{2}", NONE, CORRECT, None),
    ("plus-minus in an expression part", {"kind": "expression", "expected": "1"}, "±1", NONE, INVALID, "two values"),
    ("approx sign as label", {"kind": "number", "expected": 0.8}, "w ≈ 0.8", NONE, CORRECT, None),
    ("math italic letters", {"kind": "expression", "expected": "x + alpha"}, "𝑥 + 𝛼", make_ctx({"x": "real", "alpha": "real"}), CORRECT, None),
    ("n-ary sum", {"kind": "expression", "expected": "n*(n+1)/2"}, "∑_{i=1}^{n} i", N, CORRECT, None),
    ("n-ary product", {"kind": "expression", "expected": "factorial(n)"}, "∏_{i=1}^{n} i", N, CORRECT, None),
    ("ellipsis refused", {"kind": "expression", "expected": "n*(n+1)/2"}, "1 + 2 + … + n", N, INVALID, "ellipsis"),
    ("latex dots refused", {"kind": "expression", "expected": "n*(n+1)/2"}, r"1 + 2 + \cdots + n", N, INVALID, "ellipsis"),
]


@pytest.mark.parametrize(("answer", "raw", "ctx", "status", "fragment"), [c[1:] for c in UNICODE_CASES], ids=[c[0] for c in UNICODE_CASES])
def test_unicode(answer: dict, raw: str, ctx, status: Status, fragment: str | None) -> None:
    _run(answer, raw, ctx, status, fragment)


# ---------------------------------------------------------------- 4. spacing and thousands

SPACING_CASES = [
    ("space groups", {"kind": "number", "expected": 395264}, "395 264", NONE, CORRECT, "thousands"),
    ("thin space groups", {"kind": "number", "expected": 395264}, r"395\,264", NONE, CORRECT, None),
    ("braced comma groups", {"kind": "number", "expected": 96096}, r"96{,}096", NONE, CORRECT, None),
    ("three groups", {"kind": "number", "expected": 1234567}, "1 234 567", NONE, CORRECT, None),
    ("groups and a unit", {"kind": "number", "expected": 395264}, "395 264 parameters", NONE, CORRECT, None),
    ("groups, wrong value", {"kind": "number", "expected": 96096, "tolerance": {"rtol": 0}}, "96 000", NONE, WRONG, None),
    ("decimal comma is no group", {"kind": "number", "expected": 500}, r"0{,}500", NONE, INVALID, None),
    ("group of two digits refused", {"kind": "number", "expected": 39526}, "395 26", NONE, INVALID, None),
    ("group of four digits refused", {"kind": "number", "expected": 3952640}, "395 2640", NONE, INVALID, None),
    ("latex spacing commands", {"kind": "expression", "expected": "2x + 1"}, r"2\,x \; + \: 1\!\quad", X, CORRECT, None),
    ("tilde and qquad", {"kind": "expression", "expected": "2x"}, r"2~\qquad x", X, CORRECT, None),
    ("no groups in an expression part", {"kind": "expression", "expected": "395264"}, "395 264", NONE, INVALID, None),
]


@pytest.mark.parametrize(("answer", "raw", "ctx", "status", "fragment"), [c[1:] for c in SPACING_CASES], ids=[c[0] for c in SPACING_CASES])
def test_spacing_and_thousands(answer: dict, raw: str, ctx, status: Status, fragment: str | None) -> None:
    _run(answer, raw, ctx, status, fragment)


# ---------------------------------------------------------------- 5. vectors and matrices

FLAT = {"kind": "array", "expected": [3.5, 5, 3], "accept_flat": True}
VECTOR_CASES = [
    ("transposed tuple", FLAT, r"(3.5, 5, 3)^\top", NONE, CORRECT, None),
    ("transposed list", FLAT, "[3.5, 5, 3]^T", NONE, CORRECT, None),
    ("transposed list, wrong", FLAT, "[3.5, 5, 4]^T", NONE, WRONG, None),
    ("matlab column", FLAT, "[3.5; 5; 3]", NONE, CORRECT, "MATLAB"),
    ("matlab matrix", {"kind": "array", "expected": [[1, 2], [3, 4]]}, "[1 2; 3 4]", NONE, CORRECT, None),
    ("matlab matrix, wrong", {"kind": "array", "expected": [[1, 2], [3, 4]]}, "[1 2; 4 3]", NONE, WRONG, None),
    ("matlab row of numbers", {"kind": "array", "expected": [1, 2, 3]}, "[1 2 3]", NONE, CORRECT, None),
    ("matlab transposed", {"kind": "array", "expected": [[1, 3], [2, 4]]}, "[1 2; 3 4]'", NONE, CORRECT, None),
    ("diag", {"kind": "array", "expected": [[3, 0], [0, 1]]}, r"\mathrm{diag}(3, 1)", NONE, CORRECT, None),
    ("diag of a list", {"kind": "array", "expected": [[3, 0], [0, 1]]}, "diag([3, 1])", NONE, CORRECT, None),
    ("diag, wrong", {"kind": "array", "expected": [[3, 0], [0, 1]]}, r"\operatorname{diag}(1, 3)", NONE, WRONG, None),
    ("pmatrix transposed", FLAT, r"\begin{pmatrix} 3.5 & 5 & 3 \end{pmatrix}^\top", NONE, CORRECT, None),
    ("column where flat is expected, not allowed", {"kind": "array", "expected": [3.5, 5, 3]}, "[3.5, 5, 3]^T", NONE, WRONG, "wrong shape"),
    ("labelled column", FLAT, r"\mu = (3.5, 5, 3)^T", NONE, CORRECT, None),
]


@pytest.mark.parametrize(("answer", "raw", "ctx", "status", "fragment"), [c[1:] for c in VECTOR_CASES], ids=[c[0] for c in VECTOR_CASES])
def test_vectors_and_matrices(answer: dict, raw: str, ctx, status: Status, fragment: str | None) -> None:
    _run(answer, raw, ctx, status, fragment)


def test_space_separated_cells_are_split_only_when_they_are_plain_numbers() -> None:
    verdict = _check({"kind": "expression", "expected": "x - y"}, "[x -y]", XY)
    assert verdict.status is CORRECT, verdict


def test_semicolons_stay_forbidden_outside_brackets() -> None:
    verdict = _check({"kind": "expression", "expected": "x"}, "x; y", X)
    assert verdict.status is INVALID and verdict.evidence["code"] == "forbidden"


# ---------------------------------------------------------------- 6. derivatives and names

X2 = make_ctx({"x2": "real", "y": "real"})
X_2 = make_ctx({"x_2": "real", "y": "real"})
DERIVATIVE_CASES = [
    ("sigma prime", {"kind": "expression", "expected": "sigma(x)(1 - sigma(x))"}, r"\sigma'(x)", SIGMA, CORRECT, "derivative"),
    ("sigma prime, unicode", {"kind": "expression", "expected": "sigma(x)(1 - sigma(x))"}, "σ'(x)", SIGMA, CORRECT, None),
    ("f prime of a defined f", {"kind": "expression", "expected": "2x"}, "f'(x)", SIGMA, CORRECT, None),
    ("f prime, wrong", {"kind": "expression", "expected": "x^2"}, "f'(x)", SIGMA, WRONG, None),
    ("f double prime", {"kind": "expression", "expected": "2"}, "f''(x)", SIGMA, CORRECT, None),
    ("f prime at 2x", {"kind": "expression", "expected": "4x"}, "f'(2x)", SIGMA, CORRECT, None),
    ("d/dx of a declared function", {"kind": "expression", "expected": "sigma(x)(1 - sigma(x))"}, r"\frac{d}{dx}\sigma(x)", SIGMA, CORRECT, None),
    ("d/dx of an expression", {"kind": "expression", "expected": "2x"}, r"\frac{d}{dx} x^2", X, CORRECT, "derivative"),
    ("d/dx stops at a sum", {"kind": "expression", "expected": "2x + 1"}, r"\frac{d}{dx} x^2 + 1", X, CORRECT, None),
    ("d/dx with a declared d is a fraction", {"kind": "expression", "expected": "x"}, r"\frac{d}{dx} x^2", make_ctx({"x": "real", "d": "positive"}), CORRECT, None),
    ("d/dx, wrong", {"kind": "expression", "expected": "x^2"}, r"\frac{d}{dx} x^2", X, WRONG, None),
    ("x_2 for a declared x2", {"kind": "expression", "expected": "x2 + y"}, "x_2 + y", X2, CORRECT, "read as x2"),
    ("x2 for a declared x_2", {"kind": "expression", "expected": "x_2 + y"}, "x2 + y", X_2, CORRECT, None),
    ("x_2 for x2, wrong", {"kind": "expression", "expected": "x2 + y"}, "x_2 - y", X2, WRONG, None),
]


@pytest.mark.parametrize(("answer", "raw", "ctx", "status", "fragment"), [c[1:] for c in DERIVATIVE_CASES], ids=[c[0] for c in DERIVATIVE_CASES])
def test_derivatives_and_names(answer: dict, raw: str, ctx, status: Status, fragment: str | None) -> None:
    _run(answer, raw, ctx, status, fragment)


# ---------------------------------------------------------------- 8. choice

OPTIONS = [{"id": "a", "text": "Adam"}, {"id": "b", "text": "SGD with momentum"}]
CHOICE_CASES = [
    ("id and parenthesis", "a)", CORRECT),
    ("id in parentheses", "(a)", CORRECT),
    ("capital id and period", "A.", CORRECT),
    ("option text", "adam", CORRECT),
    ("id and its text", "(a) Adam", CORRECT),
    ("id and its text, other option", "b) SGD with momentum", WRONG),
    ("id of one option, text of another", "(a) SGD with momentum", INVALID),
    ("unknown option", "(c)", INVALID),
]


@pytest.mark.parametrize(("raw", "status"), [c[1:] for c in CHOICE_CASES], ids=[c[0] for c in CHOICE_CASES])
def test_choice_notations(raw: str, status: Status) -> None:
    _run({"kind": "choice", "expected": "a", "options": OPTIONS}, raw, NONE, status)


# ---------------------------------------------------------------- issue 9: function names and primes

FUNCTION_CASES = [
    ("sec", "1/cos(x)", r"\sec x", CORRECT),
    ("softplus", "log(1 + exp(x))", "softplus(x)", CORRECT),
    ("softplus operator", "log(1 + exp(x))", r"\operatorname{softplus}(x)", CORRECT),
    ("softplus is not relu", "relu(x)", "softplus(x)", WRONG),
    ("SiLU", "x*sigmoid(x)", "SiLU(x)", CORRECT),
    ("swish", "x/(1 + exp(-x))", "swish(x)", CORRECT),
    ("GELU", "x*(1 + erf(x/sqrt(2)))/2", r"\operatorname{GELU}(x)", CORRECT),
    ("softsign", "x/(1 + abs(x))", "softsign(x)", CORRECT),
    ("softsign is not tanh", "tanh(x)", "softsign(x)", WRONG),
    ("cosec", "1/sin(x)", "cosec(x)", CORRECT),
    ("latex cosec", "1/sin(x)", r"\cosec(x)", CORRECT),
    ("csc", "1/sin(x)", r"\csc x", CORRECT),
    ("cot", "cos(x)/sin(x)", r"\cot x", CORRECT),
    ("sech", "1/cosh(x)", r"\operatorname{sech}(x)", CORRECT),
    ("latex sech", "1/cosh(x)", r"\sech x", CORRECT),
    ("csch", "1/sinh(x)", "csch(x)", CORRECT),
    ("cosech", "1/sinh(x)", "cosech(x)", CORRECT),
    ("coth", "cosh(x)/sinh(x)", r"\coth x", CORRECT),
    ("arcsin", "asin(x/2)", r"\arcsin(x/2)", CORRECT),
    ("arctan", "atan(x)", "arctan x", CORRECT),
    ("arcsec", "acos(1/x)", r"\operatorname{arcsec}(x)", CORRECT),
    ("sec inverse", "acos(1/x)", "sec^{-1}(x)", CORRECT),
    ("arsinh", "asinh(x)", r"\operatorname{arsinh} x", CORRECT),
    ("sec is not cos", "cos(x)", r"\sec x", WRONG),
    ("cosec is not sin", "sin(x)", "cosec x", WRONG),
]


@pytest.mark.parametrize(("expected", "raw", "status"), [c[1:] for c in FUNCTION_CASES], ids=[c[0] for c in FUNCTION_CASES])
def test_function_names(expected: str, raw: str, status: Status) -> None:
    ctx = make_ctx({"x": "positive"}) if "sec" in raw and "arc" in raw or "sec^" in raw else X
    _run({"kind": "expression", "expected": expected}, raw, ctx, status)


PRIME_CASES = [
    ("prime on a greek name", "beta", r"\beta'", INVALID),
    ("prime on a plain name", "beta", "beta'", INVALID),
    ("prime on a group", "beta + 1", "(beta + 1)'", INVALID),
    ("subscript instead of a prime", "beta_2", r"\beta_2", CORRECT),
]


@pytest.mark.parametrize(("expected", "raw", "status"), [c[1:] for c in PRIME_CASES], ids=[c[0] for c in PRIME_CASES])
def test_a_prime_is_never_dropped(expected: str, raw: str, status: Status) -> None:
    ctx = make_ctx({"beta": "real", "beta_2": "real"})
    _run({"kind": "expression", "expected": expected}, raw, ctx, status, "prime" if status is INVALID else None)


# ---------------------------------------------------------------- 9. feedback reads as written

FEEDBACK_CASES = [
    ("decimal stays decimal", {"kind": "number", "expected": 0.8068}, "0.8068", "0.8068"),
    ("decimals in an array", {"kind": "array", "expected": [0.5, 0.25]}, "[0.5, 0.25]", "[0.5, 0.25]"),
    ("column printed as a column", FLAT, "[3.5; 5; 3]", "[3.5, 5, 3]^T"),
    ("label shown as read", {"kind": "number", "expected": 28}, r"\mathbf{H}_{out} = 28", "H_{out} = 28"),
]


@pytest.mark.parametrize(("answer", "raw", "shown"), [c[1:] for c in FEEDBACK_CASES], ids=[c[0] for c in FEEDBACK_CASES])
def test_read_as_shows_what_was_written(answer: dict, raw: str, shown: str) -> None:
    verdict = _check(answer, raw, NONE)
    assert verdict.status is CORRECT and verdict.shown == shown, verdict


# ---------------------------------------------------------------- hostile forms of the new readings

HOSTILE_CASES = [
    ("long chain", {"kind": "number", "expected": 1}, "a = " * 900 + "1", INVALID),
    ("long chain of values", {"kind": "expression", "expected": "x"}, "x = " * 900 + "x", INVALID),
    ("long matlab row", {"kind": "array", "expected": [1, 2]}, "[" + "1 " * 1500 + "]", WRONG),
    ("many matlab rows", {"kind": "array", "expected": [1, 2]}, "[" + "1; " * 1000 + "1]", WRONG),
    ("many plus-minus signs", {"kind": "set", "expected": "{1, -1}"}, "±" * 1000 + "1", INVALID),
    ("huge diag", {"kind": "array", "expected": [[1]]}, "diag(" + "1, " * 200 + "1)", INVALID),
    ("unit after garbage", {"kind": "number", "expected": 1}, "(" * 50 + " parameters", INVALID),
    ("thousands with a huge number", {"kind": "number", "expected": 1}, "1" + " 000" * 30, INVALID),
    ("label of prose", {"kind": "number", "expected": 1}, "the answer is = 1", CORRECT),
    ("code in a label", {"kind": "number", "expected": 1}, "__import__('os') = 1", INVALID),
    ("code in a unit", {"kind": "number", "expected": 1}, "1 __import__", INVALID),
]


@pytest.mark.parametrize(("answer", "raw", "status"), [c[1:] for c in HOSTILE_CASES], ids=[c[0] for c in HOSTILE_CASES])
def test_hostile_forms_of_the_new_readings(answer: dict, raw: str, status: Status) -> None:
    verdict = _check(answer, raw, NONE)
    assert verdict.status is status, (verdict.feedback[:200], verdict.shown[:100])
