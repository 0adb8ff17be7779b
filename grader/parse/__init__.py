"""Safe parsing of untrusted answer text into sympy values.

``parse_answer(text, context)`` reads plain math (``sqrt(2/d)``, ``2xy``, ``x^2``) or LaTeX
(``\\sqrt{\\frac{2}{d}}``) and returns ``Parsed`` or ``Invalid``; ``parse_number`` reads
one real number; ``to_text`` prints a value in the syntax ``parse_answer`` reads back;
``canonical_name`` is the name the parser gives a symbol's text (declared names are
canonicalized with it).
Text is never evaluated as code (no eval/exec/sympify): a hand-written lexer and Pratt
parser build sympy objects directly, checking resource limits first.
"""

from __future__ import annotations

from grader.parse.api import canonical_context, canonical_name, parse_answer, parse_number
from grader.parse.context import Limits, ParseContext, SymbolInfo
from grader.parse.printer import to_text
from grader.parse.values import (
    ArrayValue,
    EquationValue,
    Invalid,
    Parsed,
    ParseResult,
    TupleValue,
    Value,
    as_array,
)

__all__ = [
    "ArrayValue",
    "EquationValue",
    "Invalid",
    "Limits",
    "ParseContext",
    "ParseResult",
    "Parsed",
    "SymbolInfo",
    "TupleValue",
    "Value",
    "as_array",
    "canonical_context",
    "canonical_name",
    "parse_answer",
    "parse_number",
    "to_text",
]
