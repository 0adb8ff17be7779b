"""A convolution -> pooling -> loss step with the names used in CNN homework.

``O = X ⋆ F`` (cross-correlation, like ``torch.nn.functional.conv2d``: no kernel flip),
``M = pool(O)``, ``L = loss(M, target)`` and one SGD step on the kernel
``F_new = F - lr * dL/dF``. With MSE, ``L = mean((M - target)^2)`` over all entries of M,
so ``dL/dM = 2 (M - target) / M.size``. Max pooling routes each ``dL/dM`` entry to the
position of its window's maximum (ties: the first maximum in row-major order, as torch
does); ``dL/dF = X ⋆ dL/dO`` (the input cross-correlated with the output gradient).
"""

from __future__ import annotations

from typing import Any

from grader.errors import ReferenceCallError
from reference import train
from reference._device import choice


def conv_pool_step(
    x: list,
    kernel: list,
    target: list,
    lr: float,
    pool_kernel: int = 2,
    pool_stride: int = 1,
    loss: str = "mse",
    pool: str = "max",
    stride: int = 1,
    padding: int = 0,
    device: str = "cpu",
) -> dict[str, Any]:
    """One step of ``X -> conv(F, stride, padding, no bias) -> pool -> loss``.

    ``x`` and ``kernel`` are 2-D (single channel). ``pool`` is ``"max"`` or ``"avg"``.
    ``loss`` is one of ``reference.train.LOSSES`` (``"mse"`` = mean over the entries of M).
    Returns ``{"O", "M", "loss", "dL_dM", "dL_dO", "dL_dF", "F_new"}``.
    """
    pool = choice(pool, "pool", ("max", "avg"))
    for name, value in (("x", x), ("kernel", kernel)):
        if not (isinstance(value, list) and value and isinstance(value[0], list)):
            raise ReferenceCallError(
                f"{name} must be a 2-D nested list (single channel), got {value!r}"
            )
        if value[0] and isinstance(value[0][0], list):
            raise ReferenceCallError(
                f"{name} must be 2-D (single channel); use train.step for more channels"
            )
    layers: list[dict[str, Any]] = [
        {"type": "conv2d", "weight": kernel, "bias": None, "stride": stride, "padding": padding},
        {"type": f"{pool}pool2d", "kernel": pool_kernel, "stride": pool_stride},
    ]
    result = train.step(layers, x, target, loss, lr, device=device)
    return {
        "O": result["activations"][0],
        "M": result["activations"][1],
        "loss": result["loss"],
        "dL_dM": result["output_grads"][1],
        "dL_dO": result["output_grads"][0],
        "dL_dF": result["grads"][0]["weight"],
        "F_new": result["updated"][0]["weight"],
    }
