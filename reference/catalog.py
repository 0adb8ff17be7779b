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


REQUIRED = "required"


@dataclass(frozen=True)
class Arg:
    """One argument of a reference: its name, type and default (``REQUIRED`` when it has none)."""

    name: str
    type: str
    default: str = REQUIRED


@dataclass(frozen=True)
class RefEntry:
    """One reference: its catalog ``name``, where it lives, a one-line ``summary``, and for
    ``grader key refs --verbose`` its arguments, what its result holds (the paths
    ``select:`` takes) and a one-line example. Written here rather than read from the
    function, so listing them imports no torch; a test keeps them equal to the signatures
    and runs every example."""

    name: str
    module: str
    function: str
    summary: str
    args: tuple[Arg, ...] = ()
    result: str = ""
    example: str = ""


_ENTRIES = [
    RefEntry(
        "norm.stats",
        "reference.norm",
        "stats",
        "mean/var used by batch|layer|instance|group norm of x (NC, NCL, NCHW) -> {mean, var, count}",
        args=(
            Arg("x", "list"),
            Arg("layout", "str", "'NCL'"),
            Arg("kind", "str", "'batch'"),
            Arg("groups", "int | None", "None"),
            Arg("unbiased", "bool", "False"),
        ),
        result="{mean: list of numbers (one per normalised group), var: list of numbers, count: int}; "
        "select mean, var, count, mean.0, ...",
        example="{ref: norm.stats, args: {x: [[[1, 2], [3, 5]]], layout: NCL, kind: batch}, select: mean}",
    ),
    RefEntry(
        "autograd.jacobian",
        "reference.autograd",
        "jacobian",
        "Jacobian of expression outputs w.r.t. variables at a point (no point: symbolic) -> nested list m x n",
        args=(Arg("outputs", "list[str]"), Arg("variables", "list[str]"), Arg("point", "list[float] | None", "None")),
        result="nested list, len(outputs) x len(variables) (numbers; without point, expression text); select a row (0) or an entry (0.1)",
        example="{ref: autograd.jacobian, args: {outputs: ['x*y', 'x+y'], variables: [x, y], point: [1, 2]}}",
    ),
    RefEntry(
        "autograd.jacobian_composition",
        "reference.autograd",
        "jacobian_composition",
        "Jacobian of outer∘inner at a point (inner outputs feed outer variables) -> nested list",
        args=(
            Arg("inner", "dict[str, list[str]]"),
            Arg("outer", "dict[str, list[str]]"),
            Arg("point", "list[float]"),
        ),
        result="nested list, len(outer outputs) x len(inner variables); select a row or an entry",
        example="{ref: autograd.jacobian_composition, args: {inner: {outputs: ['x*y'], variables: [x, y]}, "
        "outer: {outputs: ['u**2'], variables: [u]}, point: [1, 2]}}",
    ),
    RefEntry(
        "autograd.evaluate",
        "reference.autograd",
        "evaluate",
        "value of an expression at a point -> float",
        args=(Arg("expression", "str"), Arg("variables", "list[str]"), Arg("point", "list[float]")),
        result="one number (no select)",
        example="{ref: autograd.evaluate, args: {expression: 'x**2 + y', variables: [x, y], point: [3, 1]}}",
    ),
    RefEntry(
        "train.step",
        "reference.train",
        "step",
        "one forward/backward/SGD step of a JSON network -> {activations, pre_activations, loss, "
        "output_grads, deltas, grads, updated}",
        args=(Arg("layers", "list[dict]"), Arg("input", "list"), Arg("target", "Any"), Arg("loss", "str"), Arg("lr", "float")),
        result="{activations, pre_activations: one per layer; loss: number; output_grads, deltas: one per layer; "
        "grads, updated: one {weight, bias} per layer}; select e.g. loss, deltas.0, grads.0.weight, updated.1.bias.0",
        example="{ref: train.step, args: {layers: [{type: linear, weight: [[1, 0.5]], bias: [0], activation: sigmoid}], "
        "input: [1, 2], target: [1], loss: half_sse, lr: 0.5}, select: updated.0.weight}",
    ),
    RefEntry(
        "cnn.conv_pool_step",
        "reference.cnn",
        "conv_pool_step",
        "conv (cross-correlation) -> pool -> loss -> SGD on the kernel -> "
        "{O, M, loss, dL_dM, dL_dO, dL_dF, F_new}",
        args=(
            Arg("x", "list"),
            Arg("kernel", "list"),
            Arg("target", "list"),
            Arg("lr", "float"),
            Arg("pool_kernel", "int", "2"),
            Arg("pool_stride", "int", "1"),
            Arg("loss", "str", "'mse'"),
            Arg("pool", "str", "'max'"),
            Arg("stride", "int", "1"),
            Arg("padding", "int", "0"),
        ),
        result="{O: conv output, M: pooled, loss: number, dL_dM, dL_dO, dL_dF: matrices, F_new: updated kernel}; "
        "select e.g. O, loss, F_new, O.0.1",
        example="{ref: cnn.conv_pool_step, args: {x: [[1, 2, 0], [0, 1, 3], [2, 1, 0]], kernel: [[1, 0], [0, -1]], "
        "target: [[0]], lr: 0.1}, select: F_new}",
    ),
    RefEntry(
        "counts.linear",
        "reference.counts",
        "linear",
        "linear layer -> {params, macs}",
        args=(Arg("in_features", "int"), Arg("out_features", "int"), Arg("bias", "bool", "True")),
        result="{params: int, macs: int}; select params or macs",
        example="{ref: counts.linear, args: {in_features: 784, out_features: 10}, select: params}",
    ),
    RefEntry(
        "counts.conv2d",
        "reference.counts",
        "conv2d",
        "conv2d layer -> {params, output_size, output_shape, macs}",
        args=(
            Arg("in_channels", "int"),
            Arg("out_channels", "int"),
            Arg("kernel", "int | list[int]"),
            Arg("input_size", "int | list[int]"),
            Arg("stride", "int | list[int]", "1"),
            Arg("padding", "int | list[int]", "0"),
            Arg("dilation", "int | list[int]", "1"),
            Arg("groups", "int", "1"),
            Arg("bias", "bool", "True"),
        ),
        result="{params: int, output_size: [H, W], output_shape: [C, H, W], macs: int}; "
        "select params, macs, output_size.0, ...",
        example="{ref: counts.conv2d, args: {in_channels: 3, out_channels: 16, kernel: 3, input_size: 32, padding: 1}, "
        "select: params}",
    ),
    RefEntry(
        "counts.solve_kernel",
        "reference.counts",
        "solve_kernel",
        "kernel size mapping input_size to output_size -> int",
        args=(
            Arg("input_size", "int"),
            Arg("output_size", "int"),
            Arg("stride", "int", "1"),
            Arg("padding", "int", "0"),
            Arg("dilation", "int", "1"),
        ),
        result="one int (no select)",
        example="{ref: counts.solve_kernel, args: {input_size: 32, output_size: 28}}",
    ),
    RefEntry(
        "counts.rnn",
        "reference.counts",
        "rnn",
        "rnn|lstm|gru layer -> {params, macs_per_step, gates}",
        args=(Arg("kind", "str"), Arg("input_size", "int"), Arg("hidden_size", "int"), Arg("bias", "str | bool", "'torch'")),
        result="{params: int, macs_per_step: int, gates: int}; select params, macs_per_step or gates",
        example="{ref: counts.rnn, args: {kind: lstm, input_size: 10, hidden_size: 20}, select: params}",
    ),
    RefEntry(
        "counts.receptive_field",
        "reference.counts",
        "receptive_field",
        "receptive field of a conv/pool stack -> int",
        args=(Arg("layers", "list[dict]"),),
        result="one int (no select)",
        example="{ref: counts.receptive_field, args: {layers: [{kernel: 3, stride: 1}, {kernel: 2, stride: 2}]}}",
    ),
    RefEntry(
        "optim.trajectory",
        "reference.optim",
        "trajectory",
        "sgd|momentum|momentum_lr_inside|nesterov|adagrad|rmsprop|adam on given grads -> {params, state}",
        args=(
            Arg("name", "str"),
            Arg("params", "list[float]"),
            Arg("grads", "list[list[float]]"),
            Arg("lr", "float"),
            Arg("momentum", "float", "0.9"),
            Arg("beta1", "float", "0.9"),
            Arg("beta2", "float", "0.999"),
            Arg("eps", "float", "1e-08"),
            Arg("alpha", "float", "0.99"),
        ),
        result="{params: the parameters at each step (params.0 = the start), state: the optimizer state at each step}; "
        "select e.g. params.1 or params.1.0",
        example="{ref: optim.trajectory, args: {name: momentum, params: [1.0], grads: [[0.5], [0.25]], lr: 0.1}, "
        "select: params.1.0}",
    ),
    RefEntry(
        "network.truth_table",
        "reference.network",
        "truth_table",
        "truth table of boolean expressions -> {inputs, outputs}",
        args=(Arg("outputs", "list[str]"), Arg("variables", "list[str]")),
        result="{inputs: 0/1 rows, outputs: 0/1 rows (one value per output)}; select inputs or outputs",
        example="{ref: network.truth_table, args: {outputs: ['x and not y'], variables: [x, y]}, select: outputs}",
    ),
    RefEntry(
        "network.run",
        "reference.network",
        "run",
        "run a submitted fully connected network -> {ok, outputs, error}",
        args=(Arg("layers", "list[dict]"), Arg("inputs", "list[list[float]]"), Arg("threshold", "float", "0.5")),
        result="{ok: bool, outputs: one row per input, error: text or null}; select outputs",
        example="{ref: network.run, args: {layers: [{weight: [[1, 1]], bias: [-1.5]}], inputs: [[0, 0], [1, 1]]}, "
        "select: outputs}",
    ),
    RefEntry(
        "network.check",
        "reference.network",
        "check",
        "compare a submitted network with a truth table -> {ok, failing_inputs, error, checked}",
        args=(
            Arg("layers", "list[dict]"),
            Arg("outputs", "list[str]"),
            Arg("variables", "list[str]"),
            Arg("threshold", "float", "0.5"),
        ),
        result="{ok: bool, failing_inputs: rows, error: text or null, checked: int}",
        example="{ref: network.check, args: {layers: [{weight: [[1, 1]], bias: [-1.5]}], outputs: ['x and y'], "
        "variables: [x, y]}, select: ok}",
    ),
]

CATALOG: dict[str, RefEntry] = {entry.name: entry for entry in _ENTRIES}


def names() -> list[str]:
    """All catalog names, sorted."""
    return sorted(CATALOG)


def describe(name: str, verbose: bool = True) -> str:
    """Text for ``grader key refs [--verbose] [NAME]`` (imports no torch)."""
    entry = _entry(name)
    if not verbose:
        return f"{entry.name:30} {entry.summary}"
    width = max((len(arg.name) for arg in entry.args), default=0)
    lines = [f"{entry.name}: {entry.summary}", "  arguments:"]
    for arg in entry.args:
        default = "required" if arg.default == REQUIRED else f"default {arg.default}"
        lines.append(f"    {arg.name.ljust(width)}  {arg.type}  ({default})")
    lines.append("    (device is set by 'grader key build --device', never in a rubric)")
    lines.append(f"  result: {entry.result}")
    lines.append(f"  example: expected: {entry.example}")
    return "\n".join(lines)


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
