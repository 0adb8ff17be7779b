"""Shared helpers for the reference modules: device choice, argument checks, JSON output.

Every reference function takes JSON-friendly arguments (numbers, nested lists, dicts,
strings), computes in float64 on the requested device and returns plain Python values
(``tensor.detach().cpu().tolist()``). Bad arguments raise ``ReferenceCallError`` with a
message that names the argument.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import torch

from grader.errors import ReferenceCallError

DTYPE = torch.float64
NO_GPU_MESSAGE = "CUDA was requested but no GPU is available; use --device cpu"


def get_device(device: str) -> torch.device:
    """Turn ``"cpu"``, ``"cuda"`` or ``"cuda:N"`` into a ``torch.device``.

    Asking for CUDA on a machine without a usable GPU raises ``ReferenceCallError``
    with the message "CUDA was requested but no GPU is available; use --device cpu".
    """
    if not isinstance(device, str):
        raise ReferenceCallError(f"device must be 'cpu' or 'cuda', got {device!r}")
    text = device.strip().lower()
    if text == "cpu":
        return torch.device("cpu")
    if text == "cuda" or text.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise ReferenceCallError(NO_GPU_MESSAGE)
        try:
            dev = torch.device(text)
        except RuntimeError as exc:
            raise ReferenceCallError(f"device: cannot use {device!r}: {exc}") from None
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ReferenceCallError(
                f"device: {device!r} asked for GPU {dev.index} but only "
                f"{torch.cuda.device_count()} GPU(s) are available"
            )
        return dev
    raise ReferenceCallError(f"device must be 'cpu' or 'cuda', got {device!r}")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _shape_of(value: Any, name: str) -> tuple[int, ...]:
    """Shape of a rectangular nested list of numbers; raise naming ``name`` otherwise."""
    if _is_number(value):
        if isinstance(value, float) and not math.isfinite(value):
            raise ReferenceCallError(f"{name}: {value!r} is not a finite number")
        return ()
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        if len(value) == 0:
            return (0,)
        shapes = [_shape_of(item, f"{name}[{i}]") for i, item in enumerate(value)]
        first = shapes[0]
        for i, shape in enumerate(shapes):
            if shape != first:
                raise ReferenceCallError(
                    f"{name} is ragged: {name}[0] has shape {list(first)} but "
                    f"{name}[{i}] has shape {list(shape)}"
                )
        return (len(value), *first)
    raise ReferenceCallError(
        f"{name}: expected a number or a nested list of numbers, got {value!r}"
    )


def tensor(
    value: Any,
    name: str,
    device: torch.device,
    *,
    ndim: int | Sequence[int] | None = None,
    requires_grad: bool = False,
) -> torch.Tensor:
    """A float64 tensor from a number or a rectangular nested list.

    ``ndim`` (an int or a collection of allowed ranks) is checked; every problem raises
    ``ReferenceCallError`` naming ``name``.
    """
    shape = _shape_of(value, name)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if len(shape) not in allowed:
            wanted = " or ".join(f"{n}-D" for n in allowed)
            raise ReferenceCallError(
                f"{name}: expected a {wanted} array, got shape {list(shape)} ({len(shape)}-D)"
            )
    result = torch.tensor(value, dtype=DTYPE, device=device)
    if requires_grad:
        result.requires_grad_(True)
    return result


def out(value: torch.Tensor) -> Any:
    """Plain Python numbers / nested lists from a tensor (detached, on the CPU).

    Floating ``-0.0`` is reported as ``0.0``.
    """
    value = value.detach()
    if value.is_floating_point():
        value = value + 0.0
    return value.cpu().tolist()


def as_int(value: Any, name: str, *, minimum: int | None = None) -> int:
    """An ``int`` argument (``bool`` and non-integral floats rejected)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ReferenceCallError(f"{name} must be an integer, got {value!r}")
    if isinstance(value, float):
        if not value.is_integer():
            raise ReferenceCallError(f"{name} must be an integer, got {value!r}")
        value = int(value)
    if minimum is not None and value < minimum:
        raise ReferenceCallError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def as_float(value: Any, name: str) -> float:
    """A finite float argument (``bool`` rejected)."""
    if not _is_number(value) or not math.isfinite(float(value)):
        raise ReferenceCallError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def as_pair(value: Any, name: str, *, minimum: int | None = None) -> tuple[int, int]:
    """An int or a pair of ints (height, width)."""
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        if len(value) != 2:
            raise ReferenceCallError(f"{name} must be an integer or a pair [h, w], got {value!r}")
        return (
            as_int(value[0], f"{name}[0]", minimum=minimum),
            as_int(value[1], f"{name}[1]", minimum=minimum),
        )
    number = as_int(value, name, minimum=minimum)
    return (number, number)


def as_str_list(value: Any, name: str) -> list[str]:
    """A non-empty list of strings."""
    if isinstance(value, str) or not isinstance(value, Sequence) or len(value) == 0:
        raise ReferenceCallError(f"{name} must be a non-empty list of strings, got {value!r}")
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise ReferenceCallError(f"{name}[{i}] must be a string, got {item!r}")
    return list(value)


def choice(value: Any, name: str, options: Sequence[str]) -> str:
    """One of ``options`` (exact match)."""
    if value not in options:
        raise ReferenceCallError(
            f"{name} must be one of {', '.join(repr(o) for o in options)}; got {value!r}"
        )
    return str(value)
