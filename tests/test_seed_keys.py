"""The bundled rubrics' answer keys agree with independent numpy computations of the seeds'
ground truth (not with the reference implementations themselves)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from support import REPO

from grader.key import AnswerKey
from grader.key.build import build_key
from grader.rubric.load import load_rubric

pytestmark = pytest.mark.torch


@cache
def key_of(name: str) -> AnswerKey:
    rubric, sha = load_rubric(REPO / "rubrics" / f"{name}.yaml")
    return build_key(rubric, sha)


def expected(name: str, part_id: str) -> np.ndarray:
    return np.array(key_of(name).parts[part_id].expected, dtype=float)


# --------------------------------------------------------------------------- IFT6135 Q4

Q4_X = np.array([[[1, 3, 2], [1, 2, 3]], [[3, 3, 2], [2, 4, 4]], [[4, 2, 2], [1, 2, 4]], [[3, 3, 2], [3, 3, 2]]], dtype=float)
NORM_AXES = {"batch": (0, 2), "layer": (1, 2), "instance": (2,)}


@pytest.mark.parametrize("kind", sorted(NORM_AXES))
def test_ift6135_q4_statistics_are_the_biased_ones(kind: str) -> None:
    axes = NORM_AXES[kind]
    mean = Q4_X.mean(axis=axes)
    biased = Q4_X.var(axis=axes)  # 1/n: what batch/layer/instance norm normalize with
    unbiased = Q4_X.var(axis=axes, ddof=1)
    assert np.allclose(expected("ift6135-w2020-a2", f"q4.1.mu_{kind}").reshape(mean.shape), mean)
    assert np.allclose(expected("ift6135-w2020-a2", f"q4.1.var_{kind}").reshape(biased.shape), biased)
    mistake = key_of("ift6135-w2020-a2").parts[f"q4.1.var_{kind}"].mistakes["unbiased"]
    assert np.allclose(np.array(mistake, dtype=float).reshape(unbiased.shape), unbiased)


def test_ift6135_q4_batch_values_by_hand() -> None:
    # channel 0 holds 1,3,2,3,3,2,4,2,2,3,3,2 (sum 30, n 12); channel 1 sums to 31
    assert np.allclose(expected("ift6135-w2020-a2", "q4.1.mu_batch").ravel(), [30 / 12, 31 / 12])


# --------------------------------------------------------------------------- Sharif PS03


def test_sharif_jacobian_of_composition_by_chain_rule() -> None:
    x1, x2 = 1.0, 2.0
    inner = np.array([np.sin(np.pi * x2) / np.pi, np.exp(x1 - 1) * x2**2, x1 * x2])
    j_inner = np.array([
        [0.0, np.cos(np.pi * x2)],
        [np.exp(x1 - 1) * x2**2, 2 * np.exp(x1 - 1) * x2],
        [x2, x1],
    ])
    j_outer = np.array([[1.0, 1.0, 1.0], 2 * inner])
    composed = j_outer @ j_inner
    assert np.allclose(composed, [[6, 6], [40, 36]])
    assert np.allclose(expected("sharif-ml-ps03", "q3.jacobian"), composed)
    assert np.allclose(expected("sharif-ml-ps03", "q3.J_f1"), j_inner)


def _cnn_by_hand() -> dict[str, np.ndarray]:
    x = np.array([[1, 7, -1, -7, 10, 11], [2, 8, 0, 0, 12, 13], [3, 9, 0, 0, 0, 0],
                  [4, 10, -4, -10, 0, 0], [5, 11, -5, -11, 16, 17], [6, 12, -6, -12, 14, 15]], dtype=float)
    kernel = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)
    target = np.eye(3)
    out = np.array([[np.sum(x[i:i + 3, j:j + 3] * kernel) for j in range(4)] for i in range(4)])
    pooled = np.zeros((3, 3))
    where = {}
    for i in range(3):
        for j in range(3):
            window = out[i:i + 2, j:j + 2]
            pooled[i, j] = window.max()
            di, dj = np.unravel_index(np.argmax(window), window.shape)
            where[(i, j)] = (i + di, j + dj)
    loss = np.mean((pooled - target) ** 2)
    d_pooled = 2 * (pooled - target) / 9
    d_out = np.zeros((4, 4))
    for (i, j), (oi, oj) in where.items():
        d_out[oi, oj] += d_pooled[i, j]
    d_kernel = np.array([[np.sum(d_out * x[m:m + 4, n:n + 4]) for n in range(3)] for m in range(3)])
    return {"O": out, "M": pooled, "loss": np.array(loss), "dL_dF": d_kernel, "F_new": kernel - 0.0005 * d_kernel}


@pytest.mark.parametrize("name", ["O", "M", "loss", "dL_dF", "F_new"])
def test_sharif_cnn_example_by_hand(name: str) -> None:
    by_hand = _cnn_by_hand()[name]
    assert np.allclose(expected("sharif-ml-ps03", f"q6.{name}"), by_hand)


def test_sharif_cnn_loss_is_30982_over_9() -> None:
    assert float(expected("sharif-ml-ps03", "q6.loss")) == pytest.approx(30982 / 9)


def test_sharif_two_layer_net_forward_and_update_by_hand() -> None:
    sigmoid = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    h1, h2 = sigmoid(2.5 * 0 + 1 * 1 + 1.5), sigmoid(-1.5 * 0 - 0.3 * 1 + 2)
    y_hat = sigmoid(1 * h1 + 0.5 * h2 - 1)
    assert float(expected("sharif-ml-ps03", "q4.h1")) == pytest.approx(h1)
    assert float(expected("sharif-ml-ps03", "q4.y_hat")) == pytest.approx(y_hat)
    delta_out = (y_hat - 1) * y_hat * (1 - y_hat)  # dE/dz for E = (y - y_hat)^2 / 2
    new_output_bias = -1 - 0.1 * delta_out
    assert float(expected("sharif-ml-ps03", "q4.output_b_new")) == pytest.approx(new_output_bias)
