"""Shared helpers of the parser tests: expected values are built directly, never from text."""

from __future__ import annotations

from typing import Any

import sympy

from grader.parse import Invalid, ParseContext, Parsed, parse_answer

E = sympy.E
pi = sympy.pi


def r(name: str) -> sympy.Symbol:
    """The symbol an undeclared name reads as (a real symbol)."""
    return sympy.Symbol(name, real=True)


def read(text: str, context: ParseContext | None = None) -> Parsed:
    result = parse_answer(text, context)
    assert isinstance(result, Parsed), f"{text!r} did not parse: {result}"
    return result


def value(text: str, context: ParseContext | None = None) -> Any:
    return read(text, context).value


def invalid(text: str, context: ParseContext | None = None) -> Invalid:
    result = parse_answer(text, context)
    assert isinstance(result, Invalid), f"{text!r} unexpectedly parsed as {result}"
    return result


def equivalent(got: Any, expected: Any) -> bool:
    """Same value: structurally equal, or a difference that simplifies to zero."""
    if got == expected:
        return True
    if isinstance(got, sympy.Expr) and isinstance(expected, sympy.Expr):
        return sympy.simplify(got - expected) == 0
    return False
