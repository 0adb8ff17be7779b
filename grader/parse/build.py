"""Parse tree -> sympy values, with every numeric limit checked before construction.

Numbers: integers become ``sympy.Integer``; decimals and scientific literals with at
most 15 significant digits become exact ``sympy.Rational`` (``0.1`` is exactly 1/10), longer
ones a ``sympy.Float`` carrying all their digits. Powers: a numeric exponent must satisfy
``|p|, q <= max_exponent`` (for ``p/q``), and a power of numbers whose exact value would
have more than ``max_digits`` digits is rejected, all before ``Pow`` is built. Factorials
of numbers above ``max_factorial`` and binomials with too many digits are rejected too.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import sympy
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions.matexpr import MatrixExpr

from grader.parse.context import (
    Limits,
    ParseContext,
    ParseFailure,
    adapt_identity,
    bound_symbol,
    declared_symbol,
    free_symbol,
)
from grader.parse.nodes import Node
from grader.parse.values import ArrayValue, EquationValue, Invalid, TupleValue, as_array

_LITERAL = re.compile(r"(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")
_CONSTANTS = {"pi": sympy.pi, "E": sympy.E, "oo": sympy.oo}
_UNARY: dict[str, Callable[[Any], Any]] = {
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan, "sec": sympy.sec,
    "csc": sympy.csc, "cot": sympy.cot, "asin": sympy.asin, "acos": sympy.acos,
    "atan": sympy.atan, "acot": sympy.acot, "sinh": sympy.sinh, "cosh": sympy.cosh,
    "tanh": sympy.tanh, "sech": sympy.sech, "csch": sympy.csch, "coth": sympy.coth,
    "asinh": sympy.asinh, "acosh": sympy.acosh, "atanh": sympy.atanh, "exp": sympy.exp,
    # inverse reciprocal functions by their definitions (evaluated everywhere numerically)
    "asec": lambda x: sympy.acos(1 / x), "acsc": lambda x: sympy.asin(1 / x),
    "asech": lambda x: sympy.acosh(1 / x), "acsch": lambda x: sympy.asinh(1 / x),
    "acoth": lambda x: sympy.atanh(1 / x),
    "sqrt": sympy.sqrt, "abs": sympy.Abs, "sign": sympy.sign, "floor": sympy.floor,
    "ceil": sympy.ceiling, "erf": sympy.erf,
    "sigmoid": lambda x: 1 / (1 + sympy.exp(-x)),
    "relu": lambda x: sympy.Max(0, x),
    # activations by their definitions: softplus log(1 + e^x), SiLU/swish x sigma(x),
    # GELU x Phi(x) (the exact form, with erf), softsign x / (1 + |x|)
    "softplus": lambda x: sympy.log(1 + sympy.exp(x)),
    "silu": lambda x: x / (1 + sympy.exp(-x)),
    "gelu": lambda x: x * (1 + sympy.erf(x / sympy.sqrt(2))) / 2,
    "softsign": lambda x: x / (1 + sympy.Abs(x)),
    "heaviside": sympy.Heaviside,
}  # fmt: skip
_OPERATIONS: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
}
_MAX_MATRIX_POWER = 16
_MAX_DET_SIZE = 6
_MAX_DIAGONAL = 64

#: values a node can build to before the final conversion
Built = Any


def number_from_literal(text: str, notes: list[str] | None = None) -> sympy.Number:
    """A sympy number from a checked decimal literal (digits and exponent already bounded)."""
    match = _LITERAL.fullmatch(text)
    if match is None or not (match.group(1) or match.group(2)):
        raise ParseFailure(f"'{text}' is not a number", "syntax")
    whole, fraction, exponent = match.group(1), match.group(2), match.group(3)
    if fraction is None and exponent is None:
        return sympy.Integer(int(whole))
    fraction = fraction or ""
    digits = (whole + fraction) or "0"
    shift = int(exponent or 0) - len(fraction)
    significant = digits.lstrip("0")
    if len(significant) <= 15:
        mantissa = int(digits)
        value: sympy.Number = (
            sympy.Rational(mantissa * 10**shift, 1) if shift >= 0 else sympy.Rational(mantissa, 10**-shift)
        )
    else:
        value = sympy.Float(text, len(significant))
    if exponent is not None and notes is not None:
        if abs(shift) <= 30:
            shown = format(Decimal(text), "f")
            if "." in shown:
                shown = shown.rstrip("0").rstrip(".")
        else:
            shown = str(value)
        notes.append(f"`{text}` read as {shown}")
    return value


def _digits(number: sympy.Number) -> float:
    """About how many decimal digits a number's numerator/denominator have (log10)."""
    if number.is_Rational:
        p, q = abs(int(number.p)), int(number.q)
        return max(math.log10(p) if p else 0.0, math.log10(q))
    try:
        magnitude = abs(float(number))
    except (OverflowError, TypeError, ValueError):
        return math.inf
    if magnitude == 0 or math.isinf(magnitude) or math.isnan(magnitude):
        return 0.0 if magnitude == 0 else math.inf
    return abs(math.log10(magnitude))


def _approx(expr: sympy.Basic) -> float | None:
    """A float estimate of a constant expression, or None when it cannot be had."""
    try:
        value = complex(expr.evalf(15))
    except Exception:
        return None
    if not (math.isfinite(value.real) and math.isfinite(value.imag)):
        return None
    return value.real if value.imag == 0 else abs(value)


def _is_one_by_one(value: Any) -> bool:
    return isinstance(value, (sympy.MatrixBase, MatrixExpr)) and tuple(value.shape) == (1, 1)


def _as_scalar(value: Any) -> Any:
    """A 1x1 matrix where a scalar is needed: its only entry (``Trace`` of a 1x1 expression)."""
    if isinstance(value, sympy.MatrixBase) and value.shape == (1, 1):
        return value[0, 0]
    if isinstance(value, MatrixExpr) and tuple(value.shape) == (1, 1):
        if isinstance(value, sympy.MatMul):
            coeff, matrices = value.as_coeff_mmul()
            if coeff != 1:
                return coeff * sympy.Trace(matrices)
        return sympy.Trace(value)
    return value


class Builder:
    """Turns a ``Node`` tree into a value; ``notes`` gathers reading notes."""

    def __init__(self, context: ParseContext, notes: list[str]) -> None:
        self.context = context
        self.limits: Limits = context.limits
        self.symbols = context.symbols
        self.notes = notes
        self.scope: dict[str, sympy.Symbol] = {}
        self.literals: dict[tuple[int, int], str] = {}  # (p, q) -> decimal as written, for "read as"

    # -- top level ------------------------------------------------------------------

    def build_value(self, node: Node) -> Any:
        """Build the whole answer and convert explicit matrices to ``ArrayValue``."""
        return self.finish(self.build(node), node.pos)

    def finish(self, value: Built, pos: int) -> Any:
        if isinstance(value, sympy.MatrixBase):
            items = tuple(self.finish(item, pos) for item in value)
            return ArrayValue(shape=(value.rows, value.cols), items=items)
        if isinstance(value, TupleValue):
            return TupleValue(tuple(self.finish(item, pos) for item in value.items), value.bracket)
        if isinstance(value, EquationValue):
            return EquationValue(self.finish(value.lhs, pos), self.finish(value.rhs, pos))
        if isinstance(value, ArrayValue):
            return value
        if value.has(sympy.zoo, sympy.nan):
            raise ParseFailure("the answer is undefined (division by zero?)", "undefined", pos)
        return value

    def build(self, node: Node) -> Built:
        handler = getattr(self, "build_" + node.kind)
        return handler(node)

    def scalar(self, node: Node) -> sympy.Basic:
        """Build a node that must be an expression or a matrix (not a tuple/equation)."""
        value = self.build(node)
        if isinstance(value, (TupleValue, EquationValue, ArrayValue)):
            what = "an equation" if isinstance(value, EquationValue) else "a list"
            raise ParseFailure(f"{what} cannot be used inside an expression", "type", node.pos)
        return value

    def expr(self, node: Node, what: str = "this") -> sympy.Expr:
        """Build a node that must be a scalar expression."""
        value = _as_scalar(self.scalar(node))
        if isinstance(value, (sympy.MatrixBase, MatrixExpr)):
            raise ParseFailure(f"{what} needs a scalar, not a matrix", "type", node.pos)
        return value

    @staticmethod
    def apply(pos: int, operation: Callable[..., Any], *args: Any) -> Any:
        """Run a sympy operation; shape/type problems become ``ParseFailure``."""
        try:
            return operation(*args)
        except ParseFailure:
            raise
        except (TypeError, ValueError, AttributeError, NotImplementedError) as exc:
            message = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
            raise ParseFailure(f"cannot combine these values ({message})", "type", pos) from None

    # -- leaves ---------------------------------------------------------------------

    def build_num(self, node: Node) -> sympy.Number:
        try:
            value = number_from_literal(node.value, self.notes)
        except ParseFailure as failure:
            failure.position = node.pos
            raise
        if "." in node.value and isinstance(value, sympy.Rational) and "e" not in node.value.lower():
            self.literals.setdefault((int(value.p), int(value.q)), node.value)
        return value

    def build_const(self, node: Node) -> sympy.Basic:
        return _CONSTANTS[node.value]

    def build_sym(self, node: Node) -> sympy.Basic:
        return self.resolve(node.value, node.pos)

    def resolve(self, name: str, pos: int) -> sympy.Basic:
        if name in self.scope:
            return self.scope[name]
        if self.symbols is None:
            return free_symbol(name)
        info = self.symbols.get(name)
        if info is None:
            allowed = ", ".join(sorted(self.symbols)) or "none"
            raise ParseFailure(f"unknown symbol `{name}` (allowed: {allowed})", "unknown_symbol", pos)
        return declared_symbol(info)

    def build_symcall(self, node: Node) -> Built:
        """``f(x)`` where ``f`` is not declared: a product only if ``f`` is a bound index."""
        if node.value not in self.scope:
            raise ParseFailure(f"`{node.value}` is not a known function", "unknown_function", node.pos)
        if len(node.args) != 1:
            raise ParseFailure(f"`{node.value}` is not a function", "unknown_function", node.pos)
        factor = self.scalar(node.args[0])
        return self.apply(node.pos, lambda a, b: a * b, self.scope[node.value], factor)

    # -- arithmetic -----------------------------------------------------------------

    def build_neg(self, node: Node) -> Built:
        return self.apply(node.pos, lambda a: -a, self.scalar(node.args[0]))

    def build_add(self, node: Node) -> Built:
        return self.chain(node, ("add", "sub"))

    build_sub = build_add

    def build_mul(self, node: Node) -> Built:
        return self.chain(node, ("mul", "div"))

    build_div = build_mul

    def chain(self, node: Node, kinds: tuple[str, str]) -> Built:
        """A left-associative chain (``a + b - c + ...``) built without deep recursion."""
        spine: list[Node] = []
        while node.kind in kinds:
            spine.append(node)
            node = node.args[0]
        value = self.scalar(node)
        for link in reversed(spine):
            if link.kind == "div":
                right = self.scalar(link.args[1])
                if _is_one_by_one(right):  # g^T g / (g^T H g): both read as scalars
                    value, right = _as_scalar(value), _as_scalar(right)
                elif isinstance(right, (sympy.MatrixBase, MatrixExpr)):
                    raise ParseFailure("a denominator needs a scalar, not a matrix", "type", link.args[1].pos)
            else:
                right = self.scalar(link.args[1])
                if link.kind in ("add", "sub") and _is_one_by_one(value) != _is_one_by_one(right):
                    value, right = _as_scalar(value), _as_scalar(right)
            value, right = adapt_identity(value, right, link.kind)
            value = self.apply(link.pos, _OPERATIONS[link.kind], value, right)
            self.check_size(value, link.pos)
        return value

    def check_size(self, value: Built, pos: int) -> None:
        """Exact numbers may not grow past ``max_number_digits`` digits."""
        if isinstance(value, sympy.Rational):
            if _digits(value) > self.limits.max_number_digits:
                raise ParseFailure("a number in the answer is too large", "too_many_digits", pos)

    def build_percent(self, node: Node) -> Built:
        value = self.scalar(node.args[0])
        return self.apply(node.pos, lambda a: a * sympy.Rational(1, 100), value)

    def build_pow(self, node: Node) -> Built:
        base = self.scalar(node.args[0])
        exponent = self.expr(node.args[1], "an exponent")
        return self.power(base, exponent, node.pos)

    def power(self, base: sympy.Basic, exponent: sympy.Expr, pos: int) -> Built:
        """``base**exponent`` after bounding the exponent and the result's size."""
        limits = self.limits
        if isinstance(base, sympy.MatrixBase):
            if not exponent.is_Integer or abs(int(exponent)) > _MAX_MATRIX_POWER:
                raise ParseFailure(
                    f"a matrix power must be an integer of at most {_MAX_MATRIX_POWER}",
                    "exponent_too_large",
                    pos,
                )
            return self.apply(pos, lambda a, b: a**b, base, exponent)
        too_large = ParseFailure(
            f"the exponent is too large (at most {limits.max_exponent})", "exponent_too_large", pos
        )
        if isinstance(exponent, sympy.Number):
            if exponent.is_Rational:
                if abs(int(exponent.p)) > limits.max_exponent or int(exponent.q) > limits.max_exponent:
                    raise too_large
            elif not exponent.is_finite or abs(float(exponent)) > limits.max_exponent:
                raise too_large
            if isinstance(base, sympy.Number) and base != 0:
                size = abs(float(exponent)) * _digits(base)
                if size > limits.max_digits:
                    raise ParseFailure(
                        f"the value would have about {size:.0f} digits (at most {limits.max_digits})",
                        "exponent_too_large",
                        pos,
                    )
        elif exponent.is_number:
            estimate = _approx(exponent)
            if estimate is None or abs(estimate) > limits.max_exponent:
                raise too_large
            if isinstance(base, sympy.Number) and base != 0:
                if abs(estimate) * _digits(base) > limits.max_digits:
                    raise too_large
        result = self.apply(pos, lambda a, b: a**b, base, exponent)
        self.check_size(result, pos)
        return result

    def build_fact(self, node: Node) -> sympy.Expr:
        value = self.expr(node.args[0], "a factorial")
        self.check_factorial(value, node.pos)
        return sympy.factorial(value)

    def check_factorial(self, value: sympy.Expr, pos: int) -> None:
        if not value.is_number:
            return
        estimate = float(value) if isinstance(value, sympy.Number) and value.is_finite else _approx(value)
        if estimate is None or abs(estimate) > self.limits.max_factorial:
            raise ParseFailure(
                f"factorial of a number above {self.limits.max_factorial} is not allowed",
                "factorial_too_large",
                pos,
            )

    def vector(self, node: Node) -> Built:
        """A node built for a transpose: a list becomes a column (``[3, 1, 4]^T``)."""
        value = self.build(node)
        if isinstance(value, (TupleValue, ArrayValue)):
            array = as_array(value)
            if isinstance(array, Invalid):
                raise ParseFailure(array.reason, array.code, node.pos)
            if len(array.shape) == 1:  # a list is a row: its transpose is a column
                return sympy.ImmutableMatrix(1, array.shape[0], list(array.items))
            if len(array.shape) == 2:
                return sympy.ImmutableMatrix(array.shape[0], array.shape[1], list(array.items))
            raise ParseFailure("only a list or a matrix can be transposed", "type", node.pos)
        if isinstance(value, EquationValue):
            raise ParseFailure("an equation cannot be used inside an expression", "type", node.pos)
        return value

    def build_prime(self, node: Node) -> Built:
        """``A'``: the transpose of a matrix or a list; on a scalar a prime is refused
        (it marks a derivative or another quantity, never the same value)."""
        value = self.vector(node.args[0])
        if isinstance(value, (sympy.MatrixBase, MatrixExpr)):
            return self.apply(node.pos, sympy.transpose, value)
        shown = node.args[0].value if node.args[0].kind == "sym" else "an expression"
        raise ParseFailure(
            f"a prime (') on {shown} is not read: write the derivative of a declared function as f'(x), "
            "or another quantity with a subscript",
            "prime",
            node.pos,
        )

    def build_deriv(self, node: Node) -> Built:
        """``f'(x)``: the derivative of a declared function at its argument."""
        call = self.build(node.args[0])
        order = int(node.value)
        argument = call.args[0]
        if isinstance(argument, sympy.Symbol):
            return self.apply(node.pos, lambda: sympy.Derivative(call, (argument, order)))
        dummy = sympy.Dummy("t", real=True)
        inner = call.func(dummy)
        return self.apply(node.pos, lambda: sympy.Subs(sympy.Derivative(inner, (dummy, order)), dummy, argument))

    def build_dderiv(self, node: Node) -> Built:
        """``\\frac{d}{dx} body``: the derivative of body with respect to x."""
        body = self.expr(node.args[0], "a derivative")
        variable = self.resolve(node.args[1].value, node.args[1].pos)
        if not isinstance(variable, sympy.Symbol):
            raise ParseFailure("a derivative needs a scalar variable", "type", node.pos)
        if body.has(AppliedUndef):  # declared functions: evaluated with their definitions
            return self.apply(node.pos, lambda: sympy.Derivative(body, variable))
        return self.apply(node.pos, sympy.diff, body, variable)

    def build_transpose(self, node: Node) -> Built:
        value = self.vector(node.args[0])
        if not isinstance(value, (sympy.MatrixBase, MatrixExpr)):
            self.notes.append("`'` / `^T` of a scalar read as the scalar itself (transpose)")
            return value
        return self.apply(node.pos, sympy.transpose, value)

    def build_transpose_T(self, node: Node) -> Built:
        """``x^T``: transpose of a matrix; a power when ``T`` is a declared scalar."""
        value = self.vector(node.args[0])
        if isinstance(value, (sympy.MatrixBase, MatrixExpr)):
            return self.apply(node.pos, sympy.transpose, value)
        t_known = "T" in self.scope or (self.symbols is not None and "T" in self.symbols)
        if t_known or (self.symbols is None and isinstance(value, sympy.Number)):
            t_value = self.resolve("T", node.pos)
            if isinstance(t_value, MatrixExpr):
                raise ParseFailure("an exponent must be a scalar", "type", node.pos)
            return self.power(value, t_value, node.pos)
        self.notes.append("`^T` read as transpose (of a scalar: the scalar itself)")
        return value

    # -- structures -----------------------------------------------------------------

    def build_group(self, node: Node) -> Built:
        return self.build(node.args[0])

    def build_tuple(self, node: Node) -> TupleValue:
        return TupleValue(tuple(self.build(arg) for arg in node.args), node.value)

    def build_eq(self, node: Node) -> EquationValue:
        return EquationValue(self.scalar(node.args[0]), self.scalar(node.args[1]))

    def build_matrix(self, node: Node) -> Built:
        rows = [[self.expr(cell, "a matrix entry") for cell in row.args] for row in node.args]
        matrix = sympy.ImmutableMatrix(rows)
        if node.value == "vmatrix":
            if matrix.rows != matrix.cols:
                raise ParseFailure("a determinant needs a square matrix", "type", node.pos)
            if matrix.rows > _MAX_DET_SIZE:
                raise ParseFailure("the determinant is too large", "too_many_elements", node.pos)
            return matrix.det()
        return matrix

    def build_bigop(self, node: Node) -> sympy.Expr:
        body, variable, start, stop = node.args
        return self.big_operator(node.value, body, variable, start, stop, node.pos)

    def big_operator(
        self, kind: str, body: Node, variable: Node, start: Node, stop: Node, pos: int
    ) -> sympy.Expr:
        if variable.kind != "sym":
            raise ParseFailure(f"the {kind} index must be a name", "syntax", variable.pos)
        name = variable.value
        lower = self.expr(start, "a limit")
        upper = self.expr(stop, "a limit")
        if self.symbols is not None and name in self.symbols:
            index = self.resolve(name, variable.pos)
        else:
            index = bound_symbol(name)
        saved = self.scope.get(name)
        self.scope[name] = index
        try:
            inner = self.expr(body, f"a {kind}")
        finally:
            if saved is None:
                del self.scope[name]
            else:
                self.scope[name] = saved
        operator = sympy.Sum if kind == "sum" else sympy.Product
        return self.apply(pos, lambda: operator(inner, (index, lower, upper)))

    # -- functions ------------------------------------------------------------------

    def build_ufunc(self, node: Node) -> sympy.Expr:
        args = [self.scalar(arg) for arg in node.args]
        return self.apply(node.pos, lambda: sympy.Function(node.value)(*args))

    def build_call(self, node: Node) -> Built:
        name = node.value
        args = node.args
        pos = node.pos
        if name in ("sum", "product"):
            return self.plain_big_operator(name, args, pos)
        if name == "matrix":
            self.arity(name, args, 1)
            array = as_array(self.build(args[0]))
            if isinstance(array, Invalid):
                raise ParseFailure(array.reason, array.code, pos)
            return array
        if name == "diag":
            return self.diagonal(args, pos)
        if name in _UNARY:
            self.arity(name, args, 1)
            return self.apply(pos, _UNARY[name], self.expr(args[0], f"`{name}`"))
        if name == "log":
            self.arity(name, args, 1, 2)
            values = [self.expr(arg, "`log`") for arg in args]
            return self.apply(pos, sympy.log, *values)
        if name == "root":
            radicand = self.expr(args[0], "a root")
            index = self.expr(args[1], "a root")
            if index == 0:
                raise ParseFailure("a root of index 0", "undefined", pos)
            return self.power(radicand, self.apply(pos, lambda n: 1 / n, index), pos)
        if name in ("max", "min"):
            if not args:
                raise ParseFailure(f"`{name}` needs arguments", "arity", pos)
            values = [self.expr(arg, f"`{name}`") for arg in args]
            return self.apply(pos, sympy.Max if name == "max" else sympy.Min, *values)
        if name == "clip":  # clip(x, low, high) = min(max(x, low), high), as numpy.clip
            self.arity(name, args, 3)
            value, low, high = (self.expr(arg, "`clip`") for arg in args)
            return self.apply(pos, lambda v, a, b: sympy.Min(sympy.Max(v, a), b), value, low, high)
        if name in ("O", "norm"):
            self.arity(name, args, 1) if name == "norm" else None
            values = [self.scalar(arg) for arg in args]
            return self.apply(pos, lambda: sympy.Function(name)(*values))
        if name == "factorial":
            self.arity(name, args, 1)
            value = self.expr(args[0], "a factorial")
            self.check_factorial(value, pos)
            return sympy.factorial(value)
        if name == "binom":
            self.arity(name, args, 2)
            top, bottom = (self.expr(arg, "`binom`") for arg in args)
            self.check_binomial(top, bottom, pos)
            return self.apply(pos, sympy.binomial, top, bottom)
        if name in ("det", "tr"):
            self.arity(name, args, 1)
            return self.matrix_function(name, self.scalar(args[0]), pos)
        raise ParseFailure(f"`{name}` is not a known function", "unknown_function", pos)

    def diagonal(self, args: Sequence[Node], pos: int) -> sympy.ImmutableMatrix:
        """``diag(3, 1)`` or ``diag([3, 1])``: a square matrix with those diagonal entries."""
        if len(args) == 1 and args[0].kind in ("tuple", "group"):
            array = as_array(self.build(args[0]))
            if isinstance(array, Invalid) or len(array.shape) > 1:
                raise ParseFailure("`diag` takes a list of entries", "type", pos)
            entries = list(array.items)
        else:
            entries = [self.expr(arg, "`diag`") for arg in args]
        if not entries or len(entries) > _MAX_DIAGONAL:
            raise ParseFailure(f"`diag` takes 1 to {_MAX_DIAGONAL} entries", "arity", pos)
        return sympy.ImmutableMatrix(sympy.diag(*entries))

    @staticmethod
    def arity(name: str, args: Sequence[Node], *counts: int) -> None:
        if len(args) not in counts:
            wanted = " or ".join(map(str, counts))
            plural = "" if counts == (1,) else "s"
            raise ParseFailure(f"`{name}` takes {wanted} argument{plural}", "arity", args[0].pos if args else None)

    def check_binomial(self, top: sympy.Expr, bottom: sympy.Expr, pos: int) -> None:
        if not (top.is_number and bottom.is_number):
            return
        n, k = _approx(top), _approx(bottom)
        if n is None or k is None:
            raise ParseFailure("binomial of these numbers is not allowed", "factorial_too_large", pos)
        if n < 0 or k < 0 or k > n:
            return
        digits = (math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)) / math.log(10)
        if digits > self.limits.max_digits:
            raise ParseFailure("the binomial coefficient is too large", "factorial_too_large", pos)

    def matrix_function(self, name: str, value: sympy.Basic, pos: int) -> sympy.Expr:
        if isinstance(value, sympy.MatrixBase):
            if value.rows != value.cols:
                raise ParseFailure(f"`{name}` needs a square matrix", "type", pos)
            if name == "det" and value.rows > _MAX_DET_SIZE:
                raise ParseFailure("the determinant is too large", "too_many_elements", pos)
            return value.det() if name == "det" else value.trace()
        if isinstance(value, MatrixExpr):
            operation = sympy.Determinant if name == "det" else sympy.Trace
            return self.apply(pos, operation, value)
        return value

    def plain_big_operator(self, kind: str, args: Sequence[Node], pos: int) -> sympy.Expr:
        """``sum(body, i, 1, n)`` or ``sum(body, (i, 1, n))``."""
        if len(args) == 2 and args[1].kind == "tuple" and len(args[1].args) == 3:
            variable, start, stop = args[1].args
        elif len(args) == 4:
            variable, start, stop = args[1:]
        else:
            raise ParseFailure(
                f"`{kind}` takes (expression, index, start, end), e.g. {kind}(i^2, i, 1, n)",
                "arity",
                pos,
            )
        return self.big_operator(kind, args[0], variable, start, stop, pos)
