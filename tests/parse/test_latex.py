"""LaTeX answers: commands, environments, delimiters, and what is refused."""

from __future__ import annotations

import pytest
import sympy

from grader.parse import ArrayValue, ParseContext, SymbolInfo, TupleValue

from .helpers import E, equivalent, invalid, pi, r, value

a, b, c, d, k, n, u, w, x, y = (r(name) for name in "a b c d k n u w x y".split())
norm = sympy.Function("norm")
i_index = sympy.Symbol("i", integer=True)
k_index = sympy.Symbol("k", integer=True)

LATEX = [
    ("frac", r"\frac{a}{b}", a / b),
    ("dfrac", r"\dfrac{1}{2}", sympy.Rational(1, 2)),
    ("tfrac", r"\tfrac{1}{2}", sympy.Rational(1, 2)),
    ("frac-single-tokens", r"\frac12", sympy.Rational(1, 2)),
    ("frac-mixed", r"\frac{1}2x", x / 2),
    ("sqrt", r"\sqrt{x}", sympy.sqrt(x)),
    ("sqrt-index", r"\sqrt[3]{x}", sympy.cbrt(x)),
    ("sqrt-frac", r"\sqrt{\frac{2}{d}}", sympy.sqrt(2 / d)),
    ("sqrt-subscript", r"\sqrt{\frac{2}{d_{t-1}}}", sympy.sqrt(2 / r("d_{t-1}"))),
    ("cdot", r"a \cdot b", a * b),
    ("times-scientific", r"4.18 \times 10^{8}", sympy.Integer(418000000)),
    ("left-right-parens", r"\left( x + 1 \right)^2", (x + 1) ** 2),
    ("left-right-brackets", r"2\left[ x + 1 \right]", 2 * (x + 1)),
    ("left-right-abs", r"\left| x \right|", sympy.Abs(x)),
    ("lvert", r"\lvert x \rvert", sympy.Abs(x)),
    ("norm-lVert", r"\lVert u \rVert", norm(u)),
    ("norm-double-bar", r"\|u\|", norm(u)),
    ("norm-left-right", r"\left\| u \right\|", norm(u)),
    ("greek", r"\alpha + \beta", r("alpha") + r("beta")),
    ("greek-upper", r"\Sigma", r("Sigma")),
    ("epsilon-variants", r"\epsilon - \varepsilon", sympy.Integer(0)),
    ("phi-variants", r"\phi - \varphi", sympy.Integer(0)),
    ("subscript-single", "v_t", r("v_t")),
    ("subscript-braced", "v_{t}", r("v_t")),
    ("hat-subscript", r"\hat{m}_t", r("hat(m)_t")),
    ("hat-inner-subscript", r"\hat{m_t}", r("hat(m)_t")),
    ("hat-plain", "hat(m)_t", r("hat(m)_t")),
    ("bar", r"\bar{x}", r("bar(x)")),
    ("tilde", r"\tilde{x}", r("tilde(x)")),
    ("mathbf", r"\mathbf{w}", w),
    ("boldsymbol", r"\boldsymbol{\theta}", r("theta")),
    ("mathrm", r"\mathrm{x}", x),
    ("mathrm-function", r"\mathrm{ReLU}(x)", sympy.Max(0, x)),
    ("operatorname", r"\operatorname{sech}(x)", sympy.sech(x)),
    ("e-power", r"e^{x}", sympy.exp(x)),
    ("exp", r"\exp(x)", sympy.exp(x)),
    ("exp-braced", r"\exp{\left(x \right)}", sympy.exp(x)),
    ("ln", r"\ln x", sympy.log(x)),
    ("log-natural", r"\log(x)", sympy.log(x)),
    ("log2", r"\log_2 x", sympy.log(x, 2)),
    ("log10", r"\log_{10}(x)", sympy.log(x, 10)),
    ("sin", r"\sin x", sympy.sin(x)),
    ("sin-squared", r"\sin^2 x", sympy.sin(x) ** 2),
    ("sin-inverse", r"\sin^{-1} x", sympy.asin(x)),
    ("sin-cos", r"\sin x \cos x", sympy.sin(x) * sympy.cos(x)),
    ("sympy-style-call", r"\sin{\left(x \right)}", sympy.sin(x)),
    ("sympy-style-power", r"\log{\left(x \right)}^{2}", sympy.log(x) ** 2),
    ("boxed", r"\boxed{42}", sympy.Integer(42)),
    ("dollars", "$x^2$", x**2),
    ("double-dollars", "$$x + 1$$", x + 1),
    ("paren-delimiters", r"\(x\)", x),
    ("bracket-delimiters", r"\[x\]", x),
    ("thin-spaces", r"x\,y\;z\!", x * y * r("z")),
    ("quad", r"x \quad + 1", x + 1),
    ("tilde-space", "x~+~1", x + 1),
    ("percent", r"25\%", sympy.Rational(1, 4)),
    ("inverse", r"x^{-1}", 1 / x),
    ("sum", r"\sum_{i=1}^{n} i^2", sympy.Sum(i_index**2, (i_index, 1, n))),
    ("sum-body-stops-at-plus", r"\sum_{i=1}^{n} i + 1", sympy.Sum(i_index, (i_index, 1, n)) + 1),
    ("sum-limits-swapped", r"\sum^{n}_{i=1} i", sympy.Sum(i_index, (i_index, 1, n))),
    ("prod", r"\prod_{k=1}^{n} k", sympy.Product(k_index, (k_index, 1, n))),
    ("infty", r"\infty", sympy.oo),
    ("pi", r"2\pi", 2 * pi),
    ("e-constant", r"e", E),
    ("binom", r"\binom{n}{2}", sympy.binomial(n, 2)),
    ("floor", r"\lfloor x \rfloor", sympy.floor(x)),
    ("ceil", r"\left\lceil x \right\rceil", sympy.ceiling(x)),
    ("tex-superscript-one-char", "$x^23$", 3 * x**2),
    ("plain-superscript-digits", "x^23", x**23),
    ("tex-subscript-one-char", "$x_12$", 2 * r("x_1")),
    ("plain-subscript-digits", "x_12", r("x_{12}")),
    ("text-in-subscript", r"x_{\text{max}}", r("x_{max}")),
    ("mathrm-in-subscript", r"x_{\mathrm{max}}", r("x_{max}")),
    ("displaystyle", r"\displaystyle \frac{1}{2}", sympy.Rational(1, 2)),
    ("vmatrix-determinant", r"\begin{vmatrix} a & b \\ c & d \end{vmatrix}", a * d - b * c),
    ("big-parens", r"\big( x \big)", x),
    ("approx", r"x \approx 0.5", None),
]


@pytest.mark.parametrize(("text", "expected"), [t[1:] for t in LATEX if t[2] is not None], ids=[t[0] for t in LATEX if t[2] is not None])
def test_latex_forms(text: str, expected: sympy.Basic) -> None:
    got = value(text)
    assert equivalent(got, expected), f"{text!r} read as {got}, expected {expected}"


def _array(rows: list[list[int]]) -> ArrayValue:
    return ArrayValue((len(rows), len(rows[0])), tuple(sympy.Integer(v) for row in rows for v in row))


MATRICES = [
    ("bmatrix", r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}", _array([[1, 2], [3, 4]])),
    ("pmatrix", r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", _array([[1, 2], [3, 4]])),
    ("Bmatrix", r"\begin{Bmatrix} 1 & 2 \end{Bmatrix}", _array([[1, 2]])),
    ("array", r"\begin{array}{cc} 1 & 2 \\ 3 & 4 \end{array}", _array([[1, 2], [3, 4]])),
    ("column", r"\begin{bmatrix} 1 \\ 2 \end{bmatrix}", _array([[1], [2]])),
    ("trailing-row-separator", r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \\ \end{bmatrix}", _array([[1, 2], [3, 4]])),
    ("sympy-latex", r"\left[\begin{matrix}1 & 2\\3 & 4\end{matrix}\right]", _array([[1, 2], [3, 4]])),
    ("scaled", r"2\begin{bmatrix} 1 & 2 \end{bmatrix}", _array([[2, 4]])),
    ("transposed", r"\begin{bmatrix} 1 & 2 \end{bmatrix}^T", _array([[1], [2]])),
    ("plain-matrix", "matrix([[1, 2], [3, 4]])", _array([[1, 2], [3, 4]])),
    ("comma-entries", r"\begin{bmatrix} 1, 2 \\ 3, 4 \end{bmatrix}", _array([[1, 2], [3, 4]])),
    (
        "comma-entries-decimals",
        r"\begin{bmatrix} 2.0000, 2.0000 \\ 2.6667, 3.3333 \end{bmatrix}",
        ArrayValue((2, 2), (sympy.Integer(2), sympy.Integer(2), sympy.Rational(26667, 10000), sympy.Rational(33333, 10000))),
    ),
    ("comma-entries-trailing-row-separator", r"\begin{bmatrix} 1, 2 \\ 3, 4 \\ \end{bmatrix}", _array([[1, 2], [3, 4]])),
    ("comma-entries-one-row", r"\begin{pmatrix} 1, 2, 3 \end{pmatrix}", _array([[1, 2, 3]])),
    ("comma-entries-expressions", r"\begin{bmatrix} \frac{1}{2}, 2^{2} \end{bmatrix}", ArrayValue((1, 2), (sympy.Rational(1, 2), sympy.Integer(4)))),
    ("ampersand-row-then-comma-row", r"\begin{bmatrix} 1 & 2 \\ 3, 4 \end{bmatrix}", _array([[1, 2], [3, 4]])),
    ("comma-inside-a-cell-group", r"\begin{bmatrix} \max(1, 2) & 3 \end{bmatrix}", _array([[2, 3]])),
]


@pytest.mark.parametrize(("text", "expected"), [m[1:] for m in MATRICES], ids=[m[0] for m in MATRICES])
def test_matrices(text: str, expected: ArrayValue) -> None:
    assert value(text) == expected


def test_set_braces_make_a_tuple() -> None:
    assert value(r"\{1, 2\}") == TupleValue((sympy.Integer(1), sympy.Integer(2)), "{")


def test_approx_is_an_equation() -> None:
    got = value(r"x \approx 0.5")
    assert got.lhs == x and got.rhs == sympy.Rational(1, 2)


def test_matrix_symbols_transpose_and_inverse() -> None:
    context = ParseContext(
        symbols={
            "A": SymbolInfo("A", shape=(3, 3)),
            "u": SymbolInfo("u", shape=(3, 1)),
            "w": SymbolInfo("w", shape=(3, 1)),
        }
    )
    A = sympy.MatrixSymbol("A", 3, 3)
    U = sympy.MatrixSymbol("u", 3, 1)
    W = sympy.MatrixSymbol("w", 3, 1)
    for text in ("A^T", r"A^\top", "A^{T}", r"A^{\top}", "A'"):
        assert value(text, context) == A.T, text
    assert value("A^{-1}", context).doit() == A.I
    assert value(r"\mathbf{w}^T \mathbf{u}", context) == W.T * U
    assert value("w^Tu", context) == W.T * U
    assert value("u^T A u", context) == U.T * A * U


REFUSED = [
    ("prose", r"\text{the answer is } 5", "prose"),
    ("units", r"5 \text{ cm}", "prose"),
    ("mathbb", r"\mathbb{E}[x]", "unknown_command"),
    ("unknown", r"\foo{x}", "unknown_command"),
    ("unknown-environment", r"\begin{cases} 1 \end{cases}", "unknown_command"),
    ("input", r"\input{/etc/passwd}", "forbidden"),
    ("include", r"\include{x}", "forbidden"),
    ("write", r"\write18{ls}", "forbidden"),
    ("def", r"\def\x{1}", "forbidden"),
    ("newcommand", r"\newcommand{\x}{1}", "forbidden"),
    ("catcode", r"\catcode`\^=12", "forbidden"),
    ("csname", r"\csname x\endcsname", "forbidden"),
    ("usepackage", r"\usepackage{x}", "forbidden"),
    ("verbatim", r"\begin{verbatim}x\end{verbatim}", "forbidden"),
    ("ragged", r"\begin{bmatrix} 1 & 2 \\ 3 \end{bmatrix}", "ragged"),
    ("ragged-commas", r"\begin{bmatrix} 1, 2 \\ 3 \end{bmatrix}", "ragged"),
    ("row-mixes-ampersand-and-comma", r"\begin{bmatrix} 1 & 2, 3 \end{bmatrix}", "syntax"),
    ("row-mixes-comma-and-ampersand", r"\begin{bmatrix} 1, 2 & 3 \end{bmatrix}", "syntax"),
    ("empty-comma-cell", r"\begin{bmatrix} 1, , 2 \end{bmatrix}", "syntax"),
    ("trailing-comma-cell", r"\begin{bmatrix} 1, 2, \\ 3, 4 \end{bmatrix}", "syntax"),
    ("unclosed-environment", r"\begin{bmatrix} 1 & 2", "syntax"),
    ("mismatched-environment", r"\begin{bmatrix} 1 \end{pmatrix}", "syntax"),
    ("sum-without-limits", r"\sum x_i", "syntax"),
    ("plus-minus", r"1 \pm 2", "plus_minus"),
    ("le", r"x \le 1", "inequality"),
]


@pytest.mark.parametrize(("text", "code"), [t[1:] for t in REFUSED], ids=[t[0] for t in REFUSED])
def test_refused(text: str, code: str) -> None:
    failure = invalid(text)
    assert failure.code == code, failure


def test_mixed_matrix_separators_say_so() -> None:
    failure = invalid(r"\begin{bmatrix} 1 & 2, 3 \end{bmatrix}")
    assert "mixes '&' and ','" in failure.reason
    assert failure.position == r"\begin{bmatrix} 1 & 2, 3".index(",")


def test_unknown_command_names_the_command() -> None:
    assert invalid(r"\foo").reason == r"\foo is not supported"


def test_one_by_one_matrix_products_act_as_scalars_where_needed() -> None:
    context = ParseContext(symbols={"g": SymbolInfo("g", shape=(3, 1)), "H": SymbolInfo("H", shape=(3, 3))})
    g = sympy.MatrixSymbol("g", 3, 1)
    h = sympy.MatrixSymbol("H", 3, 3)
    expected = 2 * sympy.Trace(g.T * g) / sympy.Trace(g.T * h * g)
    assert value(r"\frac{2 g^T g}{g^T H g}", context) == expected
    assert value("2 g^T g / (g^T H g)", context) == expected
    assert value("g^T g", context) == g.T * g  # stays a 1x1 matrix expression on its own
    assert invalid("H / g", context).code == "type"
