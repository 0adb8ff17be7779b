"""Plain-math answers: every accepted form, compared with directly built sympy values."""

from __future__ import annotations

import pytest
import sympy

from grader.parse import EquationValue, ParseContext, SymbolInfo, TupleValue

from .helpers import E, equivalent, invalid, pi, r, read, value

a, b, d, i, k, n, p, u, x, y = (r(name) for name in "a b d i k n p u x y".split())
big_o = sympy.Function("O")
norm = sympy.Function("norm")

PLAIN = [
    ("reciprocal", "1/p - 1", 1 / p - 1),
    ("sqrt", "sqrt(2/d)", sympy.sqrt(2 / d)),
    ("caret", "x^2", x**2),
    ("double-star", "x**2", x**2),
    ("exp-product", "exp(x-1)*y**2", sympy.exp(x - 1) * y**2),
    ("scientific", "4.18176e8", sympy.Integer(418176000)),
    ("scientific-negative", "2e-3", sympy.Rational(1, 500)),
    ("scientific-capital", "1.5E2", sympy.Integer(150)),
    ("e-alone", "e", E),
    ("e-power", "e^x", sympy.exp(x)),
    ("pi", "pi", pi),
    ("pi-unicode", "π", pi),
    ("two-pi", "2pi", 2 * pi),
    ("percent", "25%", sympy.Rational(1, 4)),
    ("abs-bars", "|x|", sympy.Abs(x)),
    ("abs-bars-product", "|x||y|", sympy.Abs(x) * sympy.Abs(y)),
    ("abs-nested", "||x| - 1|", sympy.Abs(sympy.Abs(x) - 1)),
    ("factorial", "n!", sympy.factorial(n)),
    ("factorial-number", "5!", sympy.Integer(120)),
    ("decimal-exact", "0.1", sympy.Rational(1, 10)),
    ("decimal-leading-dot", ".5", sympy.Rational(1, 2)),
    ("log-natural", "log(x)", sympy.log(x)),
    ("log-base-arg", "log(x, 2)", sympy.log(x, 2)),
    ("log-base-subscript", "log_2(x)", sympy.log(x, 2)),
    ("log-base-digits", "log2(x)", sympy.log(x, 2)),
    ("log10", "log10(x)", sympy.log(x, 10)),
    ("ln", "ln(x)", sympy.log(x)),
    ("sin", "sin(x)", sympy.sin(x)),
    ("cos", "cos(x)", sympy.cos(x)),
    ("tan", "tan(x)", sympy.tan(x)),
    ("sec", "sec(x)", sympy.sec(x)),
    ("csc", "csc(x)", sympy.csc(x)),
    ("cot", "cot(x)", sympy.cot(x)),
    ("asin", "asin(x)", sympy.asin(x)),
    ("arcsin", "arcsin(x)", sympy.asin(x)),
    ("acos", "acos(x)", sympy.acos(x)),
    ("arccos", "arccos(x)", sympy.acos(x)),
    ("atan", "atan(x)", sympy.atan(x)),
    ("arctan", "arctan(x)", sympy.atan(x)),
    ("sinh", "sinh(x)", sympy.sinh(x)),
    ("cosh", "cosh(x)", sympy.cosh(x)),
    ("tanh", "tanh(x)", sympy.tanh(x)),
    ("sech", "sech(x)", sympy.sech(x)),
    ("csch", "csch(x)", sympy.csch(x)),
    ("coth", "coth(x)", sympy.coth(x)),
    ("exp", "exp(x)", sympy.exp(x)),
    ("abs", "abs(x)", sympy.Abs(x)),
    ("sign", "sign(x)", sympy.sign(x)),
    ("floor", "floor(x)", sympy.floor(x)),
    ("ceil", "ceil(x)", sympy.ceiling(x)),
    ("max", "max(x, y, 1)", sympy.Max(x, y, 1)),
    ("min", "min(x, y)", sympy.Min(x, y)),
    ("erf", "erf(x)", sympy.erf(x)),
    ("sigmoid", "sigmoid(x)", 1 / (1 + sympy.exp(-x))),
    ("relu", "relu(x)", sympy.Max(0, x)),
    ("relu-capitalized", "ReLU(x)", sympy.Max(0, x)),
    ("big-o", "O(n^2)", big_o(n**2)),
    ("norm", "norm(u)", norm(u)),
    ("norm-bars", "‖u‖", norm(u)),
    ("sum", "sum(i^2, i, 1, n)", sympy.Sum(sympy.Symbol("i", integer=True) ** 2, (sympy.Symbol("i", integer=True), 1, n))),
    ("product", "product(k, k, 1, n)", sympy.Product(sympy.Symbol("k", integer=True), (sympy.Symbol("k", integer=True), 1, n))),
    ("sum-tuple-limits", "sum(i, (i, 1, 3))", sympy.Sum(sympy.Symbol("i", integer=True), (sympy.Symbol("i", integer=True), 1, 3))),
    ("binomial", "binom(n, 2)", sympy.binomial(n, 2)),
    ("implicit-number", "2x", 2 * x),
    ("implicit-paren", "2(x+1)", 2 * (x + 1)),
    ("implicit-parens", "(x+1)(x-1)", (x + 1) * (x - 1)),
    ("implicit-space", "x y", x * y),
    ("implicit-single-letter-call", "x(y+1)", x * (y + 1)),
    ("implicit-function", "2 sin x", 2 * sympy.sin(x)),
    ("prefix-function-stops-at-plus", "sin x + 1", sympy.sin(x) + 1),
    ("prefix-function-products", "sin x cos x", sympy.sin(x) * sympy.cos(x)),
    ("function-power", "sin^2(x)", sympy.sin(x) ** 2),
    ("left-assoc-division", "1/2x", x / 2),
    ("unary-minus-power", "-x^2", -(x**2)),
    ("negative-exponent", "2^-1", sympy.Rational(1, 2)),
    ("right-assoc-power", "2^3^2", sympy.Integer(512)),
    ("brackets-as-grouping", "2[x+1]", 2 * (x + 1)),
    ("sqrt-unicode", "√2", sympy.sqrt(2)),
    ("sqrt-unicode-paren", "√(x+1)", sympy.sqrt(x + 1)),
    ("sqrt-unicode-name", "√x", sympy.sqrt(x)),
    ("superscript-two", "x²", x**2),
    ("superscript-three", "x³+1", x**3 + 1),
    ("superscript-minus-one", "x⁻¹", 1 / x),
    ("times-sign", "2×3", sympy.Integer(6)),
    ("middle-dot", "2·x", 2 * x),
    ("dot-operator", "x⋅y", x * y),
    ("unicode-minus", "−0.5", sympy.Rational(-1, 2)),
    ("fullwidth-digits", "１２", sympy.Integer(12)),
    ("nbsp", "x\u00a0+\u00a0y", x + y),
    ("en-dash-minus", "x – 1", x - 1),
    ("greek-unicode", "α+β", r("alpha") + r("beta")),
    ("trailing-period", "x + 1.", x + 1),
    ("infinity", "infinity", sympy.oo),
    ("x-times-power-of-ten", "4.18x10^8", sympy.Integer(418000000)),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in PLAIN], ids=[c[0] for c in PLAIN])
def test_plain_forms(text: str, expected: sympy.Basic) -> None:
    got = value(text)
    assert equivalent(got, expected), f"{text!r} read as {got}, expected {expected}"


STRUCTURES = [
    (
        "nested-lists",
        "[[1, 2], [3, 4]]",
        TupleValue(
            (TupleValue((sympy.Integer(1), sympy.Integer(2)), "["), TupleValue((sympy.Integer(3), sympy.Integer(4)), "[")),
            "[",
        ),
    ),
    ("pair", "(a, b)", TupleValue((a, b), "(")),
    ("list", "[a, b]", TupleValue((a, b), "[")),
    ("bare-comma", "1, 2", TupleValue((sympy.Integer(1), sympy.Integer(2)), "")),
    ("one-item-list", "[x,]", TupleValue((x,), "[")),
    ("column-lists", "[[1], [2]]", TupleValue((TupleValue((sympy.Integer(1),), "["), TupleValue((sympy.Integer(2),), "[")), "[")),
    ("equation", "sigma = sqrt(2/d)", EquationValue(r("sigma"), sympy.sqrt(2 / d))),
    (
        "equations",
        "a = 1, b = 2",
        TupleValue((EquationValue(a, sympy.Integer(1)), EquationValue(b, sympy.Integer(2))), ""),
    ),
    ("empty-list", "[]", TupleValue((), "[")),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in STRUCTURES], ids=[c[0] for c in STRUCTURES])
def test_structures(text: str, expected: object) -> None:
    assert value(text) == expected


def test_thousands_separator_is_one_number_with_a_note() -> None:
    parsed = read("96,096")
    assert parsed.value == 96096
    assert any("96,096" in note for note in parsed.notes)
    assert read("1,234,567.5").value == sympy.Rational(2469135, 2)
    assert value("96,09") == TupleValue((sympy.Integer(96), sympy.Integer(9)), "")


def test_scientific_notation_note() -> None:
    parsed = read("2e-3")
    assert "`2e-3` read as 0.002" in parsed.notes


def test_decimals_with_many_digits_become_floats() -> None:
    got = value("0.12345678901234567890")
    assert isinstance(got, sympy.Float)
    assert abs(got - sympy.Rational(12345678901234567890, 10**20)) < sympy.Float("1e-19")


def test_multi_letter_run_is_one_symbol_without_declarations() -> None:
    parsed = read("2xy")
    assert parsed.value == 2 * r("xy")
    assert any("xy" in note for note in parsed.notes)


def test_multi_letter_run_splits_into_declared_symbols() -> None:
    context = ParseContext(symbols={"x": SymbolInfo("x"), "y": SymbolInfo("y")})
    parsed = read("2xy", context)
    assert parsed.value == 2 * sympy.Symbol("x", real=True) * sympy.Symbol("y", real=True)
    assert "`xy` read as x*y" in parsed.notes


def test_unknown_function() -> None:
    failure = invalid("foo(x)")
    assert failure.code == "unknown_function"
    assert "`foo` is not a known function" in failure.reason


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("2 +", "syntax"),
        ("(x + 1", "syntax"),
        ("x + 1)", "syntax"),
        ("2 3", "syntax"),
        ("x < 3", "inequality"),
        ("x ≤ 3", "inequality"),
        ("1/0", "undefined"),
        ("a = b = c", "syntax"),
        ("max x", "syntax"),
        ("sin(x, y)", "arity"),
        ("the answer is 5", "prose"),
        ("x @ y", "syntax"),
    ],
    ids=["empty", "blank", "dangling-plus", "unclosed", "unmatched", "two-numbers", "less-than",
         "unicode-le", "division-by-zero", "chained-equation", "max-without-parens", "arity",
         "prose", "stray-character"],
)
def test_unreadable(text: str, code: str) -> None:
    assert invalid(text).code == code


def test_equation_can_be_refused() -> None:
    failure = invalid("x = 1", ParseContext(allow_equation=False))
    assert failure.code == "equation"


def test_error_positions_point_into_the_original_text() -> None:
    failure = invalid("x + 1)")
    assert failure.position == 5
    assert failure.pointer().endswith("^")
    # a Unicode replacement before the error must not shift the position
    assert invalid("x² + 1)").position == 6
