"""Naming conventions and declared contexts: symbols, aliases, assumptions, functions."""

from __future__ import annotations

import pytest
import sympy

from grader.parse import ParseContext, SymbolInfo, parse_number

from .helpers import E, invalid, r, read, value

SAME = [
    ("epsilon-word-varepsilon", "epsilon", "varepsilon"),
    ("epsilon-unicode", "epsilon", "ε"),
    ("epsilon-lunate", "epsilon", "ϵ"),
    ("epsilon-latex", "epsilon", r"\varepsilon"),
    ("phi-varphi", "phi", "varphi"),
    ("phi-unicode", "phi", "φ"),
    ("phi-symbol", "phi", "ϕ"),
    ("phi-latex", "phi", r"\varphi"),
    ("theta-latex", "theta", r"\theta"),
    ("lambda-word", "lambda", r"\lambda"),
    ("subscript-braces", "v_t", "v_{t}"),
    ("subscript-spaces", "d_{t-1}", "d_{t - 1}"),
    ("subscript-text", "x_{max}", r"x_{\text{max}}"),
    ("subscript-mathrm", "x_{max}", r"x_{\mathrm{max}}"),
    ("subscript-plain-run", "x_{max}", "x_max"),
    ("subscript-greek", "x_{alpha}", r"x_{\alpha}"),
    ("subscript-greek-unicode", "x_{alpha}", "x_α"),
    ("subscript-unicode-digit", "x_1", "x₁"),
    ("hat-forms", "hat(m)_t", r"\hat{m}_t"),
    ("hat-inner", "hat(m)_t", r"\hat{m_t}"),
    ("widehat", "hat(m)", r"\widehat{m}"),
    ("overline", "bar(x)", r"\overline{x}"),
    ("mathbf-styling", "w", r"\mathbf{w}"),
    ("boldsymbol-styling", "theta", r"\boldsymbol\theta"),
    ("sigma-unicode", "sigma", "σ"),
    ("Sigma-unicode", "Sigma", "Σ"),
]


@pytest.mark.parametrize(("name", "text"), [s[1:] for s in SAME], ids=[s[0] for s in SAME])
def test_spellings_of_one_symbol(name: str, text: str) -> None:
    assert value(text) == r(name)


DISTINCT = [
    ("T-vs-t", "T", "t"),
    ("Sigma-vs-sigma", "Σ", "σ"),
    ("Sigma-vs-sigma-latex", r"\Sigma", r"\sigma"),
    ("max-vs-min", "x_{max}", "x_{min}"),
    ("hat-vs-plain", r"\hat{m}", "m"),
    ("bar-vs-plain", r"\bar{x}", "x"),
    ("subscript-vs-plain", "v_t", "v"),
    ("Phi-vs-phi", r"\Phi", r"\phi"),
]


@pytest.mark.parametrize(("first", "second"), [s[1:] for s in DISTINCT], ids=[s[0] for s in DISTINCT])
def test_distinct_symbols(first: str, second: str) -> None:
    assert value(first) != value(second)


def test_e_is_euler_but_not_inside_scientific_notation() -> None:
    assert value("e") == E
    assert value("4.18e8") == 418000000
    assert value("2e") == 2 * E
    assert value("e_1") == r("e_1")


def test_percent_and_log_conventions() -> None:
    assert value(r"25\%") == sympy.Rational(1, 4)
    assert value("log(e)") == 1
    assert value(r"\log(e)") == 1
    assert value("ln(e^2)") == 2


def test_lambda_is_a_symbol() -> None:
    assert value("lambda*x") == r("lambda") * r("x")
    assert value("2lambda") == 2 * r("lambda")


CONTEXT = ParseContext(
    symbols={
        "x": SymbolInfo("x"),
        "y": SymbolInfo("y"),
        "n": SymbolInfo("n", integer=True, positive=True),
        "d": SymbolInfo("d", positive=True, aliases=("d^{(t-1)}", "d^{t-1}")),
        "eta": SymbolInfo("eta", positive=True),
        "T": SymbolInfo("T", integer=True, positive=True),
        "gamma": SymbolInfo("gamma"),
        "x_{max}": SymbolInfo("x_{max}"),
        "hat(m)_t": SymbolInfo("hat(m)_t"),
        "x_1": SymbolInfo("x_1"),
    },
    functions=frozenset({"f", "sigma"}),
)


def test_declared_symbols_carry_assumptions() -> None:
    got = value("eta*n", CONTEXT)
    eta, n = sympy.Symbol("eta", positive=True), sympy.Symbol("n", integer=True, positive=True)
    assert got == eta * n
    assert got.is_positive


def test_aliases_are_matched_literally() -> None:
    d = sympy.Symbol("d", positive=True)
    assert value(r"\sqrt{\frac{2}{d^{(t-1)}}}", CONTEXT) == sympy.sqrt(2 / d)
    assert value("2/d^{t-1}", CONTEXT) == 2 / d


def test_unknown_symbol_names_it_and_lists_allowed() -> None:
    failure = invalid("x + q", CONTEXT)
    assert failure.code == "unknown_symbol"
    assert "`q`" in failure.reason and "x_{max}" in failure.reason
    assert failure.position == 4
    assert invalid("x_{min}", CONTEXT).code == "unknown_symbol"


def test_declared_names_with_subscripts_and_accents() -> None:
    assert value("x_{max}", CONTEXT) == sympy.Symbol("x_{max}", real=True)
    assert value(r"\hat{m}_t", CONTEXT) == sympy.Symbol("hat(m)_t", real=True)
    assert value("x1", CONTEXT) == sympy.Symbol("x_1", real=True)


def test_runs_split_into_declared_names_with_a_note() -> None:
    parsed = read("xy", CONTEXT)
    assert parsed.value == sympy.Symbol("x", real=True) * sympy.Symbol("y", real=True)
    assert "`xy` read as x*y" in parsed.notes
    assert invalid("xq", CONTEXT).code == "unknown_symbol"


def test_declared_functions_are_undefined_functions() -> None:
    x = sympy.Symbol("x", real=True)
    assert value("f(x)", CONTEXT) == sympy.Function("f")(x)
    assert value(r"\sigma(x)", CONTEXT) == sympy.Function("sigma")(x)
    assert invalid("g(x)", CONTEXT).code == "unknown_function"


def test_declared_T_makes_caret_T_a_power() -> None:
    gamma = sympy.Symbol("gamma", real=True)
    big_t = sympy.Symbol("T", integer=True, positive=True)
    assert value(r"\gamma^T", CONTEXT) == gamma**big_t


def test_transpose_of_undeclared_scalar_reads_as_itself_with_a_note() -> None:
    parsed = read("x^T")
    assert parsed.value == r("x")
    assert parsed.notes


def test_summation_index_need_not_be_declared() -> None:
    n = sympy.Symbol("n", integer=True, positive=True)
    i = sympy.Symbol("i", integer=True)
    assert value(r"\sum_{i=1}^{n} i", CONTEXT) == sympy.Sum(i, (i, 1, n))
    assert value("sum(i(i+1), i, 1, n)", CONTEXT) == sympy.Sum(i * (i + 1), (i, 1, n))
    assert invalid("i + n", CONTEXT).code == "unknown_symbol"


def test_sigmoid_and_relu_expand_unless_declared() -> None:
    x = r("x")
    assert value("sigmoid(x)") == 1 / (1 + sympy.exp(-x))
    declared = ParseContext(functions=frozenset({"sigmoid"}))
    assert value("sigmoid(x)", declared) == sympy.Function("sigmoid")(x)


NUMBERS = [
    ("scientific-latex", r"4.18176 \times 10^{8}", sympy.Integer(418176000)),
    ("thousands", "96,096", sympy.Integer(96096)),
    ("fraction", r"\frac{2}{3}", sympy.Rational(2, 3)),
    ("percent", r"25\%", sympy.Rational(1, 4)),
    ("unicode-minus", "−0.5", sympy.Rational(-1, 2)),
    ("plain-int", "42", sympy.Integer(42)),
    ("plain-decimal", " 0.5859 ", sympy.Rational(5859, 10000)),
    ("plain-scientific", "2e-3", sympy.Rational(1, 500)),
    ("signed", "-12", sympy.Integer(-12)),
    ("sqrt", r"\sqrt{2}", sympy.sqrt(2)),
    ("pi", "2pi", 2 * sympy.pi),
]


@pytest.mark.parametrize(("text", "expected"), [t[1:] for t in NUMBERS], ids=[t[0] for t in NUMBERS])
def test_parse_number(text: str, expected: sympy.Expr) -> None:
    result = parse_number(text)
    assert not hasattr(result, "code"), result
    assert result.value == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [("x + 1", "not_a_number"), ("(1, 2)", "not_a_number"), ("sqrt(-1)", "not_a_number"),
     ("1" * 100, "too_many_digits"), ("1e99999", "exponent_too_large"), ("2 +", "syntax")],
    ids=["symbolic", "tuple", "complex", "digits", "exponent", "syntax"],
)
def test_parse_number_refuses(text: str, code: str) -> None:
    result = parse_number(text)
    assert getattr(result, "code", None) == code, result


GLUED = [
    ("sinx", "sinx", sympy.sin(r("x")), "`sinx` read as sin(x)"),
    ("lnx", "lnx", sympy.log(r("x")), "`lnx` read as ln(x)"),
    ("sinalpha", "sinalpha", sympy.sin(r("alpha")), "`sinalpha` read as sin(alpha)"),
    ("ln2", "ln2", sympy.log(2), "`ln2` read as ln(2)"),
    ("log2-alone", "log2", sympy.log(2), "`log2` read as log(2)"),
]


@pytest.mark.parametrize(("text", "expected", "note"), [g[1:] for g in GLUED], ids=[g[0] for g in GLUED])
def test_function_glued_to_its_argument(text: str, expected: sympy.Expr, note: str) -> None:
    parsed = read(text)
    assert parsed.value == expected
    assert note in parsed.notes


def test_glued_function_with_power_is_ambiguous() -> None:
    assert invalid("sinx^2").code == "ambiguous"
    assert value("log2 n") == sympy.log(r("n"), 2)


def test_subscript_alias_of_a_plain_symbol() -> None:
    context = ParseContext(symbols={"d": SymbolInfo("d", aliases=("d_{t-1}", "d^{(t-1)}", "d^{t-1}"))})
    d = sympy.Symbol("d", real=True)
    for text in ("d_{t-1}", "d^{(t-1)}", "d^{t-1}", "d"):
        assert value(f"2*{text}", context) == 2 * d, text
