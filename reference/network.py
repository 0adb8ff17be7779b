"""Hand-built (constructive) networks: truth tables and running a submitted network.

Boolean expressions use ``and``, ``or``, ``not``, ``xor`` (any letter case), parentheses,
variable names and the constants 0 and 1. Precedence, tightest first:
``not`` > ``and`` > ``xor`` > ``or``; binary operators group left to right. Parsed by a
small recursive-descent parser (no eval).

A network is a list of fully connected layers ``{"weight": W (out x in), "bias": b (out
values, or one number for every unit), "activation": ...}`` computing
``a = activation(W a_prev + b)``. Activations: ``step(z) = 1 if z >= 0 else 0``,
``sign(z) = 1 if z >= 0 else -1``, ``sigmoid``, ``relu``, ``identity`` (default ``step``).
Truth-table rows list all ``2^n`` inputs with the first variable as the most significant
bit: (0,...,0), (0,...,1), ..., (1,...,1).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from typing import Any

import torch

from grader.errors import ReferenceCallError
from reference._device import DTYPE, as_float, as_str_list, get_device, out

ACTIVATIONS = ("step", "sign", "sigmoid", "relu", "identity")
MAX_VARIABLES = 16
_TOKEN = re.compile(
    r"\s*(?:(?P<word>[A-Za-z_][A-Za-z_0-9]*)|(?P<const>[01])(?![0-9])|(?P<op>[()]))"
)
_KEYWORDS = ("and", "or", "not", "xor")

# --------------------------------------------------------------------------- truth tables

Node = Any  # ("var", name) | ("const", 0/1) | ("not", node) | (op, left, right)


class _BoolParser:
    def __init__(self, text: str, variables: Sequence[str]) -> None:
        self.text = text
        self.variables = set(variables)
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while text[pos:].strip():
            match = _TOKEN.match(text, pos)
            if match is None or match.lastgroup is None:
                bad = pos + len(text[pos:]) - len(text[pos:].lstrip())
                raise self.error(f"unexpected character {text[bad]!r}", bad)
            kind = match.lastgroup
            value, start = match.group(kind), match.start(kind)
            if kind == "word" and value.lower() in _KEYWORDS:
                kind, value = "keyword", value.lower()
            self.tokens.append((kind, value, start))
            pos = match.end()
        self.index = 0
        self.depth = 0

    def error(self, message: str, position: int | None = None) -> ReferenceCallError:
        if position is None:
            position = (
                self.tokens[self.index][2] if self.index < len(self.tokens) else len(self.text)
            )
        return ReferenceCallError(
            f"boolean expression {self.text!r}: {message} at position {position}"
        )

    def peek(self) -> str | None:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        if self.index >= len(self.tokens):
            raise self.error("unexpected end of expression")
        self.index += 1
        return self.tokens[self.index - 1]

    def parse(self) -> Node:
        if not self.tokens:
            raise self.error("empty expression")
        node = self.binary(0)
        if self.index != len(self.tokens):
            raise self.error(f"unexpected {self.peek()!r} (missing operator?)")
        return node

    _LEVELS = ("or", "xor", "and")

    def binary(self, level: int) -> Node:
        if level == len(self._LEVELS):
            return self.unary()
        op = self._LEVELS[level]
        node = self.binary(level + 1)
        while self.peek() == op and self.tokens[self.index][0] == "keyword":
            self.take()
            node = (op, node, self.binary(level + 1))
        return node

    def unary(self) -> Node:
        self.depth += 1
        if self.depth > 100:
            raise self.error("expression nested too deeply")
        kind, value, position = self.take()
        if kind == "keyword" and value == "not":
            node: Node = ("not", self.unary())
        elif kind == "const":
            node = ("const", int(value))
        elif kind == "word":
            if value not in self.variables:
                raise self.error(
                    f"unknown variable {value!r} (variables: {sorted(self.variables)})", position
                )
            node = ("var", value)
        elif value == "(":
            node = self.binary(0)
            if self.peek() != ")":
                raise self.error("missing ')'")
            self.take()
        else:
            raise self.error(f"unexpected {value!r}", position)
        self.depth -= 1
        return node


def _evaluate(node: Node, values: dict[str, int]) -> int:
    tag = node[0]
    if tag == "var":
        return values[node[1]]
    if tag == "const":
        return int(node[1])
    if tag == "not":
        return 1 - _evaluate(node[1], values)
    left, right = _evaluate(node[1], values), _evaluate(node[2], values)
    if tag == "and":
        return left & right
    if tag == "or":
        return left | right
    return left ^ right


def truth_table(outputs: list[str], variables: list[str], device: str = "cpu") -> dict[str, Any]:
    """All ``2^n`` input rows (first variable most significant) and each output's 0/1 value.

    Returns ``{"inputs": [[0/1 per variable] per row], "outputs": [[0/1 per output] per row]}``.
    """
    get_device(device)
    names = as_str_list(variables, "variables")
    exprs = as_str_list(outputs, "outputs")
    if len(set(names)) != len(names):
        raise ReferenceCallError(f"variables contain a repeated name: {names}")
    for name in names:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z_0-9]*", name) or name.lower() in _KEYWORDS:
            raise ReferenceCallError(f"variables: {name!r} is not a valid variable name")
    if len(names) > MAX_VARIABLES:
        raise ReferenceCallError(f"variables: at most {MAX_VARIABLES} variables, got {len(names)}")
    trees = [_BoolParser(text, names).parse() for text in exprs]
    inputs, results = [], []
    for row in itertools.product((0, 1), repeat=len(names)):
        values = dict(zip(names, row, strict=True))
        inputs.append(list(row))
        results.append([_evaluate(tree, values) for tree in trees])
    return {"inputs": inputs, "outputs": results}


# --------------------------------------------------------------------------- networks


class _NetworkProblem(Exception):
    """A problem with the submitted network (reported as ok=False, not raised)."""


def _matrix(value: Any, where: str) -> list[list[float]]:
    if not isinstance(value, Sequence) or isinstance(value, str) or not value:
        raise _NetworkProblem(f"{where} must be a non-empty matrix (list of rows)")
    rows = []
    for r, row in enumerate(value):
        if not isinstance(row, Sequence) or isinstance(row, str) or not row:
            raise _NetworkProblem(f"{where}: row {r + 1} is not a non-empty list of numbers")
        rows.append([_number(v, f"{where}[{r + 1}]") for v in row])
    widths = {len(row) for row in rows}
    if len(widths) != 1:
        raise _NetworkProblem(f"{where}: rows have different lengths {sorted(widths)}")
    return rows


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _NetworkProblem(f"{where}: {value!r} is not a number")
    return float(value)


def _activate(name: str, z: torch.Tensor) -> torch.Tensor:
    if name == "step":
        return (z >= 0).to(z.dtype)
    if name == "sign":
        return torch.where(z >= 0, 1.0, -1.0).to(z.dtype)
    if name == "sigmoid":
        return torch.sigmoid(z)
    if name == "relu":
        return torch.relu(z)
    return z


def _forward(layers: Any, x: torch.Tensor) -> torch.Tensor:
    if not isinstance(layers, Sequence) or isinstance(layers, str) or not layers:
        raise _NetworkProblem("the network must be a non-empty list of layers")
    a = x
    for i, layer in enumerate(layers, start=1):
        where = f"layer {i}"
        if not isinstance(layer, dict) or "weight" not in layer:
            raise _NetworkProblem(f'{where}: must be a dict with a "weight" matrix')
        weight = torch.tensor(
            _matrix(layer["weight"], f"{where}: weight"), dtype=DTYPE, device=x.device
        )
        rows, cols = weight.shape
        if cols != a.shape[1]:
            raise _NetworkProblem(
                f"{where}: weight is {rows}x{cols} but its input has {a.shape[1]} values"
            )
        bias_value = layer.get("bias", 0)
        if isinstance(bias_value, Sequence) and not isinstance(bias_value, str):
            bias_list = [_number(v, f"{where}: bias") for v in bias_value]
            if len(bias_list) != rows:
                raise _NetworkProblem(
                    f"{where}: bias has {len(bias_list)} values but weight has {rows} rows"
                )
            bias = torch.tensor(bias_list, dtype=DTYPE, device=x.device)
        else:
            bias = torch.full(
                (rows,), _number(bias_value, f"{where}: bias"), dtype=DTYPE, device=x.device
            )
        activation = layer.get("activation", "step")
        if activation not in ACTIVATIONS:
            raise _NetworkProblem(
                f"{where}: unknown activation {activation!r} (use one of {', '.join(ACTIVATIONS)})"
            )
        a = _activate(activation, a @ weight.T + bias)
    return a


def run(
    layers: list[dict], inputs: list[list[float]], threshold: float = 0.5, device: str = "cpu"
) -> dict[str, Any]:
    """Run a submitted network on each input row.

    Returns ``{"ok": True, "outputs": [[final layer values] per input], "error": None}`` or,
    when the network itself is malformed (shapes, missing keys, unknown activation),
    ``{"ok": False, "outputs": [], "error": "layer 2: weight is 3x4 but its input has 12
    values"}``. Outputs are the raw final-layer values (``threshold`` is only used by
    ``check``; it is accepted here for a uniform call).
    """
    dev = get_device(device)
    as_float(threshold, "threshold")
    if isinstance(inputs, str) or not isinstance(inputs, Sequence) or not inputs:
        raise ReferenceCallError(f"inputs must be a non-empty list of input rows, got {inputs!r}")
    try:
        rows = _matrix(inputs, "inputs")
    except _NetworkProblem as exc:
        raise ReferenceCallError(str(exc)) from None
    x = torch.tensor(rows, dtype=DTYPE, device=dev)
    try:
        result = _forward(layers, x)
    except _NetworkProblem as exc:
        return {"ok": False, "outputs": [], "error": str(exc)}
    return {"ok": True, "outputs": out(result), "error": None}


def check(
    layers: list[dict],
    outputs: list[str],
    variables: list[str],
    threshold: float = 0.5,
    device: str = "cpu",
) -> dict[str, Any]:
    """Compare a submitted network with the truth table of ``outputs`` over ``variables``.

    A final value counts as 1 when ``>= threshold`` (so sigmoid outputs are thresholded
    here, and ``sign`` outputs -1/1 read as 0/1). Returns ``{"ok", "failing_inputs":
    [{"input", "expected", "got", "raw"}], "error", "checked"}``; ``ok`` is true only when
    the network runs and matches every row.
    """
    cut = as_float(threshold, "threshold")
    table = truth_table(outputs, variables, device=device)
    result = run(layers, table["inputs"], threshold=cut, device=device)
    checked = len(table["inputs"])
    if not result["ok"]:
        return {"ok": False, "failing_inputs": [], "error": result["error"], "checked": 0}
    width = len(result["outputs"][0])
    if width != len(outputs):
        return {
            "ok": False,
            "failing_inputs": [],
            "error": f"the network has {width} output(s) but {len(outputs)} are expected",
            "checked": 0,
        }
    failing = []
    for row, expected, raw in zip(
        table["inputs"], table["outputs"], result["outputs"], strict=True
    ):
        got = [1 if value >= cut else 0 for value in raw]
        if got != expected:
            failing.append({"input": row, "expected": expected, "got": got, "raw": raw})
    return {"ok": not failing, "failing_inputs": failing, "error": None, "checked": checked}
