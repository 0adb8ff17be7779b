"""autograd: Jacobians against a hand chain rule and central finite differences (numpy)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from grader.errors import ReferenceCallError
from reference.autograd import evaluate, jacobian, jacobian_composition

F1 = ["sin(pi*x2)/pi", "exp(x1 - 1)*x2^2", "x1*x2"]
F2 = ["y1 + y2 + y3", "y1^2 + y2^2 + y3^2"]


def f1(p: np.ndarray) -> np.ndarray:
    x1, x2 = p
    return np.array([math.sin(math.pi * x2) / math.pi, math.exp(x1 - 1) * x2**2, x1 * x2])


def f2(q: np.ndarray) -> np.ndarray:
    return np.array([q.sum(), (q**2).sum()])


def finite_difference(fn, point: list[float], h: float = 1e-6) -> np.ndarray:
    p = np.array(point, dtype=float)
    columns = []
    for j in range(len(p)):
        step = np.zeros_like(p)
        step[j] = h
        columns.append((fn(p + step) - fn(p - step)) / (2 * h))
    return np.stack(columns, axis=1)


def test_seed_composition_against_hand_chain_rule() -> None:
    x1, x2 = 1.0, 2.0
    # J_f1 by hand: d/dx2 sin(pi x2)/pi = cos(pi x2); d/dx1 exp(x1-1) x2^2 = exp(x1-1) x2^2, ...
    j_f1 = np.array(
        [
            [0.0, math.cos(math.pi * x2)],
            [math.exp(x1 - 1) * x2**2, 2 * math.exp(x1 - 1) * x2],
            [x2, x1],
        ]
    )
    y = f1(np.array([x1, x2]))
    j_f2 = np.array([[1.0, 1.0, 1.0], 2 * y])
    expected = j_f2 @ j_f1
    assert np.allclose(expected, [[6, 6], [40, 36]])
    inner = {"outputs": F1, "variables": ["x1", "x2"]}
    outer = {"outputs": F2, "variables": ["y1", "y2", "y3"]}
    got = jacobian_composition(inner, outer, [1, 2])
    assert np.allclose(got, expected, atol=1e-12)
    assert not np.allclose(got, [[4, 6], [32, 36]])  # the student's answer: first column wrong
    assert np.allclose(jacobian(F1, ["x1", "x2"], [1, 2]), j_f1, atol=1e-12)


@pytest.mark.parametrize("point", [[0.3, -1.2], [1.7, 0.4]])
def test_jacobians_against_finite_differences(point: list[float]) -> None:
    assert np.allclose(jacobian(F1, ["x1", "x2"], point), finite_difference(f1, point), atol=1e-6)
    inner = {"outputs": F1, "variables": ["x1", "x2"]}
    outer = {"outputs": F2, "variables": ["y1", "y2", "y3"]}
    fd = finite_difference(lambda p: f2(f1(p)), point)
    assert np.allclose(jacobian_composition(inner, outer, point), fd, atol=1e-6)


def test_jacobian_of_activations_against_finite_differences() -> None:
    outputs = ["sigmoid(a*b)", "tanh(a) + log(b)", "relu(a - b)", "sqrt(a^2 + b^2)"]

    def fn(p: np.ndarray) -> np.ndarray:
        a, b = p
        return np.array(
            [
                1 / (1 + math.exp(-a * b)),
                math.tanh(a) + math.log(b),
                max(a - b, 0.0),
                math.hypot(a, b),
            ]
        )

    point = [0.8, 0.5]
    assert np.allclose(
        jacobian(outputs, ["a", "b"], point), finite_difference(fn, point), atol=1e-6
    )


def test_evaluate() -> None:
    assert evaluate("exp(x1 - 1)*x2^2", ["x1", "x2"], [1, 2]) == pytest.approx(4.0)
    assert evaluate("sin(pi*x2)/pi", ["x1", "x2"], [0, 0.5]) == pytest.approx(1 / math.pi)
    assert isinstance(evaluate("2", ["x"], [0]), float)


def test_bad_arguments() -> None:
    with pytest.raises(ReferenceCallError, match="point has 1 values but there are 2 variables"):
        jacobian(F1, ["x1", "x2"], [1])
    with pytest.raises(ReferenceCallError, match=r"outputs\[0\].*'z', which is not among"):
        jacobian(["z"], ["x"], [1])
    with pytest.raises(ReferenceCallError, match="inner has 3 outputs but outer has 2 variables"):
        jacobian_composition(
            {"outputs": F1, "variables": ["x1", "x2"]},
            {"outputs": ["u"], "variables": ["u", "v"]},
            [1, 2],
        )
    with pytest.raises(ReferenceCallError, match="inner must be"):
        jacobian_composition({"outputs": F1}, {"outputs": F2, "variables": ["a"]}, [1, 2])
    with pytest.raises(ReferenceCallError, match="not finite"):
        evaluate("log(x)", ["x"], [0])
    with pytest.raises(ReferenceCallError, match="Jacobian is not finite"):
        jacobian(["sqrt(x)"], ["x"], [0])
    with pytest.raises(ReferenceCallError, match=r"point\[0\] must be a finite number"):
        evaluate("x", ["x"], ["one"])
    with pytest.raises(ReferenceCallError, match="outputs must be a non-empty list"):
        jacobian("x", ["x"], [1])  # type: ignore[arg-type]
