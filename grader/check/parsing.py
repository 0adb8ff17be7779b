"""The checkers' only door to the parser (``grader.parse``): contexts, caching, key values.

Student text and expected text from the key both go through ``grader.parse`` (a grammar
that builds sympy objects directly); nothing here evaluates text. Expected values repeat
for every student, so they are parsed once per process (``parse_expected`` is cached on
the text and a hashable summary of the context).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from typing import Any

import sympy

from grader.check.base import CheckContext
from grader.errors import GraderError
from grader.parse.values import Invalid, Parsed
from grader.rubric.models import Domain, FunctionSpec, SymbolSpec

__all__ = [
    "ExpectedValueError",
    "context_key",
    "expected_scalar",
    "number_from_json",
    "parse_context",
    "parse_expected",
    "parse_student",
    "parse_student_number",
    "symbol_info",
]

ContextKey = tuple[tuple[tuple[str, SymbolSpec], ...], tuple[str, ...], bool]


class ExpectedValueError(GraderError):
    """The answer key holds a value the checker cannot use (a key or rubric bug)."""

    def __init__(self, part_id: str, message: str) -> None:
        super().__init__(f"{part_id or '<part>'}: expected value: {message}")
        self.part_id = part_id
        self.message = message


def symbol_info(name: str, spec: SymbolSpec) -> Any:
    """The parser's ``SymbolInfo`` for a rubric symbol (domain -> sympy assumptions)."""
    from grader.parse import SymbolInfo

    domain = spec.domain
    positive = domain in (Domain.positive, Domain.positive_integer) or (
        domain is Domain.interval and spec.low is not None and spec.low >= 0
    )
    return SymbolInfo(
        name=name,
        positive=positive,
        nonnegative=positive or domain is Domain.nonnegative,
        integer=domain in (Domain.integer, Domain.positive_integer),
        nonzero=positive or domain is Domain.nonzero,
        real=True,
        shape=spec.shape,
        aliases=tuple(spec.aliases),
    )


def context_key(
    symbols: dict[str, SymbolSpec],
    functions: Iterable[str],
    allow_equation: bool,
) -> ContextKey:
    """A hashable summary of what a parse depends on."""
    return (tuple(sorted(symbols.items())), tuple(sorted(functions)), allow_equation)


@functools.lru_cache(maxsize=256)
def _parse_context_cached(key: ContextKey) -> Any:
    from grader.parse import ParseContext

    symbols, functions, allow_equation = key
    infos = {name: symbol_info(name, spec) for name, spec in symbols} if symbols else None
    return ParseContext(symbols=infos, functions=frozenset(functions), allow_equation=allow_equation)


def parse_context(
    ctx: CheckContext,
    *,
    allow_equation: bool = True,
    extra_symbols: dict[str, SymbolSpec] | None = None,
    extra_functions: Iterable[str] = (),
) -> Any:
    """The parser context of a check (its symbols and function names)."""
    symbols = dict(ctx.symbols)
    for name, spec in (extra_symbols or {}).items():
        symbols.setdefault(name, spec)
    functions = set(ctx.functions) | set(extra_functions)
    return _parse_context_cached(context_key(symbols, functions, allow_equation))


def parse_student(text: str, parse_ctx: Any) -> Parsed | Invalid:
    """Parse a student's text (never raises on bad input)."""
    from grader.parse import parse_answer

    return parse_answer(text, parse_ctx)


def parse_student_number(text: str, parse_ctx: Any) -> Parsed | Invalid:
    from grader.parse import parse_number

    return parse_number(text, parse_ctx)


@functools.lru_cache(maxsize=4096)
def _parse_expected_cached(text: str, key: ContextKey, number: bool) -> Parsed | Invalid:
    parse_ctx = _parse_context_cached(key)
    if number:
        return parse_student_number(text, parse_ctx)
    return parse_student(text, parse_ctx)


def parse_expected(
    text: str,
    ctx: CheckContext,
    *,
    allow_equation: bool = True,
    number: bool = False,
    extra_symbols: dict[str, SymbolSpec] | None = None,
) -> Parsed | Invalid:
    """Parse expected text from the key, once per process per (text, context)."""
    symbols = dict(ctx.symbols)
    symbols.update(extra_symbols or {})
    key = context_key(symbols, ctx.functions, allow_equation)
    return _parse_expected_cached(text, key, number)


def number_from_json(value: Any) -> sympy.Expr | None:
    """A JSON number as a sympy number (no parsing); None if it is not a number."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return sympy.Integer(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return sympy.Float(value)
    return None


def expected_scalar(expected: Any, ctx: CheckContext, *, number: bool = False) -> sympy.Basic:
    """The expected value as a sympy object: sympy passes through, numbers convert, text is parsed.

    Raises ExpectedValueError when the key value is unusable: that is an authoring bug.
    """
    if isinstance(expected, sympy.Basic):
        return expected
    converted = number_from_json(expected)
    if converted is not None:
        return converted
    if isinstance(expected, str):
        parsed = parse_expected(expected, ctx, number=number)
        if isinstance(parsed, Invalid):
            raise ExpectedValueError(ctx.part_id, f"cannot read {expected!r}: {parsed.reason}")
        value = parsed.value
        from grader.parse.values import EquationValue

        if isinstance(value, EquationValue):
            value = value.rhs
        if not isinstance(value, sympy.Basic):
            raise ExpectedValueError(ctx.part_id, f"{expected!r} is not a single expression")
        return value
    raise ExpectedValueError(ctx.part_id, f"unsupported value {expected!r} ({type(expected).__name__})")


def function_names(functions: dict[str, FunctionSpec]) -> frozenset[str]:
    return frozenset(functions)
