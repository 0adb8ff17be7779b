"""Rubric expressions: text -> sympy -> a torch function, without eval/sympify/lambdify.

``to_sympy(text)`` reads plain math such as ``"sin(pi*x2)/pi"`` or ``"exp(x1 - 1)*x2^2"``.
It uses the project's safe parser ``grader.parse.parse_answer`` when that is importable and
accepts the text, and otherwise a small private recursive-descent parser that knows
``+ - * / ^ **``, parentheses, numbers (``2``, ``0.5``, ``1e-3``), names, the functions
``sin cos tan exp log sqrt tanh sigmoid abs relu`` and the constants ``pi`` and ``e``.

``torch_fn(expr, variables)`` walks the sympy tree and returns a function of a 1-D tensor
(the variables' values, in order) built from torch operations only, so autograd works.
Support module: its functions take and return non-JSON values, so it is not in the catalog.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

import sympy
import torch

from grader.errors import ReferenceCallError

MAX_LENGTH = 2000
MAX_DEPTH = 60

# ---------------------------------------------------------------------------------------
# text -> sympy
# ---------------------------------------------------------------------------------------


def to_sympy(text: str) -> sympy.Expr:
    """Parse a rubric expression into a sympy expression (never via eval or sympify)."""
    if not isinstance(text, str) or not text.strip():
        raise ReferenceCallError(f"expression must be a non-empty string, got {text!r}")
    project = _project_parse(text)
    if project is not None:
        return project
    return parse_fallback(text)


def _project_context() -> Any:
    """A permissive ``ParseContext`` (any symbol; sigmoid/relu as functions), or ``None``."""
    try:
        from grader.parse.context import ParseContext
    except ImportError:
        return None
    try:
        return ParseContext(functions=frozenset({"sigmoid", "relu"}))
    except TypeError:
        try:
            return ParseContext()
        except TypeError:
            return None


def _project_parse(text: str) -> sympy.Expr | None:
    """``grader.parse.parse_answer(text, context)`` if available and it yields a scalar.

    Returns ``None`` (so the private parser is used) when the project parser is not
    importable yet, has a different calling convention, or does not return a scalar.
    Symbols named ``pi`` and ``e`` are read as the constants, as the private parser does.
    """
    try:
        from grader import parse as project_parse
    except ImportError:
        return None
    parse_answer = getattr(project_parse, "parse_answer", None)
    if parse_answer is None:
        return None
    try:
        result = parse_answer(text, _project_context())
    except Exception:  # a parser still being written must not break the references
        return None
    value = getattr(result, "value", None)
    if not isinstance(value, sympy.Expr):
        return None
    constants = {
        s: _CONSTANTS[s.name] for s in value.free_symbols if getattr(s, "name", "") in _CONSTANTS
    }
    return value.xreplace(constants) if constants else value


_TOKEN = re.compile(
    r"\s*(?:(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z_0-9]*)"
    r"|(?P<op>\*\*|[-+*/^(),]))"
)

_FUNCTIONS: dict[str, Callable[[sympy.Expr], sympy.Expr]] = {
    "sin": sympy.sin,
    "cos": sympy.cos,
    "tan": sympy.tan,
    "exp": sympy.exp,
    "log": sympy.log,
    "ln": sympy.log,
    "sqrt": sympy.sqrt,
    "tanh": sympy.tanh,
    "abs": sympy.Abs,
    "sigmoid": lambda z: 1 / (1 + sympy.exp(-z)),
    "relu": lambda z: sympy.Max(0, z),
}
_CONSTANTS: dict[str, sympy.Expr] = {"pi": sympy.pi, "e": sympy.E}


def _number(text: str) -> sympy.Expr:
    """An exact sympy number from a decimal literal (integer arithmetic only)."""
    mantissa, _, exponent = text.lower().partition("e")
    value = Fraction(mantissa) * Fraction(10) ** int(exponent or 0)
    if abs(value.numerator) > 10**60 or value.denominator > 10**60:
        raise ReferenceCallError(f"number {text!r} is too large")
    return sympy.Rational(value.numerator, value.denominator)


class _Parser:
    """Recursive descent: expr := term (('+'|'-') term)*; term := unary (('*'|'/') unary)*;
    unary := ('+'|'-') unary | power; power := atom (('^'|'**') unary)?; atom := number |
    constant | name | function '(' expr ')' | '(' expr ')'. ``-x^2`` is ``-(x^2)``,
    ``2^3^2`` is ``2^(3^2)``."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str, int]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            match = _TOKEN.match(text, pos)
            if match is None or match.lastgroup is None:
                bad = pos + len(text[pos:]) - len(text[pos:].lstrip())
                raise self.error(f"unexpected character {text[bad]!r}", bad)
            kind = match.lastgroup
            self.tokens.append((kind, match.group(kind), match.start(kind)))
            pos = match.end()
        self.index = 0
        self.depth = 0

    def error(self, message: str, position: int | None = None) -> ReferenceCallError:
        if position is None:
            position = (
                self.tokens[self.index][2] if self.index < len(self.tokens) else len(self.text)
            )
        return ReferenceCallError(f"expression {self.text!r}: {message} at position {position}")

    def peek(self) -> str | None:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str, int]:
        if self.index >= len(self.tokens):
            if expected is not None:
                raise self.error(f"missing {expected!r}")
            raise self.error("unexpected end of expression")
        token = self.tokens[self.index]
        if expected is not None and token[1] != expected:
            raise self.error(f"expected {expected!r} but found {token[1]!r}")
        self.index += 1
        return token

    def parse(self) -> sympy.Expr:
        if not self.tokens:
            raise self.error("empty expression")
        result = self.expr()
        if self.peek() == ")":
            raise self.error("unmatched ')'")
        if self.index != len(self.tokens):
            raise self.error(f"unexpected {self.peek()!r} (missing operator?)")
        return result

    def expr(self) -> sympy.Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.error("expression nested too deeply")
        result = self.term()
        while self.peek() in ("+", "-"):
            op = self.take()[1]
            right = self.term()
            result = result + right if op == "+" else result - right
        self.depth -= 1
        return result

    def term(self) -> sympy.Expr:
        result = self.unary()
        while self.peek() in ("*", "/"):
            op = self.take()[1]
            right = self.unary()
            result = result * right if op == "*" else result / right
        return result

    def unary(self) -> sympy.Expr:
        if self.peek() in ("+", "-"):
            op = self.take()[1]
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error("expression nested too deeply")
            operand = self.unary()
            self.depth -= 1
            return -operand if op == "-" else operand
        return self.power()

    def power(self) -> sympy.Expr:
        base = self.atom()
        if self.peek() in ("^", "**"):
            self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise self.error("expression nested too deeply")
            exponent = self.unary()
            self.depth -= 1
            return sympy.Pow(base, exponent)
        return base

    def atom(self) -> sympy.Expr:
        kind, value, position = self.take()
        if kind == "number":
            return _number(value)
        if value == "(":
            inner = self.expr()
            self.take(")")
            return inner
        if kind == "name":
            if value in _FUNCTIONS:
                if self.peek() != "(":
                    raise self.error(f"function {value!r} needs parentheses", position)
                self.take("(")
                argument = self.expr()
                if self.peek() == ",":
                    raise self.error(f"function {value!r} takes one argument")
                self.take(")")
                return _FUNCTIONS[value](argument)
            if self.peek() == "(":
                raise self.error(f"unknown function {value!r}", position)
            if value in _CONSTANTS:
                return _CONSTANTS[value]
            return sympy.Symbol(value)
        raise self.error(f"unexpected {value!r}", position)


def parse_fallback(text: str) -> sympy.Expr:
    """The private parser used until ``grader.parse`` is available (see module doc)."""
    if len(text) > MAX_LENGTH:
        raise ReferenceCallError(f"expression is too long ({len(text)} > {MAX_LENGTH} characters)")
    return _Parser(text).parse()


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
