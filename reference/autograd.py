"""Jacobians and values of rubric-supplied expressions, computed with torch autograd.

Expressions are plain-math strings (``"sin(pi*x2)/pi"``, ``"exp(x1 - 1)*x2^2"``) read by
``reference.expr.to_sympy`` and evaluated with torch operations (no eval, no lambdify).
The Jacobian of outputs ``f_1..f_m`` with respect to variables ``x_1..x_n`` is the
``m x n`` matrix ``J[i][j] = d f_i / d x_j`` evaluated at ``point``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sympy
import torch

from grader.errors import ReferenceCallError
from reference._device import as_float, as_str_list, get_device, out
from reference.expr import TorchFn, to_sympy, torch_fn


def _vector_fn(outputs: Sequence[str], variables: Sequence[str], what: str) -> TorchFn:
    """``x -> stack([f_1(x), ..., f_m(x)])`` for the expressions in ``outputs``."""
    outs = as_str_list(outputs, f"{what}outputs")
    names = as_str_list(variables, f"{what}variables")
    if len(set(names)) != len(names):
        raise ReferenceCallError(f"{what}variables contain a repeated name: {names}")
    fns = []
    for i, text in enumerate(outs):
        try:
            fns.append(torch_fn(to_sympy(text), names))
        except ReferenceCallError as exc:
            raise ReferenceCallError(f"{what}outputs[{i}]: {exc}") from None

    def vector(x: torch.Tensor) -> torch.Tensor:
        return torch.stack([fn(x).reshape(()).to(x.dtype) for fn in fns])

    return vector


def _point(point: Any, n: int, device: torch.device) -> torch.Tensor:
    if isinstance(point, (str, bytes)) or not isinstance(point, Sequence):
        raise ReferenceCallError(f"point must be a list of {n} numbers, got {point!r}")
    if len(point) != n:
        raise ReferenceCallError(f"point has {len(point)} values but there are {n} variables")
    values = [as_float(v, f"point[{i}]") for i, v in enumerate(point)]
    return torch.tensor(values, dtype=torch.float64, device=device)


def _jacobian(fn: TorchFn, x: torch.Tensor) -> list[list[float]]:
    jac = torch.autograd.functional.jacobian(fn, x)
    if not torch.isfinite(jac).all():
        raise ReferenceCallError(f"the Jacobian is not finite at point {out(x)}: {out(jac)}")
    return out(jac)


def jacobian(
    outputs: list[str], variables: list[str], point: list[float] | None = None, device: str = "cpu"
) -> list[list[float]] | list[list[str]]:
    """``J[i][j] = d outputs[i] / d variables[j]`` at ``point`` (``len(outputs) x len(variables)``).

    Computed with ``torch.autograd.functional.jacobian`` in float64. Without ``point``, the
    symbolic Jacobian: each entry is expression text (sympy differentiation), for an
    ``array`` part whose answer is a matrix of expressions.
    """
    if point is None:
        return _symbolic_jacobian(outputs, variables)
    dev = get_device(device)
    fn = _vector_fn(outputs, variables, "")
    return _jacobian(fn, _point(point, len(variables), dev))


def _symbolic_jacobian(outputs: Sequence[str], variables: Sequence[str]) -> list[list[str]]:
    """The Jacobian's entries as expression text (``"cos(pi*x2)"``), rows = outputs."""
    from grader.parse import to_text

    outs = as_str_list(outputs, "outputs")
    names = as_str_list(variables, "variables")
    if len(set(names)) != len(names):
        raise ReferenceCallError(f"variables contain a repeated name: {names}")
    rows = []
    for i, text in enumerate(outs):
        try:
            expression = to_sympy(text)
        except ReferenceCallError as exc:
            raise ReferenceCallError(f"outputs[{i}]: {exc}") from None
        symbols = {str(symbol): symbol for symbol in expression.free_symbols}
        row = []
        for name in names:
            symbol = symbols.get(name)
            row.append(to_text(sympy.diff(expression, symbol)) if symbol is not None else "0")
        rows.append(row)
    return rows


def jacobian_composition(
    inner: dict[str, list[str]],
    outer: dict[str, list[str]],
    point: list[float],
    device: str = "cpu",
) -> list[list[float]]:
    """Jacobian of ``outer ∘ inner`` at ``point`` (chain rule: ``J_outer(inner(p)) @ J_inner(p)``).

    ``inner = {"outputs": [...], "variables": [...]}`` and likewise ``outer``; inner output
    ``k`` is fed to outer variable ``k``, so ``len(inner.outputs) == len(outer.variables)``.
    The result is ``len(outer.outputs) x len(inner.variables)``.
    """
    dev = get_device(device)
    for label, spec in (("inner", inner), ("outer", outer)):
        if not isinstance(spec, dict) or set(spec) != {"outputs", "variables"}:
            raise ReferenceCallError(
                f'{label} must be {{"outputs": [...], "variables": [...]}}, got {spec!r}'
            )
    inner_fn = _vector_fn(inner["outputs"], inner["variables"], "inner.")
    outer_fn = _vector_fn(outer["outputs"], outer["variables"], "outer.")
    if len(inner["outputs"]) != len(outer["variables"]):
        raise ReferenceCallError(
            f"inner has {len(inner['outputs'])} outputs but outer has "
            f"{len(outer['variables'])} variables; they must match (inner output k feeds outer variable k)"
        )
    x = _point(point, len(inner["variables"]), dev)
    return _jacobian(lambda v: outer_fn(inner_fn(v)), x)


def evaluate(
    expression: str, variables: list[str], point: list[float], device: str = "cpu"
) -> float:
    """The value of ``expression`` at ``point`` (variables bound in order), as a float."""
    dev = get_device(device)
    fn = _vector_fn([expression], variables, "")
    value = fn(_point(point, len(variables), dev))[0]
    if not torch.isfinite(value):
        raise ReferenceCallError(
            f"expression {expression!r} is not finite at point {point}: {value.item()}"
        )
    return float(value.item())
