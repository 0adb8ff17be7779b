"""The checkers' only door to the parser (``grader.parse``): contexts, caching, key values.

Student text and expected text from the key both go through ``grader.parse`` (a grammar
that builds sympy objects directly); nothing here evaluates text. Expected values repeat
for every student, so they are parsed once per process (``parse_expected`` is cached on
the text and a hashable summary of the context).

Rubric symbols are keyed as written (``p_data``) while the parser names them canonically
(``p_{data}``): look them up with ``lookup_spec``. One-argument functions are sequences
(``k_i`` is ``k(i)``). ``name = value`` text whose name is not declared reads through
``read_named_equation`` (the value with the declared symbols), for answers and keys alike.
"""

from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import Any

import sympy

from grader.check.base import CheckContext
from grader.errors import GraderError
from grader.parse.values import EquationValue, Invalid, Parsed
from grader.rubric.models import Domain, FunctionSpec, SymbolSpec

__all__ = [
    "ExpectedValueError",
    "context_key",
    "expected_scalar",
    "lookup_spec",
    "number_from_json",
    "parse_context",
    "parse_expected",
    "parse_name",
    "parse_student",
    "parse_student_number",
    "read_named_equation",
    "sequence_names",
    "split_equation",
    "symbol_info",
]

ContextKey = tuple[tuple[tuple[str, SymbolSpec], ...], tuple[str, ...], bool, tuple[str, ...]]


class ExpectedValueError(GraderError):
    """The answer key holds a value the checker cannot use (a key or rubric bug)."""

    def __init__(self, part_id: str, message: str) -> None:
        super().__init__(f"{part_id or '<part>'}: expected value: {message}")
        self.part_id = part_id
        self.message = message


def lookup_spec(symbols: Mapping[str, SymbolSpec], name: str) -> SymbolSpec | None:
    """The spec of a declared name, found by canonical name (``p_{data}`` finds ``p_data``).

    The parser names symbols canonically (``grader.parse.canonical_name``) while rubrics
    key them as written; every lookup of a rubric symbol by name goes through here.
    """
    from grader.parse import canonical_name

    wanted = canonical_name(name)
    found = None
    for key, candidate in symbols.items():  # the later declaration wins, as in ParseContext
        if canonical_name(key) == wanted:
            found = candidate
    return found


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
        identity=spec.identity,
    )


def context_key(
    symbols: dict[str, SymbolSpec],
    functions: Iterable[str],
    allow_equation: bool,
    sequences: Iterable[str] = (),
) -> ContextKey:
    """A hashable summary of what a parse depends on (symbols in their given order)."""
    return (tuple(symbols.items()), tuple(sorted(functions)), allow_equation, tuple(sorted(sequences)))


def sequence_names(functions: dict[str, FunctionSpec]) -> frozenset[str]:
    """Declared one-argument functions: their subscript is read as the argument (``k_i``)."""
    return frozenset(name for name, spec in functions.items() if len(spec.args) == 1)


@functools.lru_cache(maxsize=256)
def _parse_context_cached(key: ContextKey) -> Any:
    from grader.parse import ParseContext, canonical_context

    symbols, functions, allow_equation, sequences = key
    # canonical_context canonicalizes the names (p_data -> p_{data}); on a clash the later wins
    infos = {name: symbol_info(name, spec) for name, spec in symbols} if symbols else None
    return canonical_context(ParseContext(
        symbols=infos,
        functions=frozenset(functions),
        allow_equation=allow_equation,
        sequences=frozenset(sequences),
    ))


def parse_context(
    ctx: CheckContext,
    *,
    allow_equation: bool = True,
    extra_symbols: dict[str, SymbolSpec] | None = None,
    extra_functions: Iterable[str] = (),
) -> Any:
    """The parser context of a check (its symbols and function names).

    ``extra_symbols`` never replace a declared symbol (compared by canonical name).
    """
    symbols = dict(ctx.symbols)
    for name, spec in (extra_symbols or {}).items():
        if lookup_spec(ctx.symbols, name) is None:
            symbols.setdefault(name, spec)
    functions = set(ctx.functions) | set(extra_functions)
    key = context_key(symbols, functions, allow_equation, sequence_names(ctx.functions))
    return _parse_context_cached(key)


STUDENT_CACHE_SIZE = 4096
_STUDENT_CACHE: OrderedDict[tuple[str, int], tuple[Any, Parsed | Invalid]] = OrderedDict()


def parse_student(text: str, parse_ctx: Any) -> Parsed | Invalid:
    """Parse a student's text (never raises on bad input).

    Kept per (text, parser context) in this process: the pieces of answers repeat across a
    class (``beta = sqrt(3/d)`` in many constraint answers). The context is matched by
    identity (the entry holds it, so its id is not reused while kept); results are frozen
    values, shared as they are. Main thread only (the cache is not locked)."""
    from grader.parse import parse_answer

    if not isinstance(text, str) or threading.current_thread() is not threading.main_thread():
        return parse_answer(text, parse_ctx)
    key = (text, id(parse_ctx))
    hit = _STUDENT_CACHE.get(key)
    if hit is not None and hit[0] is parse_ctx:
        _STUDENT_CACHE.move_to_end(key)
        return hit[1]
    result = parse_answer(text, parse_ctx)
    _STUDENT_CACHE[key] = (parse_ctx, result)
    _STUDENT_CACHE.move_to_end(key)
    while len(_STUDENT_CACHE) > STUDENT_CACHE_SIZE:
        _STUDENT_CACHE.popitem(last=False)
    return result


@functools.lru_cache(maxsize=1)
def _any_name_context() -> Any:
    from grader.parse import ParseContext

    return ParseContext(allow_equation=False)


def parse_name(text: str) -> Parsed | None:
    """``text`` read as one symbol of any name (``\\alpha``, ``RF_n``, ``\\hat{y}``), else None.

    For the left-hand side of ``name = value``, which need not be a declared symbol.
    """
    from grader.parse import parse_answer

    result = parse_answer(text, _any_name_context())
    if isinstance(result, Parsed) and isinstance(result.value, sympy.Symbol):
        return result
    return None


def split_equation(text: str) -> tuple[str, str, int] | None:
    """``(left, right, offset of right)`` at the only top-level ``=``, else None.

    Brackets and braces nest (``\\sum_{i=1}`` is not top level; escaped ``\\{ \\[`` do
    not count); ``==``, ``<=``, ``>=``, ``!=`` or a second ``=`` mean it is no ``NAME = RHS``.
    """
    from grader.parse.notation import top_level_indices

    indices = top_level_indices(text, "=")[0]
    if len(indices) != 1:
        return None
    found = indices[0]
    before = text[found - 1] if found else " "
    after = text[found + 1] if found + 1 < len(text) else " "
    if before in "<>!=" or after == "=":
        return None
    return text[:found], text[found + 1 :], found + 1


def read_named_equation(raw: str, parse_ctx: Any) -> Parsed | Invalid | None:
    """``NAME = RHS`` with NAME any single name and RHS read with ``parse_ctx``; None when
    ``raw`` is not of that form (its left side is not one name)."""
    split = split_equation(raw)
    if split is None:
        return None
    left, right, offset = split
    name = parse_name(left)
    if name is None:
        return None
    rhs = parse_student(right, parse_ctx)
    if isinstance(rhs, Invalid):
        position = None if rhs.position is None else rhs.position + offset
        return Invalid(rhs.reason, rhs.code, position, raw)
    value = EquationValue(name.value, rhs.value)  # the name is a label: its reading notes are dropped
    return Parsed(value=value, text=raw, shown=f"{name.shown} = {rhs.shown}", notes=rhs.notes)


def parse_student_number(text: str, parse_ctx: Any) -> Parsed | Invalid:
    from grader.parse import parse_number

    return parse_number(text, parse_ctx)


@functools.lru_cache(maxsize=4096)
def _parse_expected_cached(text: str, key: ContextKey, number: bool) -> Parsed | Invalid:
    parse_ctx = _parse_context_cached(key)
    if number:
        return parse_student_number(text, parse_ctx)
    result = parse_student(text, parse_ctx)
    if isinstance(result, Invalid) and parse_ctx.allow_equation:  # as an answer reads
        named = read_named_equation(text, parse_ctx)
        if named is not None:
            return named
    return result


def parse_expected(
    text: str,
    ctx: CheckContext,
    *,
    allow_equation: bool = True,
    number: bool = False,
    extra_symbols: dict[str, SymbolSpec] | None = None,
) -> Parsed | Invalid:
    """Parse expected text from the key, once per process per (text, context).

    ``extra_symbols`` (a function definition's arguments) replace declared symbols of
    the same canonical name.
    """
    symbols = dict(ctx.symbols)
    symbols.update(extra_symbols or {})
    key = context_key(symbols, ctx.functions, allow_equation, sequence_names(ctx.functions))
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
        if isinstance(value, EquationValue):
            value = value.rhs
        if not isinstance(value, sympy.Basic):
            raise ExpectedValueError(ctx.part_id, f"{expected!r} is not a single expression")
        return value
    raise ExpectedValueError(ctx.part_id, f"unsupported value {expected!r} ({type(expected).__name__})")


def function_names(functions: dict[str, FunctionSpec]) -> frozenset[str]:
    return frozenset(functions)
