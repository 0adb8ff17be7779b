"""Left-hand sides that are labels: ``μ =``, ``J(x,y) =``, ``f'(x) =``, ``\\frac{\\partial L}{\\partial z} =``.

``label_kind(text, context)`` says what the left side of ``left = value`` is:

- ``"name"``: one name that is not a declared symbol (``μ``, ``H_{out}``, ``w_2``,
  ``\\hat{y}``);
- ``"declared"``: one declared symbol (``x``, or an alias of one): a label only when it
  is not an unknown of the expected value (decided by the checker, which knows it);
- ``"decorated"``: a declared symbol with a superscript, star or prime (``x^{(2)}``,
  ``D^*(x)``): the same rule, on the symbol it decorates;
- ``"call"``: a function or operator applied to something (``J(x,y)``, ``f'(x)``,
  ``\\mathrm{Var}(W_{ij})``, ``E[X]``, ``p(y|x)``) whose name is neither a declared
  symbol nor a known function (``sin(x) = ...`` is a value, not a label);
- ``"derivative"``: derivative or gradient notation (``\\frac{\\partial L}{\\partial z}``,
  ``dL/dz``, ``\\nabla_w L``, ``∂L/∂z``);
- ``None``: anything else (a value such as ``2x``, a number): every side is graded.
"""

from __future__ import annotations

import re
from dataclasses import replace

import sympy

from grader.parse.context import ParseContext
from grader.parse.names import FUNCTION_NAMES, LATEX_FUNCTIONS

__all__ = ["label_kind", "label_reused", "single_name"]

_SPACES = re.compile(r"\\[,;:! ]|\\q?quad(?![A-Za-z])|\\(?:left|right|[bB]igg?[lr]?)(?![A-Za-z])|[\s~$]")
_TEXT_LABEL = re.compile(r"^\\(?:text|textrm|mathrm|mbox|operatorname)\{[^{}]*\}(?:_\{[^{}]*\}|_.)?$")
_GROUP = r"\{[^{}]*(?:\{[^{}]*\}[^{}]*)*\}"
_WRAPPED = rf"\\(?:mathrm|operatorname|text|textrm|mathbb|mathcal|mathbf|boldsymbol|bm|mathit|hat|bar|tilde|widehat|vec)\s*{_GROUP}"
_NAME = rf"(?:{_WRAPPED}|\\[A-Za-z]+|[A-Za-zα-ωΑ-Ωℓ]+)"
_SUB = rf"(?:_(?:{_GROUP}|\\?[A-Za-z0-9]))"
_SUP = rf"(?:\^(?:{_GROUP}|\*|\\star|\\ast|\\prime|\([^()]*\)))"
_CALL = re.compile(rf"^(?P<name>{_NAME}{_SUB}?)(?P<marks>{_SUP}?'*{_SUB}?)(?P<args>[(\[].*[)\]])$", re.DOTALL)
_DECORATED = re.compile(rf"^(?P<name>{_NAME}{_SUB}?)(?P<marks>{_SUP}'*|'+){_SUB}?$", re.DOTALL)
_DERIVATIVE = re.compile(
    r"""^(?:
        \\[dt]?frac\{(?:\\partial|∂|d|\\mathrm\{d\}|\\delta|δ)[^{}]*\}\{(?:\\partial|∂|d|\\mathrm\{d\}|\\delta|δ)[^{}]*\}.*
      | (?:\\partial|∂)[^/]*/(?:\\partial|∂).+
      | d[A-Za-z\\][^/]*/d[A-Za-z\\].*
      | (?:\\nabla|∇).+
    )$""",
    re.VERBOSE | re.DOTALL,
)


def _compact(text: str) -> str:
    return _SPACES.sub("", text).strip()


def _bare_name(name: str) -> str:
    """``\\mathrm{Var}`` -> ``Var``; ``\\sigma`` -> ``sigma``; ``f_1`` -> ``f``."""
    name = re.sub(r"_.*$", "", name)
    match = re.match(r"\\[A-Za-z]+\s*\{([^{}]*)\}", name)
    if match:
        return match.group(1).strip()
    return name.lstrip("\\")


def _declared(name: str, context: ParseContext) -> bool:
    from grader.parse.api import canonical_name

    if context.symbols is None:
        return False
    return canonical_name(name) in context.symbols


def single_name(text: str) -> str | None:
    from grader.parse.api import parse_answer

    result = parse_answer(text, _ANY_NAME)
    value = getattr(result, "value", None)
    if isinstance(value, sympy.Symbol):
        return value.name
    return None


_ANY_NAME = ParseContext(allow_equation=False)


def _declared_name(text: str, context: ParseContext) -> str | None:
    """``text`` read with the part's names (and aliases: ``g_t`` may be declared as g)."""
    from grader.parse.api import parse_answer

    if context.symbols is None:
        return None
    result = parse_answer(text, replace(context, allow_equation=False))
    value = getattr(result, "value", None)
    if isinstance(value, (sympy.Symbol, sympy.MatrixSymbol)) and str(value.name) in context.symbols:
        return str(value.name)
    return None


def label_kind(text: str, context: ParseContext) -> tuple[str, str] | None:
    """What the left side ``text`` of ``text = value`` is: ``(kind, name)`` or None.

    ``name`` is the symbol name the left side is built on (``x`` for ``x``, ``x^{(2)}``,
    ``D^*(x)``) when that is a declared symbol or the whole side is one name, else ``""``.
    """
    compact = _compact(text)
    if not compact or len(compact) > 200:
        return None
    declared = _declared_name(compact, context)
    if declared is not None:
        return "declared", declared
    name = single_name(compact)
    if name is not None:
        return ("declared" if _declared(name, context) else "name"), name
    if _DERIVATIVE.match(compact):
        return "derivative", ""
    if _TEXT_LABEL.match(compact):
        return "call", ""  # \text{Number of parameters} =
    call = _CALL.match(compact)
    decorated = _DECORATED.match(compact) if call is None else None
    match = call or decorated
    if match is None:
        return None
    bare = _bare_name(match.group("name"))
    if bare in context.functions:
        return "call", ""
    if bare in FUNCTION_NAMES or bare in LATEX_FUNCTIONS:
        return None  # sin(x) = ... : a value
    base = single_name(re.sub(r"_.*$", "", match.group("name")))
    if base is not None and _declared(base, context):
        if call is not None and not match.group("marks"):
            return None  # x(y+1) = ...: a product of the declared x, a value
        return "decorated", base  # x^{(2)}, D^*(x): a label unless x is an unknown of the answer
    return "call", ""


_CALL_NAME = re.compile(rf"^({_NAME}{_SUB}?)")


def label_reused(label: str, values: list[str]) -> bool:
    """Whether the left side is used in the values, so that it is not a label.

    ``μ = μ + 1`` or ``x^{(2)} = x^{(2)} - g`` use the left side itself on the right;
    ``f(x) = f(x-1) + 1`` calls the same function. Another quantity of a similar name
    (``x_{t+1} = x_t - g``, ``p(x) = p^x (1-p)^{1-x}``) does not count.
    """
    compact = _compact(label)
    if _DERIVATIVE.match(compact):
        return False
    compact_values = [_compact(value) for value in values]
    call = _CALL.match(compact)
    if call is None:
        pattern = re.escape(compact) + r"(?![A-Za-z0-9_^'])"
        return any(re.search(r"(?<![A-Za-z\\])" + pattern, value) for value in compact_values)
    name = _CALL_NAME.match(compact)
    if name is None:
        return False
    pattern = r"(?<![A-Za-z\\])" + re.escape(name.group(1)) + r"['^*]*\("
    return any(re.search(pattern, value) for value in compact_values)
