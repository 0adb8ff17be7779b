"""Checker for ``kind: network``: build the student's network with numpy and run it.

The answer is a mapping ``{layers: [{weight, bias, activation?}, ...]}`` (from YAML), or
that mapping (or just the list of layers) written as text in YAML/JSON flow style, as a
write-up's ``\answer{q1}{{layers: [{weight: [[1, 1]], bias: [-0.5]}]}}`` tag gives it
(read by ``grader.structured.load_structured_text``: safe loader, size, nesting and alias
limits; Markdown backticks or a code fence around it are dropped).
``weight`` is ``out x in`` (rows are units, as in torch), or a flat list for a single
unit; a weight written ``in x out`` is accepted when only the transpose fits (noted in
the evidence). ``bias`` is a list or one number. Activations: step (1 if z >= 0 else 0),
sign, sigmoid, relu, identity. The final outputs are read as 1 when >= ``threshold``.

The expected value is ``{inputs: [[...]], outputs: [[...]]}`` (a truth table). Shape
problems are WRONG with what does not fit; partial credit is the fraction of inputs
answered right (``spec.partial_credit``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from grader.check.base import CheckContext
from grader.check.kinds.number import read_number, real_value
from grader.check.parsing import ExpectedValueError
from grader.check.verdict import Status, Verdict
from grader.parse.values import Invalid, Parsed
from grader.structured import StructuredTextError, load_structured_text

__all__ = ["NetworkChecker", "Layer", "run_network"]

ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "step": lambda z: (z >= 0).astype(float),
    "heaviside": lambda z: (z >= 0).astype(float),
    "sign": np.sign,
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500))),
    "relu": lambda z: np.maximum(z, 0.0),
    "identity": lambda z: z,
    "linear": lambda z: z,
    "none": lambda z: z,
}
MAX_UNITS = 10_000


@dataclass(frozen=True)
class Layer:
    weight: np.ndarray  # out x in (2-d)
    bias: np.ndarray  # out
    activation: str | None


def _numbers(raw: Any, ctx: CheckContext, where: str) -> np.ndarray | str:
    """Nested lists of numbers (or number text) -> float array, or an error message."""
    if isinstance(raw, (list, tuple)):
        rows = [_numbers(item, ctx, f"{where}[{index}]") for index, item in enumerate(raw)]
        for row in rows:
            if isinstance(row, str):
                return row
        try:
            return np.array(rows, dtype=float)
        except ValueError:
            return f"{where}: the rows have different lengths"
    parsed = read_number(raw, ctx)
    if isinstance(parsed, Invalid):
        return f"{where}: {parsed.reason}"
    value = real_value(parsed.value)  # type: ignore[arg-type]
    if value is None:
        return f"{where}: not a real number"
    return np.array(value, dtype=float)


_FENCE_LANGUAGE = re.compile(r"^\s*[A-Za-z]+\s+(?=[\[{])")  # ```json {...}```, ```yaml\n[...]```


def _unfence(text: str) -> str:
    """Drop Markdown backticks or a code fence (```json ... ```) around the text."""
    stripped = text.strip()
    if stripped.startswith("```") and stripped.endswith("```") and len(stripped) > 6:
        return _FENCE_LANGUAGE.sub("", stripped[3:-3]).strip()
    if len(stripped) > 2 and stripped[0] == "`" and stripped[-1] == "`":
        return stripped.strip("`").strip()
    return stripped


def _read_layers(raw: Any, ctx: CheckContext) -> list[Layer] | str:
    if isinstance(raw, str):
        try:
            raw = load_structured_text(_unfence(raw))
        except StructuredTextError as exc:
            return f"the network written as text: {exc}; write it as {{layers: [{{weight: [[...]], bias: [...]}}, ...]}}"
    if isinstance(raw, dict) and "layers" in raw:
        raw = raw["layers"]
    if not isinstance(raw, list) or not raw:
        return "expected a mapping with a list of layers, each with a weight and a bias"
    layers = []
    for number, entry in enumerate(raw, start=1):
        if not isinstance(entry, dict) or "weight" not in entry:
            return f"layer {number}: needs a weight (and a bias)"
        unknown = set(entry) - {"weight", "bias", "activation", "name"}
        if unknown:
            return f"layer {number}: unknown keys {', '.join(sorted(map(str, unknown)))}"
        weight = _numbers(entry["weight"], ctx, f"layer {number} weight")
        if isinstance(weight, str):
            return weight
        if weight.ndim == 1:
            weight = weight.reshape(1, -1)
        if weight.ndim != 2:
            return f"layer {number}: the weight must be a matrix (rows are units)"
        bias = _numbers(entry.get("bias", 0.0), ctx, f"layer {number} bias")
        if isinstance(bias, str):
            return bias
        if weight.size > MAX_UNITS or bias.size > MAX_UNITS:
            return f"layer {number}: too large"
        activation = entry.get("activation")
        if activation is not None and str(activation).lower() not in ACTIVATIONS:
            return f"layer {number}: unknown activation {activation!r} (use {', '.join(sorted(ACTIVATIONS))})"
        layers.append(Layer(weight=weight, bias=bias.reshape(-1), activation=None if activation is None else str(activation).lower()))
    return layers


def run_network(layers: list[Layer], inputs: np.ndarray, default_activation: str) -> tuple[np.ndarray | None, str, list[str]]:
    """Outputs for every input row, or (None, shape problem); notes about transposes."""
    values = inputs.astype(float)
    notes: list[str] = []
    for number, layer in enumerate(layers, start=1):
        weight = layer.weight
        width = values.shape[1]
        if weight.shape[1] != width:
            if weight.shape[0] == width and weight.shape[0] != weight.shape[1]:
                weight = weight.T
                notes.append(f"layer {number}: weight read as in x out and transposed")
            else:
                rows, cols = layer.weight.shape
                return None, f"layer {number}: weight is {rows}x{cols} but its input has {width} values", notes
        units = weight.shape[0]
        bias = layer.bias
        if bias.size == 1:
            bias = np.full(units, float(bias[0]))
        if bias.size != units:
            return None, f"layer {number}: bias has {bias.size} values but the layer has {units} units", notes
        activation = ACTIVATIONS[layer.activation or default_activation]
        with np.errstate(all="ignore"):
            values = activation(values @ weight.T + bias)
    return values, "", notes


class NetworkChecker:
    """Runs the submitted network on every input of the truth table."""

    def read(self, spec: Any, raw: Any, ctx: CheckContext) -> Parsed | Invalid:
        layers = _read_layers(raw, ctx)
        if isinstance(layers, str):
            return Invalid(layers, code="bad_network")
        shown = " -> ".join(f"{layer.weight.shape[1]}x{layer.weight.shape[0]}" for layer in layers)
        return Parsed(value=layers, text=str(raw)[:500], shown=f"network with layers {shown}")  # type: ignore[arg-type]

    def compare(self, spec: Any, expected: Any, parsed: Parsed, ctx: CheckContext) -> Verdict:
        if not isinstance(expected, dict) or "inputs" not in expected or "outputs" not in expected:
            raise ExpectedValueError(ctx.part_id, "a network target needs 'inputs' and 'outputs'")
        inputs = np.array(expected["inputs"], dtype=float)
        targets = np.array(expected["outputs"], dtype=float)
        if inputs.ndim == 1:
            inputs = inputs.reshape(-1, 1)
        targets = targets.reshape(len(inputs), -1)
        layers: list[Layer] = parsed.value  # type: ignore[assignment]
        outputs, problem, notes = run_network(layers, inputs, getattr(spec, "activation", "step"))
        evidence: dict[str, Any] = {"notes": notes} if notes else {}
        if outputs is None:
            return Verdict(0.0, Status.WRONG, problem, shown=parsed.shown, evidence=evidence)
        if outputs.shape[1] != targets.shape[1]:
            feedback = f"the network has {outputs.shape[1]} outputs, expected {targets.shape[1]}"
            return Verdict(0.0, Status.WRONG, feedback, shown=parsed.shown, evidence=evidence)
        threshold = getattr(spec, "threshold", 0.5)
        answered = np.where(np.isfinite(outputs) & (outputs >= threshold), 1.0, 0.0)
        right = np.all(answered == targets, axis=1)
        evidence["right"] = int(right.sum())
        evidence["inputs"] = len(inputs)
        if right.all():
            return Verdict(1.0, Status.CORRECT, "correct", shown=parsed.shown, evidence=evidence)
        failing = [str([int(v) if float(v).is_integer() else float(v) for v in inputs[i]]) for i in np.nonzero(~right)[0]]
        more = f" and {len(failing) - 4} more" if len(failing) > 4 else ""
        feedback = f"wrong output for {len(failing)} of {len(inputs)} inputs: {', '.join(failing[:4])}{more}"
        evidence["failing_inputs"] = failing[:32]
        if getattr(spec, "partial_credit", True) and right.any():
            return Verdict(float(right.mean()), Status.PARTIAL, feedback, shown=parsed.shown, evidence=evidence)
        return Verdict(0.0, Status.WRONG, feedback, shown=parsed.shown, evidence=evidence)
