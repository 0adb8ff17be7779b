"""What a parse may accept: declared symbols and functions, and resource limits.

``ParseFailure`` is the one exception used inside the parser; the public functions turn it
into an ``Invalid`` value, so it never escapes to callers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import sympy


@dataclass(frozen=True)
class SymbolInfo:
    """What the rubric declares about a name.

    ``name`` is the canonical name (``"d"``, ``"alpha"``, ``"v_t"``, ``"x_{max}"``,
    ``"hat(m)_t"``). ``aliases`` are other spellings matched literally in the raw answer
    text at token boundaries (e.g. ``("d^{(t-1)}", "d^{t-1}")``). ``shape`` makes the
    name a ``sympy.MatrixSymbol`` of that shape. ``identity`` makes it the identity
    matrix: of size ``shape`` when given, else of whatever size the matrices it is added
    to or multiplied with have (``I`` in ``X^T X + lambda I``; see ``adapt_identity``).
    """

    name: str
    positive: bool = False
    nonnegative: bool = False
    integer: bool = False
    nonzero: bool = False
    real: bool = True
    shape: tuple[int, int] | None = None
    aliases: tuple[str, ...] = ()
    identity: bool = False


@dataclass(frozen=True)
class Limits:
    """Resource limits, all checked before anything expensive is built.

    ``max_exponent`` bounds a numeric exponent's magnitude (``(a - x)^6000`` is cheap: it is
    compared by evaluation, never expanded without a budget); a power of numbers whose
    exact value would have more than about ``max_digits`` digits is rejected too.
    ``max_factorial`` bounds ``n!`` (300! has 615 digits; exact numbers built from
    several such values are capped by ``max_number_digits``).
    """

    max_length: int = 4000
    max_depth: int = 60
    max_digits: int = 60
    max_exponent: int = 10000
    max_factorial: int = 300
    max_number_digits: int = 1060
    max_literal_exponent: int = 1000  # the exponent of a literal such as 1e300
    max_elements: int = 10000
    max_nodes: int = 5000


@dataclass(frozen=True)
class ParseContext:
    """Declared names and limits for one answer.

    ``symbols=None`` allows any symbol (each a real ``sympy.Symbol``); a mapping allows
    only those names (plus their aliases). Declared names are canonicalized when the
    context is first used by the parser (``grader.parse.api.canonical_context``: each
    name becomes the name the parser gives the same text), so
    ``p_data``, ``p_{data}`` and ``p_{\\text{data}}`` declare the one symbol ``p_{data}``;
    each ``SymbolInfo.name`` is set to its canonical key, and when two declared names
    have the same canonical form the later one wins. ``functions`` are extra function
    names applied as undefined ``sympy.Function(name)``; ``sequences`` are those of them
    that take one argument, whose subscript is read as the argument (``k_{i-1}`` is
    ``k(i-1)``; never for a name declared as a symbol with that subscript).
    """

    symbols: Mapping[str, SymbolInfo] | None = None
    functions: frozenset[str] = frozenset()
    limits: Limits = field(default_factory=Limits)
    allow_equation: bool = True
    sequences: frozenset[str] = frozenset()

    canonical: bool = field(default=False, compare=False, repr=False)  # names canonicalized


DEFAULT_CONTEXT = ParseContext()


class ParseFailure(Exception):
    """An unreadable answer: ``reason`` for the student, stable ``code``, ``position``."""

    def __init__(self, reason: str, code: str = "syntax", position: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.position = position


@lru_cache(maxsize=4096)
def declared_symbol(info: SymbolInfo) -> sympy.Basic:
    """The sympy object for a declared name (same info, same object)."""
    if info.identity:
        size = info.shape[0] if info.shape is not None else identity_size(info.name)
        return sympy.Identity(size)
    if info.shape is not None:
        rows, cols = info.shape
        return sympy.MatrixSymbol(info.name, rows, cols)
    flags = {
        key: True
        for key in ("positive", "nonnegative", "integer", "nonzero", "real")
        if getattr(info, key)
    }
    return sympy.Symbol(info.name, **flags)


@lru_cache(maxsize=4096)
def free_symbol(name: str) -> sympy.Symbol:
    """The symbol for an undeclared name: a plain real symbol."""
    return sympy.Symbol(name, real=True)


@lru_cache(maxsize=1024)
def bound_symbol(name: str) -> sympy.Symbol:
    """The symbol for an undeclared summation index: an integer symbol."""
    return sympy.Symbol(name, integer=True)


IDENTITY_SIZE_PREFIX = "size_of_"


@lru_cache(maxsize=256)
def identity_size(name: str) -> sympy.Symbol:
    """The placeholder size of an identity matrix declared without a shape."""
    return sympy.Symbol(IDENTITY_SIZE_PREFIX + name, integer=True, positive=True)


def _placeholder_sizes(value: sympy.Basic) -> set[sympy.Symbol]:
    if not isinstance(value, sympy.Basic):
        return set()
    return {
        symbol
        for symbol in value.free_symbols
        if isinstance(symbol, sympy.Symbol) and symbol.name.startswith(IDENTITY_SIZE_PREFIX)
    }


def adapt_identity(left: Any, right: Any, operation: str) -> tuple[Any, Any]:
    """Give placeholder-sized identity matrices the size their neighbour needs.

    For ``left + right`` the identity takes the other side's (square) shape; for
    ``left * right`` it takes the rows of ``right`` (identity on the left) or the columns
    of ``left`` (identity on the right).
    """
    from sympy.matrices.expressions import MatrixExpr

    def shape(value: Any) -> tuple[Any, Any] | None:
        if isinstance(value, (MatrixExpr, sympy.MatrixBase)):
            rows, cols = value.shape
            if not _placeholder_sizes(sympy.Tuple(rows, cols)):
                return rows, cols
        return None

    left_sizes, right_sizes = _placeholder_sizes(left), _placeholder_sizes(right)
    if not left_sizes and not right_sizes:
        return left, right
    left_shape, right_shape = shape(left), shape(right)
    if operation in ("add", "sub"):
        if left_sizes and right_shape is not None and right_shape[0] == right_shape[1]:
            left = left.xreplace({size: right_shape[0] for size in left_sizes})
        elif right_sizes and left_shape is not None and left_shape[0] == left_shape[1]:
            right = right.xreplace({size: left_shape[0] for size in right_sizes})
    elif operation == "mul":
        if left_sizes and right_shape is not None:
            left = left.xreplace({size: right_shape[0] for size in left_sizes})
        elif right_sizes and left_shape is not None:
            right = right.xreplace({size: left_shape[1] for size in right_sizes})
    return left, right
