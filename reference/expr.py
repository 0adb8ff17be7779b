"""Rubric expressions: text -> sympy -> a torch function, without eval/sympify/lambdify.

``to_sympy(text)`` reads plain math such as ``"sin(pi*x2)/pi"`` or ``"exp(x1 - 1)*x2^2"``
with the project's safe parser (``grader.parse.parse_answer``), any symbol allowed and
``sigmoid``/``relu`` as functions; names ``pi`` and ``e`` are the constants.

``torch_fn(expr, variables)`` walks the sympy tree and returns a function of a 1-D tensor
(the variables' values, in order) built from torch operations only, so autograd works.
Support module: its functions take and return non-JSON values, so it is not in the catalog.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sympy
import torch

from grader.errors import ReferenceCallError
from grader.parse import Invalid, ParseContext, parse_answer

_CONTEXT = ParseContext(functions=frozenset({"sigmoid", "relu"}), allow_equation=False)
_CONSTANTS: dict[str, sympy.Expr] = {"pi": sympy.pi, "e": sympy.E}

# ---------------------------------------------------------------------------------------
# text -> sympy
# ---------------------------------------------------------------------------------------


def to_sympy(text: str) -> sympy.Expr:
    """Parse a rubric expression into a scalar sympy expression (never via eval or sympify)."""
    if not isinstance(text, str) or not text.strip():
        raise ReferenceCallError(f"expression must be a non-empty string, got {text!r}")
    result = parse_answer(text, _CONTEXT)
    if isinstance(result, Invalid):
        where = f" at position {result.position}" if result.position is not None else ""
        raise ReferenceCallError(f"expression {text!r}: {result.reason}{where}")
    value = result.value
    if not isinstance(value, sympy.Expr):
        raise ReferenceCallError(f"expression {text!r} is not a single scalar expression")
    constants = {
        symbol: _CONSTANTS[symbol.name]
        for symbol in value.free_symbols
        if getattr(symbol, "name", "") in _CONSTANTS
    }
    return value.xreplace(constants) if constants else value


# ---------------------------------------------------------------------------------------
# sympy -> torch
# ---------------------------------------------------------------------------------------

TorchFn = Callable[[torch.Tensor], torch.Tensor]

_UNARY: dict[Any, Callable[[torch.Tensor], torch.Tensor]] = {
    sympy.sin: torch.sin,
    sympy.cos: torch.cos,
    sympy.tan: torch.tan,
    sympy.exp: torch.exp,
    sympy.log: torch.log,
    sympy.tanh: torch.tanh,
    sympy.sinh: torch.sinh,
    sympy.cosh: torch.cosh,
    sympy.asin: torch.asin,
    sympy.acos: torch.acos,
    sympy.atan: torch.atan,
    sympy.Abs: torch.abs,
}
_NAMED: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
}


def _compile(node: sympy.Basic, index: dict[str, int]) -> TorchFn:
    """A closure evaluating ``node`` on the variable vector ``x`` with torch ops."""
    if isinstance(node, sympy.Symbol):
        if node.name not in index:
            known = ", ".join(index) or "none"
            raise ReferenceCallError(
                f"expression uses {node.name!r}, which is not among the variables ({known})"
            )
        i = index[node.name]
        return lambda x: x[i]
    if not node.free_symbols:
        if node.is_real is False or node.has(sympy.zoo, sympy.nan, sympy.oo):
            raise ReferenceCallError(f"expression has a non-real constant {node}")
        try:
            value = float(sympy.N(node, 30))
        except TypeError:
            raise ReferenceCallError(f"expression has a non-real constant {node}") from None
        return lambda x: torch.tensor(value, dtype=x.dtype, device=x.device)
    if isinstance(node, sympy.Add):
        parts = [_compile(arg, index) for arg in node.args]

        def add(x: torch.Tensor) -> torch.Tensor:
            total = parts[0](x)
            for part in parts[1:]:
                total = total + part(x)
            return total

        return add
    if isinstance(node, sympy.Mul):
        parts = [_compile(arg, index) for arg in node.args]

        def mul(x: torch.Tensor) -> torch.Tensor:
            total = parts[0](x)
            for part in parts[1:]:
                total = total * part(x)
            return total

        return mul
    if isinstance(node, sympy.Pow):
        base, exponent = node.args
        base_fn = _compile(base, index)
        if exponent.is_Integer:
            power = int(exponent)
            return lambda x: torch.pow(base_fn(x), power)
        if not exponent.free_symbols:
            fixed = float(exponent)
            if fixed == 0.5:
                return lambda x: torch.sqrt(base_fn(x))
            return lambda x: torch.pow(base_fn(x), fixed)
        exponent_fn = _compile(exponent, index)
        return lambda x: torch.pow(base_fn(x), exponent_fn(x))
    if isinstance(node, (sympy.Max, sympy.Min)):
        parts = [_compile(arg, index) for arg in node.args]
        combine = torch.maximum if isinstance(node, sympy.Max) else torch.minimum

        def extreme(x: torch.Tensor) -> torch.Tensor:
            result = parts[0](x)
            for part in parts[1:]:
                result = combine(result, part(x))
            return result

        return extreme
    if isinstance(node, sympy.Function):
        func = node.func
        op = _UNARY.get(func) or _NAMED.get(getattr(func, "__name__", ""))
        if op is not None and len(node.args) == 1:
            inner = _compile(node.args[0], index)
            return lambda x: op(inner(x))
    raise ReferenceCallError(f"cannot evaluate {type(node).__name__} ({node}) with torch")


def torch_fn(expr: sympy.Expr, variables: Sequence[str]) -> TorchFn:
    """A function ``f(x) -> scalar tensor`` evaluating ``expr`` with torch operations.

    ``x`` is a 1-D tensor holding the values of ``variables`` in order. Symbols are matched
    by name (so their sympy assumptions do not matter). Supported nodes: Add, Mul, Pow,
    Symbol, numbers and constants (pi, E), sin, cos, tan, exp, log, tanh, sinh, cosh,
    asin, acos, atan, sqrt, Abs, Max/Min (relu), and functions named sigmoid / relu.
    """
    names = list(variables)
    if len(set(names)) != len(names):
        raise ReferenceCallError(f"variables contain a repeated name: {names}")
    if not isinstance(expr, sympy.Basic):
        raise ReferenceCallError(f"expected a sympy expression, got {expr!r}")
    return _compile(expr, {name: i for i, name in enumerate(names)})
