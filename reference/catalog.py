"""The catalog of reference implementations rubrics may name (imports no torch).

``call("norm.stats", {"x": [...], "kind": "layer"})`` imports ``reference.norm`` lazily,
checks the arguments against the function's signature and calls it with
``device=...``. Unknown names and bad arguments raise ``ReferenceCallError``; any other
failure inside a reference is wrapped in ``ReferenceCallError`` too, naming the reference.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from grader.errors import ReferenceCallError

# Modules in ``reference`` that hold helpers rather than catalog entries.
SUPPORT_MODULES = ("reference.catalog", "reference.expr", "reference._device")


@dataclass(frozen=True)
class RefEntry:
    """One reference: its catalog ``name``, where it lives, and a one-line ``summary``."""

    name: str
    module: str
    function: str
    summary: str


_ENTRIES = [
    RefEntry(
        "norm.stats",
        "reference.norm",
        "stats",
        "mean/var used by batch|layer|instance|group norm of x (NC, NCL, NCHW) -> {mean, var, count}",
    ),
    RefEntry(
        "autograd.jacobian",
        "reference.autograd",
        "jacobian",
        "Jacobian of expression outputs w.r.t. variables at a point -> nested list m x n",
    ),
    RefEntry(
        "autograd.jacobian_composition",
        "reference.autograd",
        "jacobian_composition",
        "Jacobian of outer∘inner at a point (inner outputs feed outer variables) -> nested list",
    ),
    RefEntry(
        "autograd.evaluate",
        "reference.autograd",
        "evaluate",
        "value of an expression at a point -> float",
    ),
    RefEntry(
        "train.step",
        "reference.train",
        "step",
        "one forward/backward/SGD step of a JSON network -> {activations, pre_activations, loss, "
        "output_grads, deltas, grads, updated}",
    ),
    RefEntry(
        "cnn.conv_pool_step",
        "reference.cnn",
        "conv_pool_step",
        "conv (cross-correlation) -> pool -> loss -> SGD on the kernel -> "
        "{O, M, loss, dL_dM, dL_dO, dL_dF, F_new}",
    ),
    RefEntry("counts.linear", "reference.counts", "linear", "linear layer -> {params, macs}"),
    RefEntry(
        "counts.conv2d",
        "reference.counts",
        "conv2d",
        "conv2d layer -> {params, output_size, output_shape, macs}",
    ),
    RefEntry(
        "counts.solve_kernel",
        "reference.counts",
        "solve_kernel",
        "kernel size mapping input_size to output_size -> int",
    ),
    RefEntry(
        "counts.rnn",
        "reference.counts",
        "rnn",
        "rnn|lstm|gru layer -> {params, macs_per_step, gates}",
    ),
    RefEntry(
        "counts.receptive_field",
        "reference.counts",
        "receptive_field",
        "receptive field of a conv/pool stack -> int",
    ),
    RefEntry(
        "optim.trajectory",
        "reference.optim",
        "trajectory",
        "sgd|momentum|momentum_lr_inside|nesterov|adagrad|rmsprop|adam on given grads -> {params, state}",
    ),
    RefEntry(
        "network.truth_table",
        "reference.network",
        "truth_table",
        "truth table of boolean expressions -> {inputs, outputs}",
    ),
    RefEntry(
        "network.run",
        "reference.network",
        "run",
        "run a submitted fully connected network -> {ok, outputs, error}",
    ),
    RefEntry(
        "network.check",
        "reference.network",
        "check",
        "compare a submitted network with a truth table -> {ok, failing_inputs, error, checked}",
    ),
]

CATALOG: dict[str, RefEntry] = {entry.name: entry for entry in _ENTRIES}


def names() -> list[str]:
    """All catalog names, sorted."""
    return sorted(CATALOG)


def _entry(name: Any) -> RefEntry:
    if not isinstance(name, str) or name not in CATALOG:
        close = difflib.get_close_matches(str(name), list(CATALOG), n=3, cutoff=0.5)
        hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ReferenceCallError(f"unknown reference {name!r}{hint} (known: {', '.join(names())})")
    return CATALOG[name]


def resolve(name: str) -> Callable[..., Any]:
    """The function behind catalog ``name`` (imports its module)."""
    entry = _entry(name)
    module = importlib.import_module(entry.module)
    return getattr(module, entry.function)


def signature(name: str) -> str:
    """``name(arg, arg=default, ...)`` for messages and documentation."""
    return f"{name}{inspect.signature(resolve(name))}"


def call(name: str, args: dict[str, Any], device: str = "cpu") -> Any:
    """Call reference ``name`` with keyword ``args`` and ``device``.

    Raises ``ReferenceCallError`` for an unknown name (with a did-you-mean), arguments
    that do not fit the signature, bad argument values, or any failure inside the
    reference.
    """
    func = resolve(name)
    if not isinstance(args, dict):
        raise ReferenceCallError(
            f"{name}: args must be a mapping of argument names to values, got {args!r}"
        )
    bad_keys = [key for key in args if not isinstance(key, str)]
    if bad_keys:
        raise ReferenceCallError(f"{name}: argument names must be strings, got {bad_keys!r}")
    if "device" in args:
        raise ReferenceCallError(f"{name}: pass the device with --device, not as an argument")
    try:
        inspect.signature(func).bind(**args, device=device)
    except TypeError as exc:
        params = [p for p in inspect.signature(func).parameters if p != "device"]
        unknown = [key for key in args if key not in params]
        close = {key: difflib.get_close_matches(key, params, n=1) for key in unknown}
        hints = "".join(f"; {key!r}: did you mean {c[0]!r}?" for key, c in close.items() if c)
        raise ReferenceCallError(f"{name}: {exc} (expected {signature(name)}){hints}") from None
    try:
        return func(**args, device=device)
    except ReferenceCallError as exc:
        raise ReferenceCallError(f"{name}: {exc}") from None
    except Exception as exc:  # a reference crashing is a rubric/reference bug: say which
        raise ReferenceCallError(f"{name} failed: {type(exc).__name__}: {exc}") from exc
