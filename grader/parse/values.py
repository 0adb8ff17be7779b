"""The values a parsed answer can be, and the ``Invalid`` outcome.

Every parser returns ``Parsed`` (a value plus how it was read) or ``Invalid`` (why and
where). Values hold sympy objects built directly by the parser, never by sympify.

- a scalar: ``sympy.Expr`` (numbers are sympy numbers: Integer, Rational, Float)
- ``ArrayValue``: a rectangular array (from a matrix environment, or nested brackets
  turned into an array by ``as_array``), entries flattened row-major
- ``TupleValue``: ``(a, b)`` or ``[a, b]``; nested brackets stay nested tuples
- ``EquationValue``: ``lhs = rhs`` (e.g. ``sigma = sqrt(2/d)``)
- ``BoolValue``: not produced by text parsing; reserved for choice answers
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Union

import sympy


@dataclass(frozen=True)
class ArrayValue:
    """A rectangular array: ``shape`` and row-major ``items`` (sympy expressions)."""

    shape: tuple[int, ...]
    items: tuple[sympy.Expr, ...]

    def __post_init__(self) -> None:
        size = 1
        for dim in self.shape:
            size *= dim
        if size != len(self.items):
            raise ValueError(f"shape {self.shape} does not hold {len(self.items)} items")

    def to_nested(self) -> list:
        """Nested Python lists of sympy expressions, in the array's shape."""

        def build(offset: int, dims: tuple[int, ...]) -> list:
            if len(dims) == 1:
                return list(self.items[offset : offset + dims[0]])
            step = 1
            for dim in dims[1:]:
                step *= dim
            return [build(offset + i * step, dims[1:]) for i in range(dims[0])]

        if not self.shape:
            return list(self.items)
        return build(0, self.shape)


@dataclass(frozen=True)
class TupleValue:
    """An ordered collection; ``bracket`` is the opening bracket the student used."""

    items: tuple[Value, ...]
    bracket: str = "("


@dataclass(frozen=True)
class EquationValue:
    """``lhs = rhs``."""

    lhs: Value
    rhs: Value


@dataclass(frozen=True)
class LabelledValue:
    """``label = v1 = v2 ...`` as a student wrote it: every value in ``values`` is graded.

    ``label`` is the left side's text when it was read as a label (``"μ"``, ``"f'(x)"``),
    ``""`` when the left side is itself a value (then it is the first of ``values``).
    ``name`` is the left side read as one symbol (``x`` in ``x = 2``): such a left side is a
    label only when it is not an unknown of the expected value nor in the values
    (``resolve_label``); ``shown`` are the values as read, for feedback.
    """

    values: tuple[Value, ...]
    label: str = ""
    name: sympy.Symbol | None = None
    shown: tuple[str, ...] = ()
    names: tuple[sympy.Symbol, ...] = ()  # declared names labelling a list's items (x = 1, y = 2)


Value = Union[sympy.Expr, ArrayValue, TupleValue, EquationValue, LabelledValue]  # noqa: UP007 (recursive alias, runtime-evaluated)


@dataclass(frozen=True)
class Parsed:
    """A successfully read answer.

    ``value`` is what was read; ``shown`` is a canonical plain-math rendering of it for
    feedback ("read as ..."); ``notes`` are warnings worth showing the student, e.g.
    "`xy` read as x*y" or "`2e-3` read as 0.002".
    """

    value: Value
    text: str
    shown: str
    notes: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Invalid:
    """An answer that could not be read. Not wrong: unreadable, with the reason.

    ``code`` is a stable machine tag (``too_long``, ``too_deep``, ``syntax``,
    ``unknown_function``, ``unknown_symbol``, ``forbidden``, ``too_many_digits``,
    ``exponent_too_large``, ``too_many_elements``, ``ragged``, ``empty``, ...);
    ``position`` is a 0-based character offset into ``text`` when known.
    """

    reason: str
    code: str = "syntax"
    position: int | None = None
    text: str = ""

    def pointer(self) -> str:
        """The offending text with a caret under ``position`` (for feedback)."""
        if self.position is None or not self.text or len(self.text) > 200:
            return ""
        line = self.text.replace("\n", " ")
        return f"{line}\n{' ' * min(self.position, len(line))}^"


ParseResult = Parsed | Invalid


def as_array(value: Value) -> ArrayValue | Invalid:
    """Turn a scalar, a (nested) tuple or an array into an ``ArrayValue``.

    Nested tuples must be rectangular; a ragged one is ``Invalid(code="ragged")``.
    A bare scalar becomes a 0-d array of shape ``()``.
    """
    if isinstance(value, ArrayValue):
        return value
    if isinstance(value, EquationValue):
        return as_array(value.rhs)
    if isinstance(value, TupleValue):
        children = [as_array(item) for item in value.items]
        for child in children:
            if isinstance(child, Invalid):
                return child
        arrays = [child for child in children if isinstance(child, ArrayValue)]
        if not arrays:
            return ArrayValue(shape=(0,), items=())
        first = arrays[0].shape
        if any(child.shape != first for child in arrays):
            shapes = ", ".join("x".join(map(str, c.shape)) or "scalar" for c in arrays)
            return Invalid(f"rows have different shapes ({shapes})", code="ragged")
        items: list[sympy.Expr] = []
        for child in arrays:
            items.extend(child.items)
        return ArrayValue(shape=(len(arrays), *first), items=tuple(items))
    return ArrayValue(shape=(), items=(value,))
