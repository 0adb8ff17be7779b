"""Optimizer trajectories for a given sequence of gradients (nothing is differentiated).

At step ``t = 1, 2, ...`` with gradient ``g_t`` (from ``grads``) and ``θ`` the parameters:

- ``sgd``:                ``θ -= lr g``
- ``momentum``:           ``v = μ v + g;  θ -= lr v``            (torch.optim.SGD, v_0 = 0)
- ``momentum_lr_inside``: ``v = μ v + lr g;  θ -= v``            (IFT6135: v_t = α v_{t-1} + ε g_t,
  Δθ = -v_t). Same trajectory as ``momentum`` for a constant lr; v differs by the factor lr.
- ``nesterov``:           ``v = μ v + g;  θ -= lr (g + μ v)``    (torch.optim.SGD nesterov=True)
- ``adagrad``:            ``G += g²;  θ -= lr g / (sqrt(G) + eps)``  (torch.optim.Adagrad)
- ``rmsprop``:            ``s = α s + (1 - α) g²;  θ -= lr g / (sqrt(s) + eps)``  (torch.optim.RMSprop)
- ``adam``:               ``m = β1 m + (1 - β1) g;  v = β2 v + (1 - β2) g²;
  m̂ = m / (1 - β1^t);  v̂ = v / (1 - β2^t);  θ -= lr m̂ / (sqrt(v̂) + eps)``  (torch.optim.Adam)

All state starts at zero. ``μ`` is ``momentum``, ``α`` is ``alpha``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch

from grader.errors import ReferenceCallError
from reference._device import as_float, choice, get_device, out, tensor

OPTIMIZERS = ("sgd", "momentum", "momentum_lr_inside", "nesterov", "adagrad", "rmsprop", "adam")


def trajectory(
    name: str,
    params: list[float],
    grads: list[list[float]],
    lr: float,
    momentum: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
    alpha: float = 0.99,
    device: str = "cpu",
) -> dict[str, Any]:
    """Apply ``name`` for ``len(grads)`` steps starting from ``params``.

    Returns ``{"params": [θ after step 1, θ after step 2, ...], "state": [state after each
    step]}``. The state dict holds ``"step"`` and the optimizer's buffers: ``v``
    (momentum kinds), ``G`` (adagrad), ``s`` (rmsprop), ``m``, ``v``, ``m_hat``, ``v_hat``
    (adam); sgd has only ``"step"``.
    """
    dev = get_device(device)
    name = choice(name, "name", OPTIMIZERS)
    theta = tensor(params, "params", dev, ndim=1)
    if theta.numel() == 0:
        raise ReferenceCallError("params must hold at least one number")
    if isinstance(grads, (str, bytes)) or not isinstance(grads, Sequence) or not grads:
        raise ReferenceCallError(
            f"grads must be a non-empty list of gradient vectors, got {grads!r}"
        )
    g_all = tensor(grads, "grads", dev, ndim=2)
    if g_all.shape[1] != theta.numel():
        raise ReferenceCallError(
            f"grads: each gradient must have {theta.numel()} values (one per param), got {g_all.shape[1]}"
        )
    lr = as_float(lr, "lr")
    mu = as_float(momentum, "momentum")
    b1, b2 = as_float(beta1, "beta1"), as_float(beta2, "beta2")
    eps = as_float(eps, "eps")
    alpha = as_float(alpha, "alpha")

    zeros = torch.zeros_like(theta)
    v, acc, m = zeros.clone(), zeros.clone(), zeros.clone()
    history: list[Any] = []
    states: list[dict[str, Any]] = []
    for t, g in enumerate(g_all, start=1):
        state: dict[str, Any] = {"step": t}
        if name == "sgd":
            theta = theta - lr * g
        elif name in ("momentum", "nesterov"):
            v = mu * v + g
            theta = theta - lr * (g + mu * v if name == "nesterov" else v)
            state["v"] = out(v)
        elif name == "momentum_lr_inside":
            v = mu * v + lr * g
            theta = theta - v
            state["v"] = out(v)
        elif name == "adagrad":
            acc = acc + g * g
            theta = theta - lr * g / (acc.sqrt() + eps)
            state["G"] = out(acc)
        elif name == "rmsprop":
            acc = alpha * acc + (1 - alpha) * g * g
            theta = theta - lr * g / (acc.sqrt() + eps)
            state["s"] = out(acc)
        else:
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            m_hat = m / (1 - b1**t)
            v_hat = v / (1 - b2**t)
            theta = theta - lr * m_hat / (v_hat.sqrt() + eps)
            state.update(m=out(m), v=out(v), m_hat=out(m_hat), v_hat=out(v_hat))
        history.append(out(theta))
        states.append(state)
    return {"params": history, "state": states}
