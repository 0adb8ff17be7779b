"""Fast numeric evaluation of parsed sympy trees (never of text).

``compile_numeric(expr, mode)`` turns a sympy expression into a tree of Python closures
once; calling it with an environment (symbol -> value) evaluates it at one point. Two
modes:

- ``"fp"``: Python complex numbers (``cmath``) and float64 numpy arrays. Used for fast
  rejection: tens of microseconds per point for a typical answer.
- ``"mp"``: mpmath numbers at the current ``mpmath.mp.dps`` (50 digits for numeric
  confirmation); matrices are numpy object arrays of mpmath numbers.

Complex arithmetic follows sympy's principal branches, so ``sqrt(x)**2`` and ``x`` agree
everywhere and ``sqrt(x**2)`` and ``x`` differ at negative ``x``. Each Add records the
largest magnitude of its terms: ``Compiled.scale`` is the size of the numbers that
cancelled, used for a scale-aware absolute tolerance.

Anything that cannot be evaluated raises ``EvaluationError`` (domain errors, division by
zero, overflow, an unsupported node, a sum that is too long).
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import mpmath
import numpy as np
import sympy
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions import (
    Determinant,
    HadamardProduct,
    Identity,
    Inverse,
    MatAdd,
    MatMul,
    MatPow,
    MatrixSymbol,
    OneMatrix,
    Trace,
    Transpose,
    ZeroMatrix,
)
from sympy.matrices.expressions.matexpr import MatrixElement

__all__ = ["Compiled", "EvaluationError", "Mode", "compile_numeric", "point_key", "MAX_LOOP"]

Mode = Literal["fp", "mp"]
Env = Mapping[Any, Any]
Fn = Callable[[Env], Any]
Outcome = tuple[Any, float, float, "str | None"]  # value, scale, cancellation, error message

MAX_LOOP = 20_000  # total terms of one Sum/Product evaluation


class EvaluationError(Exception):
    """The expression has no (finite, computable) value at this point."""


@dataclass
class Compiled:
    """A compiled expression: call ``evaluate(env)``; ``scale`` is set by each call.

    With ``memo_size`` > 0 the outcomes at the last ``memo_size`` points are kept: by the
    point object itself (the checker's probe points are shared, read-only, by every answer
    of a part: ``grader.check.equivalence``) and, with ``keyed``, by the point's values
    (``point_key``: matrix expressions, whose points are converted anew for each
    high-precision recheck). A kept outcome is what the evaluation gave (a value, or the
    EvaluationError it raised) with the scale and cancellation it recorded, at the same
    working precision; arrays are handed out as copies.
    """

    fn: Fn
    cell: list[float] = field(default_factory=lambda: [0.0, 0.0])
    memo_size: int = 0
    keyed: bool = False
    memo: dict[Any, Outcome] = field(default_factory=dict)
    by_point: dict[int, tuple[Env, int, Outcome]] = field(default_factory=dict)

    @property
    def scale(self) -> float:
        return self.cell[0]

    @property
    def cancellation(self) -> float:
        """The largest ratio of a sum's biggest term to the sum itself in the last call: about
        10**k means k digits were lost to cancellation."""
        return self.cell[1]

    def evaluate(self, env: Env) -> Any:
        if self.memo_size <= 0:
            return self._evaluate(env)
        digits = mpmath.mp.dps
        kept = self.by_point.get(id(env))
        if kept is not None and kept[0] is env and kept[1] == digits:
            return self._replay(kept[2])
        key = point_key(env) if self.keyed else None
        outcome = self.memo.get(key) if key is not None else None
        if outcome is None:
            try:
                value = self._evaluate(env)
            except EvaluationError as exc:
                outcome = (None, self.cell[0], self.cell[1], str(exc))
            else:
                outcome = (value.copy() if _is_array(value) else value, self.cell[0], self.cell[1], None)
            if key is not None:
                _keep(self.memo, key, outcome, self.memo_size)
        _keep(self.by_point, id(env), (env, digits, outcome), self.memo_size)
        return self._replay(outcome)

    def _replay(self, outcome: Outcome) -> Any:
        value, self.cell[0], self.cell[1], error = outcome
        if error is not None:
            raise EvaluationError(error)
        return value.copy() if _is_array(value) else value

    def _evaluate(self, env: Env) -> Any:
        self.cell[0] = 0.0
        self.cell[1] = 0.0
        try:
            return self.fn(env)
        except EvaluationError:
            raise
        except (ValueError, ZeroDivisionError, OverflowError, TypeError, ArithmeticError) as exc:
            raise EvaluationError(f"{type(exc).__name__}: {exc}") from None
        except np.linalg.LinAlgError as exc:
            raise EvaluationError(f"singular matrix: {exc}") from None


def _keep(store: dict[Any, Any], key: Any, item: Any, size: int) -> None:
    store.pop(key, None)
    while len(store) >= size:
        store.pop(next(iter(store)))
    store[key] = item


def point_key(env: Env) -> tuple[Any, ...] | None:
    """A hashable copy of a probe point, exact to the bit (``-0.0`` is not ``0.0``), with
    the working precision (mp arithmetic depends on it); None when a value is of another
    kind (a probe function, ...): such a point is never kept."""
    items: list[Any] = [mpmath.mp.dps]
    for key, value in env.items():
        kind = type(value)
        if kind is float:
            items.append((key, value.hex()))
        elif kind is complex:
            items.append((key, value.real.hex(), value.imag.hex()))
        elif kind is int:
            items.append((key, "int", value))
        elif kind is np.ndarray:
            if value.dtype == object:
                if not all(type(item) is mpmath.mpf for item in value.flat):
                    return None
                items.append((key, value.shape, tuple(item._mpf_ for item in value.flat)))
            elif value.dtype == np.float64:
                items.append((key, value.shape, value.tobytes()))
            else:
                return None
        elif kind is mpmath.mpf:
            items.append((key, "mpf", value._mpf_))
        else:
            return None
    return tuple(items)


# --------------------------------------------------------------------------- scalar tables


def _real(value: Any) -> Any:
    """The real part of a value that must be real (tiny imaginary parts are rounding)."""
    imag = value.imag if hasattr(value, "imag") else 0
    real = value.real if hasattr(value, "real") else value
    if imag and abs(imag) > 1e-12 * max(1.0, abs(real)):
        raise EvaluationError("a real-only function got a complex argument")
    return real


def _sign(value: Any) -> Any:
    return 0 if value == 0 else value / abs(value)


def _heaviside(value: Any, at_zero: Any = 0.5) -> Any:
    real = _real(value)
    return 1 if real > 0 else 0 if real < 0 else at_zero


def _fp_gamma(value: Any) -> float:
    return math.gamma(_real(value))


FP_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "exp": cmath.exp,
    "log": cmath.log,
    "sin": cmath.sin,
    "cos": cmath.cos,
    "tan": cmath.tan,
    "cot": lambda z: 1 / cmath.tan(z),
    "sec": lambda z: 1 / cmath.cos(z),
    "csc": lambda z: 1 / cmath.sin(z),
    "asin": cmath.asin,
    "acos": cmath.acos,
    "atan": cmath.atan,
    "sinh": cmath.sinh,
    "cosh": cmath.cosh,
    "tanh": cmath.tanh,
    "asinh": cmath.asinh,
    "acosh": cmath.acosh,
    "atanh": cmath.atanh,
    "Abs": abs,
    "sign": _sign,
    "re": lambda z: complex(z).real,
    "im": lambda z: complex(z).imag,
    "conjugate": lambda z: complex(z).conjugate(),
    "floor": lambda z: math.floor(_real(z)),
    "ceiling": lambda z: math.ceil(_real(z)),
    "Max": lambda *zs: max(_real(z) for z in zs),
    "Min": lambda *zs: min(_real(z) for z in zs),
    "Heaviside": _heaviside,
    "erf": lambda z: math.erf(_real(z)),
    "erfc": lambda z: math.erfc(_real(z)),
    "gamma": _fp_gamma,
    "loggamma": lambda z: math.lgamma(_real(z)),
    "factorial": lambda z: math.gamma(_real(z) + 1),
    "binomial": lambda n, k: math.gamma(_real(n) + 1)
    / (math.gamma(_real(k) + 1) * math.gamma(_real(n) - _real(k) + 1)),
    "atan2": lambda y, x: math.atan2(_real(y), _real(x)),
    "Mod": lambda a, b: math.fmod(_real(a), _real(b)) % _real(b),
}

MP_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "exp": mpmath.exp,
    "log": mpmath.log,
    "sin": mpmath.sin,
    "cos": mpmath.cos,
    "tan": mpmath.tan,
    "cot": mpmath.cot,
    "sec": mpmath.sec,
    "csc": mpmath.csc,
    "asin": mpmath.asin,
    "acos": mpmath.acos,
    "atan": mpmath.atan,
    "sinh": mpmath.sinh,
    "cosh": mpmath.cosh,
    "tanh": mpmath.tanh,
    "asinh": mpmath.asinh,
    "acosh": mpmath.acosh,
    "atanh": mpmath.atanh,
    "Abs": abs,
    "sign": _sign,
    "re": mpmath.re,
    "im": mpmath.im,
    "conjugate": mpmath.conj,
    "floor": lambda z: mpmath.floor(_real(z)),
    "ceiling": lambda z: mpmath.ceil(_real(z)),
    "Max": lambda *zs: max(_real(z) for z in zs),
    "Min": lambda *zs: min(_real(z) for z in zs),
    "Heaviside": _heaviside,
    "erf": lambda z: mpmath.erf(_real(z)),
    "erfc": lambda z: mpmath.erfc(_real(z)),
    "gamma": lambda z: mpmath.gamma(_real(z)),
    "loggamma": lambda z: mpmath.loggamma(_real(z)),
    "factorial": lambda z: mpmath.factorial(_real(z)),
    "binomial": lambda n, k: mpmath.binomial(_real(n), _real(k)),
    "atan2": lambda y, x: mpmath.atan2(_real(y), _real(x)),
    "Mod": lambda a, b: mpmath.fmod(_real(a), _real(b)) % _real(b),
}


# --------------------------------------------------------------------------- matrices


def _is_array(value: Any) -> bool:
    return isinstance(value, np.ndarray)


def _matmul(values: list[Any]) -> Any:
    scalar: Any = 1
    product: Any = None
    for value in values:
        if _is_array(value):
            if product is None:
                product = value
            else:
                if product.shape[-1] != value.shape[0]:
                    raise EvaluationError(f"shapes {product.shape} and {value.shape} do not multiply")
                product = product @ value
        else:
            scalar = scalar * value
    return scalar if product is None else product * scalar


def _inverse(value: Any, mode: Mode) -> Any:
    if not _is_array(value):
        return 1 / value
    if value.ndim != 2 or value.shape[0] != value.shape[1]:
        raise EvaluationError(f"cannot invert a {value.shape} matrix")
    if mode == "fp":
        return np.linalg.inv(value)
    inverse = mpmath.inverse(mpmath.matrix(value.tolist()))
    return np.array(inverse.tolist(), dtype=object)


def _determinant(value: Any, mode: Mode) -> Any:
    if not _is_array(value):
        return value
    if mode == "fp":
        return complex(np.linalg.det(value.astype(complex)))
    return mpmath.det(mpmath.matrix(value.tolist()))


def _matpow(base: Any, exponent: Any, mode: Mode) -> Any:
    if not _is_array(base):
        return base**exponent
    power = _real(exponent)
    if int(power) != power:
        raise EvaluationError("a matrix power needs an integer exponent")
    power = int(power)
    if power < 0:
        base, power = _inverse(base, mode), -power
    if base.ndim != 2 or base.shape[0] != base.shape[1]:
        raise EvaluationError(f"cannot raise a {base.shape} matrix to a power")
    # binary powering: about 2 log2(power) products, never ``power`` of them
    result: Any = None
    square = base
    while power:
        if power & 1:
            result = square if result is None else result @ square
        power >>= 1
        if power:
            square = square @ square
    return np.eye(base.shape[0], dtype=base.dtype) if result is None else result


# --------------------------------------------------------------------------- compiler


def _constant(expr: sympy.Expr, mode: Mode) -> Any:
    if mode == "fp":
        if expr.is_Integer or expr.is_Rational:
            return complex(float(expr))
        return complex(expr.evalf(20))
    value = expr.evalf(mpmath.mp.dps + 10)
    return mpmath.mpmathify(complex(value)) if value.has(sympy.I) else mpmath.mpf(value)


def _dimension(value: Any, env: Env) -> int:
    if isinstance(value, (int, sympy.Integer)):
        return int(value)
    if value in env:
        return int(_real(env[value]))
    raise EvaluationError(f"no size for dimension {value}")


_NOT_FINITE = (sympy.oo, -sympy.oo, sympy.zoo, sympy.nan)


def compile_numeric(expr: sympy.Basic, mode: Mode = "fp", memo_size: int = 0, keyed: bool = False) -> Compiled:
    """Compile ``expr`` into closures. Raises EvaluationError for unsupported nodes.
    ``memo_size``, ``keyed``: which outcomes to keep (see ``Compiled``)."""
    cell = [0.0, 0.0]
    table = FP_FUNCTIONS if mode == "fp" else MP_FUNCTIONS

    def build(node: sympy.Basic) -> Fn:
        if isinstance(node, (sympy.Number, sympy.NumberSymbol)) or node is sympy.I:
            if not node.is_Rational and node in _NOT_FINITE:  # a rational never is one
                raise EvaluationError(f"{node} is not a finite number")
            try:
                const = _constant(node, mode)
            except (OverflowError, ValueError) as exc:
                raise EvaluationError(f"constant {node} is too large") from exc
            return lambda env: const
        if isinstance(node, (sympy.Symbol, MatrixSymbol)):

            def lookup(env: Env, key: Any = node) -> Any:
                try:
                    return env[key]
                except KeyError:
                    raise EvaluationError(f"no value for {key}") from None

            return lookup
        if isinstance(node, (sympy.Add, MatAdd)):
            terms = [build(arg) for arg in node.args]

            def add(env: Env) -> Any:
                total: Any = 0
                biggest = cell[0]
                largest_term = 0.0
                for term in terms:
                    value = term(env)
                    size = float(np.max(np.abs(value))) if _is_array(value) else abs(value)
                    if size > biggest:
                        biggest = size
                    if size > largest_term:
                        largest_term = size
                    total = total + value
                cell[0] = biggest
                if largest_term > 0:
                    result = float(np.max(np.abs(total))) if _is_array(total) else float(abs(total))
                    ratio = largest_term / result if result > 0 else math.inf
                    if ratio > cell[1]:
                        cell[1] = ratio
                return total

            return add
        if isinstance(node, (sympy.Mul, MatMul)):
            factors = [build(arg) for arg in node.args]
            if isinstance(node, MatMul):
                return lambda env: _matmul([factor(env) for factor in factors])

            def mul(env: Env) -> Any:
                values = [factor(env) for factor in factors]
                if any(_is_array(value) for value in values):
                    return _matmul(values)
                product: Any = 1
                for value in values:
                    product = product * value
                return product

            return mul
        if isinstance(node, sympy.Pow):
            return _build_pow(node, build, mode)
        if isinstance(node, MatPow):
            base, exponent = build(node.args[0]), build(node.args[1])
            return lambda env: _matpow(base(env), exponent(env), mode)
        if isinstance(node, Transpose):
            inner = build(node.arg)

            def transpose(env: Env) -> Any:
                value = inner(env)
                return value.T if _is_array(value) else value

            return transpose
        if isinstance(node, Inverse):
            inner = build(node.arg)
            return lambda env: _inverse(inner(env), mode)
        if isinstance(node, Trace):
            inner = build(node.arg)

            def trace(env: Env) -> Any:
                value = inner(env)
                return np.trace(value) if _is_array(value) else value

            return trace
        if isinstance(node, Determinant):
            inner = build(node.arg)
            return lambda env: _determinant(inner(env), mode)
        if isinstance(node, HadamardProduct):
            factors = [build(arg) for arg in node.args]

            def hadamard(env: Env) -> Any:
                result = factors[0](env)
                for factor in factors[1:]:
                    result = result * factor(env)
                return result

            return hadamard
        if isinstance(node, (Identity, ZeroMatrix, OneMatrix)):
            rows, cols = node.shape
            filler = {Identity: "eye", ZeroMatrix: "zeros", OneMatrix: "ones"}[type(node)]

            def special(env: Env) -> Any:
                shape = (_dimension(rows, env), _dimension(cols, env))
                dtype = float if mode == "fp" else object
                if filler == "eye":
                    matrix = np.eye(shape[0], dtype=float)
                elif filler == "zeros":
                    matrix = np.zeros(shape, dtype=float)
                else:
                    matrix = np.ones(shape, dtype=float)
                return matrix if mode == "fp" else matrix.astype(dtype) * mpmath.mpf(1)

            return special
        if isinstance(node, MatrixElement):
            parent, row, col = build(node.args[0]), build(node.args[1]), build(node.args[2])
            return lambda env: parent(env)[int(_real(row(env))), int(_real(col(env)))]
        if isinstance(node, sympy.MatrixBase):
            entries = [build(entry) for entry in node]
            shape = node.shape

            def explicit(env: Env) -> Any:
                values = [entry(env) for entry in entries]
                return np.array(values, dtype=complex if mode == "fp" else object).reshape(shape)

            return explicit
        if isinstance(node, (sympy.Sum, sympy.Product)):
            return _build_loop(node, build)
        if isinstance(node, sympy.Indexed):
            label = node.base.label
            indices = [build(index) for index in node.indices]

            def indexed(env: Env) -> Any:
                sampler = env.get(label)
                if sampler is None:
                    raise EvaluationError(f"no values for {label}")
                return sampler(tuple(int(_real(index(env))) for index in indices))

            return indexed
        if isinstance(node, sympy.Piecewise):
            pieces = [(build(value), build_condition(cond)) for value, cond in node.args]

            def piecewise(env: Env) -> Any:
                for value, cond in pieces:
                    if cond(env):
                        return value(env)
                raise EvaluationError("no piece of the piecewise function applies")

            return piecewise
        if isinstance(node, AppliedUndef):
            raise EvaluationError(f"function {node.func} has no definition")
        if isinstance(node, (sympy.Function, sympy.Max, sympy.Min)):  # Max/Min are no Function subclasses
            name = type(node).__name__
            arguments = [build(arg) for arg in node.args]
            function = table.get(name)
            if function is None:
                return _build_sympy_fallback(node, arguments, mode)
            return lambda env: function(*[argument(env) for argument in arguments])
        raise EvaluationError(f"cannot evaluate {type(node).__name__} numerically")

    def build_condition(cond: sympy.Basic) -> Callable[[Env], bool]:
        if cond is sympy.true:
            return lambda env: True
        if cond is sympy.false:
            return lambda env: False
        if isinstance(cond, sympy.And):
            parts = [build_condition(arg) for arg in cond.args]
            return lambda env: all(part(env) for part in parts)
        if isinstance(cond, sympy.Or):
            parts = [build_condition(arg) for arg in cond.args]
            return lambda env: any(part(env) for part in parts)
        if isinstance(cond, sympy.Not):
            inner = build_condition(cond.args[0])
            return lambda env: not inner(env)
        if isinstance(cond, sympy.core.relational.Relational):
            left, right, op = build(cond.lhs), build(cond.rhs), cond.rel_op
            compare = {
                "<": lambda a, b: a < b,
                "<=": lambda a, b: a <= b,
                ">": lambda a, b: a > b,
                ">=": lambda a, b: a >= b,
                "==": lambda a, b: a == b,
                "!=": lambda a, b: a != b,
            }[op]
            return lambda env: bool(compare(_real(left(env)), _real(right(env))))
        raise EvaluationError(f"cannot evaluate condition {cond}")

    return Compiled(fn=build(expr), cell=cell, memo_size=memo_size, keyed=keyed)


def _build_pow(node: sympy.Pow, build: Callable[[sympy.Basic], Fn], mode: Mode) -> Fn:
    base = build(node.base)
    exponent_expr = node.exp
    if exponent_expr.is_Integer:
        power = int(exponent_expr)

        def integer_power(env: Env) -> Any:
            value = base(env)
            if _is_array(value):
                return value**power  # elementwise (a scalar expression of entries)
            return value**power

        return integer_power
    if exponent_expr == sympy.Rational(1, 2):
        root = cmath.sqrt if mode == "fp" else mpmath.sqrt
        return lambda env: root(base(env))
    exponent = build(exponent_expr)
    if mode == "fp":

        def fp_power(env: Env) -> Any:
            value, power = base(env), exponent(env)
            if value == 0:
                real_power = _real(power)
                if real_power > 0:
                    return 0j
                raise EvaluationError("0 raised to a non-positive power")
            return value**power

        return fp_power
    return lambda env: mpmath.power(base(env), exponent(env))


def _build_loop(node: sympy.Sum | sympy.Product, build: Callable[[sympy.Basic], Fn]) -> Fn:
    """Sum/Product with bounds that evaluate to integers (sympy's Karr convention)."""
    body = build(node.function)
    limits = [(variable, build(low), build(high)) for variable, low, high in node.limits]
    is_sum = isinstance(node, sympy.Sum)

    def as_int(value: Any) -> int:
        real = _real(value)
        rounded = round(float(real))
        if abs(float(real) - rounded) > 1e-9:
            raise EvaluationError("a sum or product bound is not an integer")
        return rounded

    def run(env: Env, depth: int, budget: list[int]) -> Any:
        if depth == len(limits):
            budget[0] -= 1
            if budget[0] < 0:
                raise EvaluationError("sum or product too long to evaluate")
            return body(env)
        variable, low_fn, high_fn = limits[depth]
        low, high = as_int(low_fn(env)), as_int(high_fn(env))
        inverted = high < low - 1
        if inverted:  # Karr: sum_{a..b} = -sum_{b+1..a-1}; product: reciprocal
            low, high = high + 1, low - 1
        total: Any = 0 if is_sum else 1
        inner_env = dict(env)
        for index in range(low, high + 1):
            inner_env[variable] = index
            value = run(inner_env, depth + 1, budget)
            total = total + value if is_sum else total * value
        if inverted:
            return -total if is_sum else 1 / total
        return total

    return lambda env: run(env, 0, [MAX_LOOP])


def _build_sympy_fallback(node: sympy.Function, arguments: list[Fn], mode: Mode) -> Fn:
    """A sympy function without a numeric table entry: let sympy's evalf compute it."""
    digits = 20 if mode == "fp" else mpmath.mp.dps + 5

    def fallback(env: Env) -> Any:
        values = []
        for argument in arguments:
            value = complex(argument(env))
            values.append(sympy.Float(value.real, digits) + sympy.I * sympy.Float(value.imag, digits))
        result = type(node)(*values).evalf(digits)
        if not result.is_number:
            raise EvaluationError(f"{type(node).__name__} has no numeric value here")
        number = complex(result)
        return number if mode == "fp" else mpmath.mpc(number)

    return fallback
