"""reference.expr: rubric expressions read by the project parser (precedence, exact
numbers, errors) and torch_fn against math-module values."""

from __future__ import annotations

import math

import pytest
import sympy
import torch

from grader.errors import ReferenceCallError
from reference.expr import to_sympy, torch_fn

x, y = sympy.symbols("x y", real=True)


def value(text: str, **point: float) -> float:
    names = sorted(point)
    fn = torch_fn(to_sympy(text), names)
    return float(fn(torch.tensor([point[n] for n in names], dtype=torch.float64)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 + 2*3", sympy.Integer(7)),
        ("(1 + 2)*3", sympy.Integer(9)),
        ("2^3^2", sympy.Integer(512)),
        ("2**3**2", sympy.Integer(512)),
        ("-x^2", -(x**2)),
        ("x - y - 1", x - y - 1),
        ("x/y/2", x / y / 2),
        ("2^-1", sympy.Rational(1, 2)),
        ("0.1 + 2e-3", sympy.Rational(102, 1000)),
        (".5*x", x / 2),
        ("x1*x2", sympy.Symbol("x1", real=True) * sympy.Symbol("x2", real=True)),
        ("sin(pi*x)/pi", sympy.sin(sympy.pi * x) / sympy.pi),
        ("exp(x - 1)*y^2", sympy.exp(x - 1) * y**2),
        ("e^x", sympy.exp(x)),
        ("sigmoid(x)", sympy.Function("sigmoid")(x)),
        ("relu(x)", sympy.Function("relu")(x)),
        ("abs(x) + sqrt(y)", sympy.Abs(x) + sympy.sqrt(y)),
    ],
)
def test_rubric_expressions_read_exactly(text: str, expected: sympy.Expr) -> None:
    assert to_sympy(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "x +",
        "(x + 1",
        "x + 1)",
        "foo(x)",
        "x; import os",
        "__import__('os')",
        "x # 2",
        "",
        "(" * 200 + "x" + ")" * 200,
        "x = 1",
        "[1, 2]",
    ],
)
def test_unreadable_rubric_expressions_raise_a_reference_error(text: str) -> None:
    with pytest.raises(ReferenceCallError, match="expression"):
        to_sympy(text)


def test_torch_fn_matches_math() -> None:
    a, b = 0.7, 1.9
    assert value("sin(pi*y)/pi", x=a, y=b) == pytest.approx(math.sin(math.pi * b) / math.pi)
    assert value("exp(x - 1)*y^2", x=a, y=b) == pytest.approx(math.exp(a - 1) * b**2)
    assert value("log(x) + tanh(y) - cos(x*y)", x=a, y=b) == pytest.approx(
        math.log(a) + math.tanh(b) - math.cos(a * b)
    )
    assert value("sigmoid(x - y)", x=a, y=b) == pytest.approx(1 / (1 + math.exp(b - a)))
    assert value("relu(x - y) + relu(y - x)", x=a, y=b) == pytest.approx(abs(a - b))
    assert value("sqrt(y) + abs(-x) + tan(x)", x=a, y=b) == pytest.approx(
        math.sqrt(b) + a + math.tan(a)
    )
    assert value("x^y + e", x=a, y=b) == pytest.approx(a**b + math.e)
    assert value("3", x=a) == 3.0


def test_torch_fn_handles_sympy_built_nodes() -> None:
    fn = torch_fn(sympy.Min(x, y) + sympy.atan(x) + sympy.Function("sigmoid")(y), ["x", "y"])
    got = float(fn(torch.tensor([0.3, -0.2], dtype=torch.float64)))
    assert got == pytest.approx(-0.2 + math.atan(0.3) + 1 / (1 + math.exp(0.2)))
    # symbols are matched by name, whatever their assumptions
    real = sympy.Symbol("x", real=True)
    assert float(torch_fn(real**2, ["x"])(torch.tensor([3.0], dtype=torch.float64))) == 9.0


def test_torch_fn_errors() -> None:
    with pytest.raises(ReferenceCallError, match="'z', which is not among the variables"):
        torch_fn(to_sympy("x + z"), ["x", "y"])
    with pytest.raises(ReferenceCallError, match="repeated name"):
        torch_fn(x, ["x", "x"])
    with pytest.raises(ReferenceCallError, match="non-real constant"):
        torch_fn(x + sympy.I, ["x"])
    with pytest.raises(ReferenceCallError, match="cannot evaluate"):
        torch_fn(sympy.gamma(x), ["x"])


def test_names_pi_and_e_are_the_constants() -> None:
    assert to_sympy("e*x + pi") == sympy.E * x + sympy.pi
    assert (
        to_sympy("exp(x1 - 1)*x2^2")
        == sympy.exp(sympy.Symbol("x1", real=True) - 1) * sympy.Symbol("x2", real=True) ** 2
    )
