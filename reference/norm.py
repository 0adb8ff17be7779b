"""Statistics used by batch, layer, instance and group normalisation.

Convention: ``x`` is a nested list in layout ``"NC"``, ``"NCL"`` or ``"NCHW"`` (N samples,
C channels, then spatial axes). The statistics are the mean and the variance that the
normalisation subtracts and divides by:

- batch:    per channel, over (N, spatial)            -> shape (C,)
- layer:    per sample, over (C, spatial)             -> shape (N,)
- instance: per (sample, channel), over spatial       -> shape (N, C)
- group:    per (sample, group), over (C/G, spatial)  -> shape (N, G)

``var = sum((x - mean)^2) / n`` (biased, what the normalisation layers use in their
forward pass) or ``/ (n - 1)`` with ``unbiased=True`` (what torch's BatchNorm stores in
``running_var``).
"""

from __future__ import annotations

from typing import Any

from grader.errors import ReferenceCallError
from reference._device import choice, get_device, out, tensor

LAYOUTS = ("NC", "NCL", "NCHW")
KINDS = ("batch", "layer", "instance", "group")


def stats(
    x: list,
    layout: str = "NCL",
    kind: str = "batch",
    groups: int | None = None,
    unbiased: bool = False,
    device: str = "cpu",
) -> dict[str, Any]:
    """Mean and variance used by ``kind`` normalisation of ``x``.

    Returns ``{"mean": nested list, "var": nested list, "count": n}`` where ``n`` is the
    number of values each statistic is taken over. ``unbiased=True`` divides by ``n - 1``
    instead of ``n``. ``groups`` (G) is required for ``kind="group"`` and must divide C.
    """
    dev = get_device(device)
    layout = choice(layout, "layout", LAYOUTS)
    kind = choice(kind, "kind", KINDS)
    if not isinstance(unbiased, bool):
        raise ReferenceCallError(f"unbiased must be true or false, got {unbiased!r}")
    t = tensor(x, "x", dev, ndim=len(layout))
    if t.numel() == 0:
        raise ReferenceCallError(f"x is empty (shape {list(t.shape)})")
    n_samples, channels = t.shape[0], t.shape[1]
    flat = t.reshape(n_samples, channels, -1)  # (N, C, S); "NC" gives S = 1

    if kind == "batch":
        values = flat.transpose(0, 1).reshape(channels, -1)
    elif kind == "layer":
        values = flat.reshape(n_samples, -1)
    elif kind == "instance":
        values = flat
    else:
        if isinstance(groups, bool) or not isinstance(groups, int) or groups < 1:
            raise ReferenceCallError(
                f"groups must be a positive integer for kind='group', got {groups!r}"
            )
        if channels % groups:
            raise ReferenceCallError(
                f"groups={groups} does not divide the {channels} channels of x"
            )
        values = flat.reshape(n_samples, groups, -1)
    if kind != "group" and groups is not None:
        raise ReferenceCallError(f"groups is only used with kind='group' (kind is {kind!r})")

    count = values.shape[-1]
    if unbiased and count < 2:
        raise ReferenceCallError(
            f"unbiased=true needs at least 2 values per statistic; {kind} norm of x with "
            f"layout {layout} has {count}"
        )
    mean = values.mean(dim=-1)
    var = values.var(dim=-1, correction=1 if unbiased else 0)
    return {"mean": out(mean), "var": out(var), "count": int(count)}
