"""Parameter, multiply-accumulate and shape counts for common layers (closed forms).

Conventions:

- A MAC is one multiplication (and its accumulation) of a weight by an input value;
  bias additions and activations are not counted. Counts are per sample.
- Conv output size (per spatial axis): ``floor((H + 2p - d (k - 1) - 1) / s) + 1``.
- Conv MACs: ``output elements x (in_channels / groups) x kh x kw`` (positions that fall
  on the zero padding are counted too, as most MAC counters do).
- Receptive field of a stack: ``r = 1 + sum_l (k_l - 1) d_l prod_{i<l} s_i``.

These functions do not need torch (``device`` is accepted and checked so every reference
function can be called the same way); the tests cross-check them against torch modules.
"""

from __future__ import annotations

from typing import Any

from grader.errors import ReferenceCallError
from reference._device import as_int, as_pair, choice, get_device

GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def _bias_flag(bias: Any, name: str = "bias") -> bool:
    if not isinstance(bias, bool):
        raise ReferenceCallError(f"{name} must be true or false, got {bias!r}")
    return bias


def linear(
    in_features: int, out_features: int, bias: bool = True, device: str = "cpu"
) -> dict[str, int]:
    """``y = W x + b``: ``params = in*out (+ out)``, ``macs = in*out``."""
    get_device(device)
    n_in = as_int(in_features, "in_features", minimum=1)
    n_out = as_int(out_features, "out_features", minimum=1)
    has_bias = _bias_flag(bias)
    return {"params": n_in * n_out + (n_out if has_bias else 0), "macs": n_in * n_out}


def _out_size(size: int, k: int, s: int, p: int, d: int, axis: str) -> int:
    span = d * (k - 1) + 1
    if size + 2 * p < span:
        raise ReferenceCallError(
            f"kernel spans {span} {axis} positions (dilation {d}) but the padded input has only {size + 2 * p}"
        )
    return (size + 2 * p - span) // s + 1


def conv2d(
    in_channels: int,
    out_channels: int,
    kernel: int | list[int],
    input_size: int | list[int],
    stride: int | list[int] = 1,
    padding: int | list[int] = 0,
    dilation: int | list[int] = 1,
    groups: int = 1,
    bias: bool = True,
    device: str = "cpu",
) -> dict[str, Any]:
    """Counts for ``nn.Conv2d`` on one ``input_size`` (``H`` or ``[H, W]``) image.

    ``params = out * (in / groups) * kh * kw (+ out)``;
    ``output_size = [H_out, W_out]`` (formula in the module doc);
    ``output_shape = [out, H_out, W_out]``; ``macs = out * H_out * W_out * (in / groups) * kh * kw``.
    """
    get_device(device)
    c_in = as_int(in_channels, "in_channels", minimum=1)
    c_out = as_int(out_channels, "out_channels", minimum=1)
    g = as_int(groups, "groups", minimum=1)
    if c_in % g or c_out % g:
        raise ReferenceCallError(
            f"groups={g} must divide in_channels={c_in} and out_channels={c_out}"
        )
    kh, kw = as_pair(kernel, "kernel", minimum=1)
    h, w = as_pair(input_size, "input_size", minimum=1)
    sh, sw = as_pair(stride, "stride", minimum=1)
    ph, pw = as_pair(padding, "padding", minimum=0)
    dh, dw = as_pair(dilation, "dilation", minimum=1)
    has_bias = _bias_flag(bias)
    h_out = _out_size(h, kh, sh, ph, dh, "height")
    w_out = _out_size(w, kw, sw, pw, dw, "width")
    per_output = (c_in // g) * kh * kw
    return {
        "params": c_out * per_output + (c_out if has_bias else 0),
        "output_size": [h_out, w_out],
        "output_shape": [c_out, h_out, w_out],
        "macs": c_out * h_out * w_out * per_output,
    }


def solve_kernel(
    input_size: int,
    output_size: int,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    device: str = "cpu",
) -> int:
    """The kernel size ``k`` giving ``output_size`` from ``input_size`` (one spatial axis).

    Solves ``out = floor((H + 2p - d (k - 1) - 1) / s) + 1``. With ``s > 1`` several ``k``
    can satisfy the floor; the one returned makes the windows cover the padded input
    exactly, ``(H + 2p - d (k - 1) - 1)`` divisible by ``s``, i.e.
    ``k = 1 + (H + 2p - 1 - s (out - 1)) / d`` (the largest solution). Raises
    ``ReferenceCallError`` if that is not a positive integer.
    """
    get_device(device)
    h = as_int(input_size, "input_size", minimum=1)
    o = as_int(output_size, "output_size", minimum=1)
    s = as_int(stride, "stride", minimum=1)
    p = as_int(padding, "padding", minimum=0)
    d = as_int(dilation, "dilation", minimum=1)
    numerator = h + 2 * p - 1 - s * (o - 1)
    if numerator < 0 or numerator % d:
        largest = (h + 2 * p - 1) // d + 1  # the kernel must fit in the padded input
        floor_fits = [k for k in range(1, largest + 1) if _out_size(h, k, s, p, d, "") == o]
        extra = f"; under floor rounding k in {floor_fits} give it" if floor_fits else ""
        raise ReferenceCallError(
            f"no kernel size maps input_size={h} to output_size={o} exactly with stride={s}, "
            f"padding={p}, dilation={d}{extra}"
        )
    return 1 + numerator // d


def rnn(
    kind: str,
    input_size: int,
    hidden_size: int,
    bias: str | bool = "torch",
    device: str = "cpu",
) -> dict[str, int]:
    """One recurrent layer with ``g`` gate blocks (rnn 1, gru 3, lstm 4).

    ``params = g (H I + H H) + bias terms``, where the bias terms are ``2 g H`` for
    ``bias="torch"`` (or ``True``: torch keeps both ``b_ih`` and ``b_hh``), ``g H`` for
    ``bias="single"`` (the textbook one bias per gate) and 0 for ``False``.
    ``macs_per_step = g (H I + H H)``: the matrix-vector products of one time step
    (elementwise gate products not counted). Also returns ``"gates": g``.
    """
    get_device(device)
    kind = choice(kind, "kind", tuple(GATES))
    n_in = as_int(input_size, "input_size", minimum=1)
    n_hidden = as_int(hidden_size, "hidden_size", minimum=1)
    if bias is True:
        bias = "torch"
    if bias not in ("torch", "single", False):
        raise ReferenceCallError(f"bias must be 'torch', 'single' or false, got {bias!r}")
    g = GATES[kind]
    weights = g * (n_hidden * n_in + n_hidden * n_hidden)
    bias_terms = {"torch": 2 * g * n_hidden, "single": g * n_hidden, False: 0}[bias]
    return {"params": weights + bias_terms, "macs_per_step": weights, "gates": g}


def receptive_field(layers: list[dict], device: str = "cpu") -> int:
    """Receptive field of one output unit of a stack of conv/pool layers (one axis).

    ``layers = [{"kernel": k, "stride": s (default 1), "dilation": d (default 1)}, ...]``
    from input to output; ``r = 1 + sum_l (k_l - 1) d_l prod_{i<l} s_i``.
    """
    get_device(device)
    if not isinstance(layers, list) or not layers:
        raise ReferenceCallError(
            f"layers must be a non-empty list of {{kernel, stride, dilation}}, got {layers!r}"
        )
    field, jump = 1, 1
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict) or "kernel" not in layer:
            raise ReferenceCallError(f'layers[{i}] must be a dict with a "kernel", got {layer!r}')
        unknown = set(layer) - {"kernel", "stride", "dilation", "type", "padding"}
        if unknown:
            raise ReferenceCallError(f"layers[{i}] has unknown key(s) {sorted(unknown)}")
        k = as_int(layer["kernel"], f"layers[{i}].kernel", minimum=1)
        s = as_int(layer.get("stride", 1), f"layers[{i}].stride", minimum=1)
        d = as_int(layer.get("dilation", 1), f"layers[{i}].dilation", minimum=1)
        field += (k - 1) * d * jump
        jump *= s
    return field
