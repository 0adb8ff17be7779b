"""optim.trajectory against torch.optim (gradients fed through p.grad) and closed forms."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from grader.errors import ReferenceCallError
from reference.optim import trajectory

START = [1.0, -2.0, 0.5]
GRADS = [[0.5, 1.0, -0.2], [0.2, -0.3, 0.0], [1.0, 1.0, 1.0], [-0.4, 0.25, 2.0], [0.1, 0.1, -0.1]]


def torch_trajectory(make) -> list[list[float]]:
    p = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    opt = make([p])
    history = []
    for g in GRADS:
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        history.append(p.detach().tolist())
    return history


CASES = {
    "sgd": (dict(lr=0.1), lambda ps: torch.optim.SGD(ps, lr=0.1)),
    "momentum": (dict(lr=0.1, momentum=0.8), lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.8)),
    "nesterov": (
        dict(lr=0.1, momentum=0.8),
        lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.8, nesterov=True),
    ),
    "adagrad": (dict(lr=0.5, eps=1e-10), lambda ps: torch.optim.Adagrad(ps, lr=0.5, eps=1e-10)),
    "rmsprop": (
        dict(lr=0.01, alpha=0.9, eps=1e-8),
        lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-8),
    ),
    "adam": (
        dict(lr=0.05, beta1=0.8, beta2=0.99, eps=1e-8),
        lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.8, 0.99), eps=1e-8),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_against_torch_optim(name: str) -> None:
    kwargs, make = CASES[name]
    result = trajectory(name, START, GRADS, **kwargs)
    assert np.allclose(result["params"], torch_trajectory(make), rtol=1e-12, atol=1e-12)
    assert [s["step"] for s in result["state"]] == [1, 2, 3, 4, 5]


def test_constant_gradient_closed_forms() -> None:
    g, lr, mu, steps = np.array([0.3, -1.0]), 0.1, 0.9, 6
    grads = [g.tolist()] * steps
    t = np.arange(1, steps + 1)[:, None]
    # sgd: θ_t = θ_0 - t lr g
    assert np.allclose(trajectory("sgd", [0, 0], grads, lr)["params"], -t * lr * g)
    # momentum: v_t = g (1 - μ^t) / (1 - μ); θ_t = θ_0 - lr Σ_k v_k
    v = g * (1 - mu**t) / (1 - mu)
    expected = -lr * np.cumsum(v, axis=0)
    result = trajectory("momentum", [0, 0], grads, lr, momentum=mu)
    assert np.allclose(result["params"], expected)
    assert np.allclose([s["v"] for s in result["state"]], v)
    # lr inside the velocity: same θ for a constant lr, velocity scaled by lr
    inside = trajectory("momentum_lr_inside", [0, 0], grads, lr, momentum=mu)
    assert np.allclose(inside["params"], expected)
    assert np.allclose([s["v"] for s in inside["state"]], lr * v)
    # adagrad: G_t = t g², step = lr g / (sqrt(t) |g|) = lr sign(g) / sqrt(t)
    ada = trajectory("adagrad", [0, 0], grads, lr, eps=0.0)
    assert np.allclose(ada["params"], -lr * np.sign(g) * np.cumsum(1 / np.sqrt(t), axis=0))
    # adam with a constant gradient: m̂ = g, v̂ = g², each step is lr sign(g)
    adam = trajectory("adam", [0, 0], grads, lr, eps=0.0)
    assert np.allclose(adam["params"], -t * lr * np.sign(g))
    assert np.allclose(adam["state"][-1]["m_hat"], g) and np.allclose(
        adam["state"][-1]["v_hat"], g**2
    )
    # rmsprop: s_t = (1 - α^t) g²
    alpha = 0.5
    rms = trajectory("rmsprop", [0, 0], grads, lr, alpha=alpha, eps=0.0)
    s = (1 - alpha**t) * g**2
    assert np.allclose([st["s"] for st in rms["state"]], s)
    assert np.allclose(rms["params"], -lr * np.cumsum(g / np.sqrt(s), axis=0))


def test_ift6135_momentum_convention_by_hand() -> None:
    # v_t = α v_{t-1} + ε g_t, Δθ = -v_t with α = 0.5, ε = 0.1
    result = trajectory("momentum_lr_inside", [1.0], [[2.0], [-1.0], [4.0]], lr=0.1, momentum=0.5)
    v1 = 0.1 * 2.0
    v2 = 0.5 * v1 + 0.1 * -1.0
    v3 = 0.5 * v2 + 0.1 * 4.0
    assert np.allclose(result["params"], [[1 - v1], [1 - v1 - v2], [1 - v1 - v2 - v3]])
    assert np.allclose([s["v"] for s in result["state"]], [[v1], [v2], [v3]])


def test_bad_arguments() -> None:
    with pytest.raises(ReferenceCallError, match="name must be one of"):
        trajectory("lion", [1.0], [[1.0]], 0.1)
    with pytest.raises(ReferenceCallError, match="each gradient must have 2 values"):
        trajectory("sgd", [1.0, 2.0], [[1.0]], 0.1)
    with pytest.raises(ReferenceCallError, match=r"grads\[1\] has shape"):
        trajectory("sgd", [1.0, 2.0], [[1.0, 2.0], [1.0]], 0.1)
    with pytest.raises(ReferenceCallError, match="grads must be a non-empty list"):
        trajectory("sgd", [1.0], [], 0.1)
    with pytest.raises(ReferenceCallError, match="params: expected a 1-D array"):
        trajectory("sgd", 1.0, [[1.0]], 0.1)  # type: ignore[arg-type]
    with pytest.raises(ReferenceCallError, match="momentum must be a finite number"):
        trajectory("momentum", [1.0], [[1.0]], 0.1, momentum=None)  # type: ignore[arg-type]
