"""Round trips: random sympy trees printed by ``to_text`` and ``sympy.latex`` read back equal."""

from __future__ import annotations

import cmath
from typing import Any

import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from grader.parse import (
    ArrayValue,
    EquationValue,
    ParseContext,
    Parsed,
    SymbolInfo,
    TupleValue,
    parse_answer,
    to_text,
)

from .helpers import read

NAMES = ("a", "b", "c", "x_{max}", "alpha")
CONTEXT = ParseContext(symbols={name: SymbolInfo(name, positive=True) for name in NAMES})
SYMBOLS = [sympy.Symbol(name, positive=True) for name in NAMES]
POINTS = [
    {symbol: sympy.Rational(*value) for symbol, value in zip(SYMBOLS, values, strict=True)}
    for values in (
        ((7, 10), (13, 10), (21, 10), (3, 5), (9, 4)),
        ((17, 10), (2, 5), (11, 10), (5, 2), (1, 3)),
    )
]

leaves = st.one_of(
    st.sampled_from(SYMBOLS),
    st.integers(min_value=-5, max_value=9).map(sympy.Integer),
    st.sampled_from([sympy.Rational(1, 2), sympy.Rational(-3, 4), sympy.pi, sympy.E]),
)


def _combine(children: st.SearchStrategy[sympy.Expr]) -> st.SearchStrategy[sympy.Expr]:
    binary = st.tuples(st.sampled_from(["+", "-", "*", "/"]), children, children).map(
        lambda t: {"+": t[1] + t[2], "-": t[1] - t[2], "*": t[1] * t[2], "/": t[1] / t[2]}[t[0]]
    )
    power = st.tuples(children, st.sampled_from([2, 3, -1, -2, sympy.Rational(1, 2), sympy.Rational(1, 3)])).map(
        lambda t: t[0] ** t[1]
    )
    unary = st.tuples(
        st.sampled_from([sympy.sin, sympy.cos, sympy.exp, sympy.log, sympy.sqrt, sympy.tanh, sympy.Abs]),
        children,
    ).map(lambda t: t[0](t[1]))
    return st.one_of(binary, power, unary)


expressions = st.recursive(leaves, _combine, max_leaves=8)


def _numeric(expr: sympy.Basic, point: dict[sympy.Symbol, sympy.Expr]) -> complex:
    return complex(expr.xreplace(point).evalf(30))


def _close(got: sympy.Basic, expected: sympy.Basic) -> bool:
    if got == expected:
        return True
    for point in POINTS:
        want = _numeric(expected, point)
        have = _numeric(got, point)
        if cmath.isnan(want) or cmath.isinf(want) or abs(want) > 1e12:
            continue
        if abs(have - want) > 1e-9 * max(1.0, abs(want)):
            return False
    return True


def _usable(expr: sympy.Basic) -> bool:
    if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo, sympy.I):
        return False
    try:
        return all(cmath.isfinite(_numeric(expr, point)) for point in POINTS)
    except (TypeError, ValueError, OverflowError):
        return False


SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(expressions)
def test_to_text_round_trip(expr: sympy.Expr) -> None:
    assume(_usable(expr))
    text = to_text(expr)
    result = parse_answer(text, CONTEXT)
    assert isinstance(result, Parsed), f"{expr!r} printed as {text!r}: {result}"
    assert _close(result.value, expr), f"{expr!r} printed as {text!r}, read as {result.value!r}"


@SETTINGS
@given(expressions)
def test_sympy_latex_round_trip(expr: sympy.Expr) -> None:
    assume(_usable(expr))
    text = sympy.latex(expr)
    result = parse_answer(text, CONTEXT)
    assert isinstance(result, Parsed), f"{expr!r} as LaTeX {text!r}: {result}"
    assert _close(result.value, expr), f"{expr!r} as LaTeX {text!r}, read as {result.value!r}"


@SETTINGS
@given(expressions)
def test_shown_text_reads_back_to_the_same_value(expr: sympy.Expr) -> None:
    assume(_usable(expr))
    first = parse_answer(to_text(expr), CONTEXT)
    assert isinstance(first, Parsed)
    second = read(first.shown, CONTEXT)
    assert second.value == first.value


x = sympy.Symbol("x", real=True)
y = sympy.Symbol("y", real=True)
one, two = sympy.Integer(1), sympy.Integer(2)

VALUES: list[tuple[str, Any]] = [
    ("matrix-2x2", ArrayValue((2, 2), (one, two, x, y))),
    ("matrix-column", ArrayValue((2, 1), (one, x))),
    ("matrix-1x1", ArrayValue((1, 1), (x,))),
    ("vector", ArrayValue((3,), (one, two, x))),
    ("vector-one", ArrayValue((1,), (x,))),
    ("scalar-array", ArrayValue((), (x,))),
    ("empty-array", ArrayValue((0,), ())),
    ("tuple", TupleValue((one, x), "(")),
    ("list", TupleValue((one, x), "[")),
    ("bare-tuple", TupleValue((one, x), "")),
    ("single-tuple", TupleValue((x,), "(")),
    ("single-list", TupleValue((x,), "[")),
    ("nested-lists", TupleValue((TupleValue((one, two), "["), TupleValue((x, y), "[")), "[")),
    ("set", TupleValue((one, two), "{")),
    ("empty-list", TupleValue((), "[")),
    ("equation", EquationValue(x, sympy.sqrt(2 / y))),
    ("equations", TupleValue((EquationValue(x, one), EquationValue(y, two)), "")),
    ("subscripted", sympy.Symbol("x_{max}", real=True) ** 10 + sympy.Symbol("v_t", real=True)),
    ("hat", sympy.Symbol("hat(m)_t", real=True) / 2),
    ("sum", sympy.Sum(sympy.Symbol("i", integer=True) ** 2, (sympy.Symbol("i", integer=True), 1, x))),
    ("undefined-functions", sympy.Function("O")(x**2) + sympy.Function("norm")(y)),
    ("factorial", sympy.factorial(x + 1)),
    ("imaginary", 2 + 3 * sympy.I),
    ("infinity", -sympy.oo),
    ("float-exact", sympy.Float("0.1234567890123456789", 19)),
    ("big-integer", sympy.Integer(10) ** 50 + 1),
    ("max-min", sympy.Max(x, y) - sympy.Min(x, 1)),
]


@pytest.mark.parametrize("value", [v[1] for v in VALUES], ids=[v[0] for v in VALUES])
def test_to_text_round_trip_of_values(value: Any) -> None:
    text = to_text(value)
    assert read(text).value == value, text


def test_matrix_symbols_round_trip() -> None:
    context = ParseContext(symbols={"A": SymbolInfo("A", shape=(2, 2)), "u": SymbolInfo("u", shape=(2, 1))})
    a_matrix = sympy.MatrixSymbol("A", 2, 2)
    u_vector = sympy.MatrixSymbol("u", 2, 1)
    for expr in (a_matrix.T * u_vector, a_matrix.I * u_vector, u_vector.T * a_matrix * u_vector, 2 * a_matrix + a_matrix.T):
        text = to_text(expr)
        assert read(text, context).value == expr, text


def test_declared_function_round_trip() -> None:
    context = ParseContext(functions=frozenset({"sigma"}))
    expr = sympy.Function("sigma")(x + 1) * 2
    assert read(to_text(expr), context).value == expr
