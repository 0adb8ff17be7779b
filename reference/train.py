"""One forward / backward / SGD step of a small network described as JSON.

Layers (applied in order):

- ``{"type": "linear", "weight": [[...]] (out x in), "bias": [...] | null,
  "activation": optional}``: ``z = W a + b`` (``torch.nn.functional.linear``).
- ``{"type": "conv2d", "weight": kernel (2-D single channel, or 4-D out x in x kh x kw),
  "bias": [...] | null, "stride": 1, "padding": 0, "activation": optional}``:
  cross-correlation exactly like ``torch.nn.functional.conv2d`` (no kernel flip).
- ``{"type": "maxpool2d" | "avgpool2d", "kernel": k, "stride": s (default k), "padding": 0}``.
- ``{"type": "sigmoid" | "tanh" | "relu" | "identity"}`` and ``{"type": "flatten"}``.

``activation`` on a linear/conv2d layer (``"sigmoid"``, ``"tanh"``, ``"relu"``,
``"identity"``) fuses the activation into the layer so a textbook "unit" is one layer.

Input shapes: a 1-D input is one sample (vector); a 2-D input is a batch of vectors
``(B, features)`` unless the first spatial layer (conv/pool) comes before any linear
layer, in which case it is one single-channel image ``(H, W)``; 3-D is one image
``(C, H, W)``; 4-D is a batch ``(N, C, H, W)``. Results are reported in the same form
(an added batch axis, and an added single channel axis, are removed again).

Losses (``ŷ`` the network output, ``y`` the target, same shape):

- ``"mse"``: mean over all elements of ``(ŷ - y)^2`` (``F.mse_loss``, reduction mean).
- ``"mse_sum"``: sum of ``(ŷ - y)^2``.
- ``"half_sse"``: ``0.5 * sum (y - ŷ)^2``, the textbook convention whose output delta for
  a sigmoid unit is ``dL/dz = (ŷ - y) ŷ (1 - ŷ)``; the textbook "delta"
  ``(y - ŷ) ŷ (1 - ŷ)`` is its negative (the sign moves into the update ``w += η δ a``).
- ``"bce"``: mean over elements of ``-(y log ŷ + (1 - y) log(1 - ŷ))``; ŷ are probabilities.
- ``"cross_entropy"``: ``F.cross_entropy`` on logits, averaged over the batch; the target
  is class indices (one int per sample) or probabilities of the output's shape.

SGD: ``θ_new = θ - lr * dL/dθ``.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from grader.errors import ReferenceCallError
from reference._device import as_float, as_pair, choice, get_device, out, tensor

LOSSES = ("mse", "mse_sum", "half_sse", "bce", "cross_entropy")
ACTIVATIONS = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "identity": lambda z: z,
}
LAYER_TYPES = ("linear", "conv2d", "maxpool2d", "avgpool2d", "flatten", *ACTIVATIONS)
_KEYS = {
    "linear": {"type", "weight", "bias", "activation"},
    "conv2d": {"type", "weight", "bias", "stride", "padding", "activation"},
    "maxpool2d": {"type", "kernel", "stride", "padding"},
    "avgpool2d": {"type", "kernel", "stride", "padding"},
}


class _Param:
    """A learnable tensor and the shape the rubric wrote it in."""

    def __init__(self, value: Any, name: str, device: torch.device, ndim: tuple[int, ...]):
        self.user = tensor(value, name, device, ndim=ndim)
        self.shape = self.user.shape
        self.tensor = self.user.clone().requires_grad_(True)

    def report(self, value: torch.Tensor) -> Any:
        return out(value.reshape(self.shape))


def _check_layer(layer: Any, i: int) -> str:
    if not isinstance(layer, dict) or "type" not in layer:
        raise ReferenceCallError(f'layers[{i}] must be a dict with a "type", got {layer!r}')
    kind = choice(layer["type"], f"layers[{i}].type", LAYER_TYPES)
    allowed = _KEYS.get(kind, {"type"})
    unknown = set(layer) - allowed
    if unknown:
        raise ReferenceCallError(
            f"layers[{i}] ({kind}) has unknown key(s) {sorted(unknown)}; allowed: {sorted(allowed)}"
        )
    return kind


def _image_input(kinds: list[str]) -> bool:
    """Whether a 2-D input is an image: a conv/pool layer comes before any linear layer."""
    for kind in kinds:
        if kind == "linear":
            return False
        if kind in ("conv2d", "maxpool2d", "avgpool2d"):
            return True
    return False


def _compute_loss(kind: str, output: torch.Tensor, target: Any, dev: torch.device) -> torch.Tensor:
    """The loss of the user-shaped ``output`` against ``target`` (see module doc)."""
    if kind == "cross_entropy":
        t = tensor(target, "target", dev)
        logits = output if output.dim() >= 2 else output.unsqueeze(0)
        if t.shape == output.shape:
            probs = t if output.dim() >= 2 else t.unsqueeze(0)
            return F.cross_entropy(logits, probs)
        idx = t.reshape(-1)
        if idx.numel() != logits.shape[0] or not torch.equal(idx, idx.round()):
            raise ReferenceCallError(
                f"target: for cross_entropy give {logits.shape[0]} class index(es) or "
                f"probabilities of shape {list(output.shape)}, got {target!r}"
            )
        classes = logits.shape[1]
        if (idx < 0).any() or (idx >= classes).any():
            raise ReferenceCallError(
                f"target: class indices must be in 0..{classes - 1}, got {target!r}"
            )
        return F.cross_entropy(logits, idx.long())
    t = tensor(target, "target", dev)
    if t.numel() != output.numel():
        raise ReferenceCallError(
            f"target has {t.numel()} values but the network output has shape {list(output.shape)}"
        )
    t = t.reshape(output.shape)
    if kind == "mse":
        return ((output - t) ** 2).mean()
    if kind == "mse_sum":
        return ((output - t) ** 2).sum()
    if kind == "half_sse":
        return 0.5 * ((t - output) ** 2).sum()
    if ((output <= 0) | (output >= 1)).any():
        raise ReferenceCallError(
            "loss 'bce' needs network outputs strictly between 0 and 1 (end with a sigmoid)"
        )
    return F.binary_cross_entropy(output, t)


def step(
    layers: list[dict],
    input: list,
    target: Any,
    loss: str,
    lr: float,
    device: str = "cpu",
) -> dict[str, Any]:
    """Forward pass, loss, backward pass and one SGD step; every intermediate is returned.

    Result keys (lists have one entry per layer unless said otherwise):

    - ``activations``: each layer's output; ``pre_activations``: the value the layer's
      activation is applied to (``z`` for linear/conv2d, the input of an activation layer,
      the output itself for pool/flatten).
    - ``loss``: float; ``output_grads``: ``dL/d(layer output)``; ``deltas``:
      ``dL/d(pre_activation)``.
    - ``grads`` / ``updated``: one entry per layer *with parameters*,
      ``{"layer": index, "weight": ..., "bias": ... | None}``; ``updated = θ - lr * grad``.
    """
    dev = get_device(device)
    loss = choice(loss, "loss", LOSSES)
    rate = as_float(lr, "lr")
    if not isinstance(layers, list) or not layers:
        raise ReferenceCallError(f"layers must be a non-empty list of layer dicts, got {layers!r}")
    kinds = [_check_layer(layer, i) for i, layer in enumerate(layers)]

    x = tensor(input, "input", dev, ndim=(1, 2, 3, 4))
    unbatched = x.dim() in (1, 3) or (x.dim() == 2 and _image_input(kinds))
    one_channel = x.dim() == 2 and unbatched
    if one_channel:
        x = x.reshape(1, 1, *x.shape)
    elif unbatched:
        x = x.unsqueeze(0)
    x = x.detach().requires_grad_(True)

    def user(t: torch.Tensor) -> torch.Tensor:
        if unbatched:
            t = t[0]
            if one_channel and t.dim() == 3 and t.shape[0] == 1:
                t = t[0]
        return t

    params: list[tuple[int, _Param, _Param | None]] = []
    pre: list[torch.Tensor] = []
    acts: list[torch.Tensor] = []
    a = x
    for i, (layer, kind) in enumerate(zip(layers, kinds, strict=True)):
        where = f"layers[{i}] ({kind})"
        if kind in ("linear", "conv2d"):
            ndim = (2,) if kind == "linear" else (2, 4)
            weight = _Param(layer.get("weight"), f"layers[{i}].weight", dev, ndim)
            bias = None
            if layer.get("bias") is not None:
                bias = _Param(layer["bias"], f"layers[{i}].bias", dev, (0, 1))
            params.append((i, weight, bias))
            b = None if bias is None else bias.tensor.reshape(-1)
            if kind == "linear":
                if a.dim() != 2:
                    raise ReferenceCallError(
                        f"{where}: its input has shape {list(user(a).shape)}; add a flatten layer first"
                    )
                if weight.shape[1] != a.shape[1]:
                    raise ReferenceCallError(
                        f"{where}: weight is {weight.shape[0]}x{weight.shape[1]} but its input has {a.shape[1]} values"
                    )
                if b is not None and b.numel() != weight.shape[0]:
                    raise ReferenceCallError(
                        f"{where}: bias has {b.numel()} values but weight has {weight.shape[0]} rows"
                    )
                z = F.linear(a, weight.tensor, b)
            else:
                w = (
                    weight.tensor.reshape(1, 1, *weight.shape)
                    if len(weight.shape) == 2
                    else weight.tensor
                )
                if a.dim() != 4:
                    raise ReferenceCallError(
                        f"{where}: input must be an image, got shape {list(user(a).shape)}"
                    )
                if w.shape[1] != a.shape[1]:
                    raise ReferenceCallError(
                        f"{where}: weight expects {w.shape[1]} input channel(s) but its input has {a.shape[1]}"
                    )
                if b is not None and b.numel() != w.shape[0]:
                    raise ReferenceCallError(
                        f"{where}: bias has {b.numel()} values but there are {w.shape[0]} output channels"
                    )
                stride = as_pair(layer.get("stride", 1), f"layers[{i}].stride", minimum=1)
                padding = as_pair(layer.get("padding", 0), f"layers[{i}].padding", minimum=0)
                try:
                    z = F.conv2d(a, w, b, stride=stride, padding=padding)
                except RuntimeError as exc:
                    raise ReferenceCallError(f"{where}: {exc}") from None
            act_name = choice(
                layer.get("activation") or "identity", f"layers[{i}].activation", tuple(ACTIVATIONS)
            )
            a_new = ACTIVATIONS[act_name](z)
        elif kind in ACTIVATIONS:
            z = a
            a_new = ACTIVATIONS[kind](z)
        elif kind == "flatten":
            z = a_new = a.flatten(start_dim=1)
        else:
            if a.dim() != 4:
                raise ReferenceCallError(
                    f"{where}: input must be an image, got shape {list(user(a).shape)}"
                )
            kernel = as_pair(layer.get("kernel"), f"layers[{i}].kernel", minimum=1)
            stride = as_pair(
                layer.get("stride", layer.get("kernel")), f"layers[{i}].stride", minimum=1
            )
            padding = as_pair(layer.get("padding", 0), f"layers[{i}].padding", minimum=0)
            pool = F.max_pool2d if kind == "maxpool2d" else F.avg_pool2d
            try:
                z = a_new = pool(a, kernel, stride, padding)
            except RuntimeError as exc:
                raise ReferenceCallError(f"{where}: {exc}") from None
        if z is not a_new:
            z.retain_grad()
        a_new.retain_grad()
        pre.append(z)
        acts.append(a_new)
        a = a_new

    loss_value = _compute_loss(loss, user(a), target, dev)
    loss_value.backward()

    def zero_if_none(t: torch.Tensor) -> torch.Tensor:
        return t.grad if t.grad is not None else torch.zeros_like(t)

    grads, updated = [], []
    for i, weight, bias in params:
        grads.append(
            {
                "layer": i,
                "weight": weight.report(zero_if_none(weight.tensor)),
                "bias": None if bias is None else bias.report(zero_if_none(bias.tensor)),
            }
        )
        with torch.no_grad():
            updated.append(
                {
                    "layer": i,
                    "weight": weight.report(weight.tensor - rate * zero_if_none(weight.tensor)),
                    "bias": None
                    if bias is None
                    else bias.report(bias.tensor - rate * zero_if_none(bias.tensor)),
                }
            )
    return {
        "activations": [out(user(t)) for t in acts],
        "pre_activations": [out(user(t)) for t in pre],
        "loss": float(loss_value.item()),
        "output_grads": [out(user(zero_if_none(t))) for t in acts],
        "deltas": [out(user(zero_if_none(t))) for t in pre],
        "grads": grads,
        "updated": updated,
    }
