"""``parse_answer`` and ``parse_number``: untrusted text in, ``Parsed`` or ``Invalid`` out.

Order of work (cheapest first): type and length checks, Unicode clean-up, bracket
nesting depth, then tokenizing/parsing (node and element counts checked on the fly),
then building sympy values (numeric limits checked before each construction). Nothing
is ever evaluated as code: there is no eval/exec/sympify on the text.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import replace

import sympy
from sympy.matrices.expressions.matexpr import MatrixExpr

from grader.parse.build import Builder, number_from_literal
from grader.parse.context import DEFAULT_CONTEXT, Limits, ParseContext, ParseFailure, SymbolInfo
from grader.parse.normalize import normalize, original_offset
from grader.parse.notation import matlab_matrix
from grader.parse.parser import Parser
from grader.parse.printer import to_text
from grader.parse.values import Invalid, Parsed, ParseResult

_THOUSANDS = re.compile(r"([+-]?)(\d{1,3}(?:,\d{3})+(?:\.\d+)?)")
_PLAIN_NUMBER = re.compile(r"\s*([+-]?)((?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?)\s*")
_BRACKETS = re.compile(r"[()\[\]{}]")
_LATEX_HINT = re.compile(r"\\|\^\{|_\{|\$")


def parse_answer(text: str, context: ParseContext | None = None) -> ParseResult:
    """Read an answer (plain math or LaTeX, detected automatically); never raises."""
    context = context or DEFAULT_CONTEXT
    try:
        return _parse(text, context)
    except RecursionError:
        return Invalid("the answer is nested too deeply", "too_deep", None, _safe_text(text))
    except Exception as exc:  # a bug, not the student's fault: report, never crash
        return Invalid(
            f"internal error while reading the answer ({type(exc).__name__})",
            "internal",
            None,
            _safe_text(text),
        )


def parse_number(text: str, context: ParseContext | None = None) -> ParseResult:
    """Read an answer that must be one real number (``4.18 \\times 10^{8}``, ``25%``)."""
    context = context or DEFAULT_CONTEXT
    try:
        fast = _fast_number(text, context.limits)
        if fast is not None:
            return fast
    except ParseFailure as failure:
        return Invalid(failure.reason, failure.code, failure.position, text)
    except Exception as exc:
        return Invalid(f"internal error while reading the answer ({type(exc).__name__})", "internal", None, _safe_text(text))
    result = parse_answer(text, context)
    if isinstance(result, Invalid):
        return result
    value = result.value
    if not isinstance(value, sympy.Expr) or isinstance(value, MatrixExpr):
        return Invalid("expected a single number", "not_a_number", None, text)
    try:
        if value.free_symbols:
            names = ", ".join(sorted(str(symbol) for symbol in value.free_symbols))
            return Invalid(f"expected a number, but the answer contains {names}", "not_a_number", None, text)
        if value.is_extended_real is False:
            return Invalid("expected a real number", "not_a_number", None, text)
    except Exception as exc:
        return Invalid(f"internal error while reading the answer ({type(exc).__name__})", "internal", None, text)
    return result


_NAMING_CONTEXT = ParseContext(allow_equation=False)


@functools.lru_cache(maxsize=4096)
def canonical_name(name: str) -> str:
    """The canonical spelling of a symbol name: the name the parser gives that text.

    ``p_data`` and ``p_{\\text{data}}`` -> ``p_{data}``; ``varepsilon`` -> ``epsilon``;
    ``\\hat{m}_t`` -> ``hat(m)_t``; ``unorm`` -> ``unorm``. Text that does not read as one
    symbol (``e``, ``pi``, ``f(x)``) is returned unchanged. Declared names go through this
    (``ParseContext``) so that they match what students' text reads as.
    """
    if not isinstance(name, str):
        return name
    result = parse_answer(name, _NAMING_CONTEXT)
    if isinstance(result, Parsed) and isinstance(result.value, sympy.Symbol):
        return result.value.name
    return name


def canonical_symbols(symbols: Mapping[str, SymbolInfo]) -> dict[str, SymbolInfo]:
    """Declared symbols keyed by canonical name, each ``SymbolInfo.name`` that name."""
    result: dict[str, SymbolInfo] = {}
    for key, info in symbols.items():
        name = canonical_name(key)
        result.pop(name, None)  # the later declaration wins
        result[name] = info if info.name == name else replace(info, name=name)
    return result


def canonical_context(context: ParseContext) -> ParseContext:
    """``context`` with its declared names canonicalized (what the parser reads with).

    Contexts made once and reused (``grader.check.parsing``) should be passed through this
    once; the parser does it on entry for any other context."""
    if context.canonical or context.symbols is None:
        return context
    return replace(context, symbols=canonical_symbols(context.symbols), canonical=True)


def _safe_text(text: object) -> str:
    return text if isinstance(text, str) else ""


def _fast_number(text: object, limits: Limits) -> Parsed | None:
    """Plain ``-12``, ``0.5859``, ``2e-3`` without the full parser; None otherwise."""
    if not isinstance(text, str) or len(text) > limits.max_length:
        return None
    match = _PLAIN_NUMBER.fullmatch(text)
    if match is None:
        return None
    sign, literal = match.groups()
    mantissa = re.match(r"[\d.]*", literal)
    digits = mantissa.group().replace(".", "").lstrip("0") if mantissa else ""
    if len(digits) > limits.max_digits:
        raise ParseFailure(
            f"a number has {len(digits)} digits (at most {limits.max_digits} allowed)",
            "too_many_digits",
            match.start(2),
        )
    exponent = literal[mantissa.end() + 1 :] if mantissa and mantissa.end() < len(literal) else ""
    power = exponent.lstrip("+-").lstrip("0")
    if len(power) > 6 or int(power or "0") > min(limits.max_exponent, limits.max_literal_exponent):
        raise ParseFailure("the exponent is too large", "exponent_too_large", match.start(2))
    notes: list[str] = []
    value = number_from_literal(literal, notes)
    if sign == "-":
        value = -value
    shown = to_text(value) if ("e" in literal or "E" in literal) else sign.replace("+", "") + literal
    return Parsed(value, text, shown, tuple(notes))  # decimals stay as written: 0.8068, not 2017/2500


def _parse(text: object, context: ParseContext) -> ParseResult:
    if not isinstance(text, str):
        return Invalid("the answer must be text", "type", None, "")
    limits = context.limits
    if len(text) > limits.max_length:
        return Invalid(
            f"the answer is too long ({len(text)} characters, at most {limits.max_length})",
            "too_long",
            limits.max_length,
            text,
        )
    cleaned, offsets = normalize(text)
    try:
        return _parse_clean(text, cleaned, context)
    except ParseFailure as failure:
        return Invalid(failure.reason, failure.code, original_offset(offsets, failure.position), text)


def _parse_clean(text: str, cleaned: str, context: ParseContext) -> ParseResult:
    limits = context.limits
    if len(cleaned) > limits.max_length:
        raise ParseFailure("the answer is too long", "too_long", limits.max_length)
    core = cleaned.strip().strip("$").strip()
    if not core:
        raise ParseFailure("the answer is empty", "empty", 0)
    notes: list[str] = []
    thousands = _THOUSANDS.fullmatch(core)
    if thousands is not None:
        sign, literal = thousands.groups()
        plain = literal.replace(",", "")
        digits = plain.replace(".", "").lstrip("0")
        if len(digits) > limits.max_digits:
            raise ParseFailure("a number has too many digits", "too_many_digits", 0)
        value = number_from_literal(plain)
        value = -value if sign == "-" else value
        notes.append(f"`{core}` read as the number {plain}")
        return Parsed(value, text, to_text(value), tuple(notes))
    if "[" in core and (";" in core or " " in core):
        rewritten = matlab_matrix(core)
        if rewritten is not None:
            notes.append(f"`{core}` read as {rewritten} (MATLAB-style rows)")
            try:
                return _parse_tree(text, rewritten, context, notes)
            except ParseFailure as failure:  # positions refer to the rewritten text
                raise ParseFailure(failure.reason, failure.code, None) from None
    return _parse_tree(text, cleaned, context, notes)


def _parse_tree(text: str, cleaned: str, context: ParseContext, notes: list[str]) -> Parsed:
    limits = context.limits
    _check_depth(cleaned, limits.max_depth)
    latex = _LATEX_HINT.search(cleaned) is not None
    context = canonical_context(context)
    tree = Parser(cleaned, context, latex=latex, notes=notes).parse()
    builder = Builder(context, notes)
    result = builder.build_value(tree)
    return Parsed(result, text, to_text(result, builder.literals), tuple(dict.fromkeys(notes)))


def _check_depth(text: str, max_depth: int) -> None:
    """Reject bracket nesting deeper than ``max_depth`` before any recursion happens."""
    depth = 0
    for match in _BRACKETS.finditer(text):
        if match.group() in "([{":
            depth += 1
            if depth > max_depth:
                raise ParseFailure(
                    f"the answer is nested too deeply (more than {max_depth} levels)",
                    "too_deep",
                    match.start(),
                )
        elif depth > 0:
            depth -= 1
