"""``to_text``: canonical plain-math text that ``parse_answer`` reads back to the value.

Syntax: ``*`` always written, ``^`` for powers, ``sqrt(x)``, ``exp(x)``, ``log(x)``
(natural), ``abs(x)``, ``n!``, ``sum(body, i, lo, hi)``, ``product(...)``, ``A^T``,
``A^(-1)``, ``e``, ``pi``, ``infinity``, ``sqrt(-1)`` for the imaginary unit; tuples
``(a, b)`` / ``[a, b]`` (one item: ``(a,)``), arrays ``matrix([[1, 2], [3, 4]])``,
equations ``lhs = rhs``. Exponents longer than one character are parenthesized whenever
the text would be read in LaTeX mode (a name such as ``x_{max}`` triggers it).

Round trip: the value read back is equal for exact values and the same context. Floats
round-trip numerically (a printed float with at most 15 significant digits reads back as
an exact rational); symbols read back with the assumptions of the context used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy
from sympy.core.function import Application, AppliedUndef
from sympy.matrices.expressions.matexpr import MatrixExpr

from grader.parse.context import IDENTITY_SIZE_PREFIX
from grader.parse.values import ArrayValue, EquationValue, TupleValue

ADD, NEG, MUL, POW, POSTFIX, ATOM = 10, 15, 20, 40, 50, 100

_FUNCTION_NAMES = {
    sympy.Abs: "abs", sympy.ceiling: "ceil", sympy.Max: "max", sympy.Min: "min",
    sympy.sign: "sign", sympy.binomial: "binom", sympy.Determinant: "det", sympy.Trace: "tr",
}  # fmt: skip
_CLOSERS = {"(": ")", "[": "]", "{": "}", "": ")"}


def to_text(value: Any, literals: Mapping[tuple[int, int], str] | None = None) -> str:
    """Canonical plain-math text for a parsed value (see module doc).

    ``literals`` maps exact values ``(p, q)`` read from decimal literals to their text, so a
    decimal is shown as written (``0.8068``, not ``2017/2500``).
    """
    text = _Printer(latex_safe=False, literals=literals).value(value)
    if "_{" in text or "\\" in text:
        text = _Printer(latex_safe=True, literals=literals).value(value)
    return text


def _int_text(value: int) -> str:
    """Decimal digits of any int (``str`` refuses more than 4300 digits by default)."""
    if value.bit_length() < 10000:
        return str(value)
    sign = "-" if value < 0 else ""
    value = abs(value)
    chunk = 10**1000
    pieces: list[str] = []
    while value:
        value, rest = divmod(value, chunk)
        pieces.append(str(rest).zfill(1000) if value else str(rest))
    return sign + "".join(reversed(pieces))


def _is_column(value: TupleValue) -> bool:
    return (
        value.bracket == "["
        and len(value.items) > 1
        and all(
            isinstance(item, TupleValue) and item.bracket == "[" and len(item.items) == 1
            and isinstance(item.items[0], sympy.Basic)
            for item in value.items
        )
    )


class _Printer:
    def __init__(self, latex_safe: bool, literals: Mapping[tuple[int, int], str] | None = None) -> None:
        self.latex_safe = latex_safe
        self.literals = literals or {}

    def value(self, value: Any) -> str:
        if isinstance(value, TupleValue):
            if _is_column(value):  # [[a], [b], [c]]: a column, as students write one
                return f"{self.sequence([item.items[0] for item in value.items], '[')}^T"  # type: ignore[union-attr]
            return self.sequence(value.items, value.bracket, top=True)
        if isinstance(value, ArrayValue):
            if len(value.shape) == 2 and value.shape[1] == 1 and value.shape[0] > 1:
                return f"{self.sequence(value.items, '[')}^T"  # a column, as students write one
            nested = value.to_nested() if value.shape else value.items[0]
            return f"matrix({self.nested(nested)})"
        if isinstance(value, EquationValue):
            return f"{self.value(value.lhs)} = {self.value(value.rhs)}"
        if isinstance(value, sympy.MatrixBase):
            return f"matrix({self.nested(value.tolist())})"
        if isinstance(value, sympy.Basic):
            return self.expr(value)[0]
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return self.value(sympy.Integer(value) if isinstance(value, int) else sympy.Float(value))
        raise TypeError(f"cannot print {type(value).__name__}")

    def sequence(self, items: Any, bracket: str, top: bool = False) -> str:
        parts = [self.nested(item) for item in items]
        if bracket == "" and top and len(parts) > 1:
            return ", ".join(parts)
        opener = bracket or "("
        body = ", ".join(parts)
        if len(parts) == 1:
            body += ","
        return f"{opener}{body}{_CLOSERS[opener]}"

    def nested(self, item: Any) -> str:
        if isinstance(item, list):
            return self.sequence(item, "[")
        return self.value(item)

    def wrap(self, expr: sympy.Basic, minimum: int) -> str:
        text, prec = self.expr(expr)
        return text if prec >= minimum else f"({text})"

    def exponent(self, expr: sympy.Basic) -> str:
        text, prec = self.expr(expr)
        simple = prec >= ATOM and not text.startswith("-") and text != "T"
        if simple and (len(text) == 1 or not self.latex_safe):
            return text
        return f"({text})"

    # -- expressions ----------------------------------------------------------------

    def expr(self, expr: sympy.Basic) -> tuple[str, int]:
        """Text and precedence of a sympy object."""
        if isinstance(expr, sympy.Number):
            return self.number(expr)
        if expr is sympy.pi:
            return "pi", ATOM
        if expr is sympy.E:
            return "e", ATOM
        if expr is sympy.I:
            return "sqrt(-1)", ATOM
        if isinstance(expr, (sympy.Symbol, sympy.MatrixSymbol)):
            return str(expr.name), ATOM
        if isinstance(expr, sympy.Identity):
            size = expr.args[0]
            named = isinstance(size, sympy.Symbol) and size.name.startswith(IDENTITY_SIZE_PREFIX)
            return (size.name[len(IDENTITY_SIZE_PREFIX):] if named else "I"), ATOM
        if isinstance(expr, (sympy.Add, sympy.MatAdd)):
            return self.add(expr)
        if isinstance(expr, sympy.Mul) and expr.is_commutative:
            return self.commutative_mul(expr)
        if isinstance(expr, (sympy.Mul, sympy.MatMul)):
            return self.ordered_mul(expr)
        if isinstance(expr, (sympy.Pow, sympy.MatPow)):
            return self.power(expr)
        if isinstance(expr, sympy.Transpose):
            return self.wrap(expr.arg, ATOM) + "^T", POW
        if isinstance(expr, sympy.Inverse):
            return self.wrap(expr.arg, ATOM) + "^(-1)", POW
        if isinstance(expr, sympy.factorial):
            return self.wrap(expr.args[0], ATOM) + "!", POSTFIX
        if isinstance(expr, (sympy.Sum, sympy.Product)):
            return self.big_operator(expr), ATOM
        if isinstance(expr, sympy.MatrixBase):
            return f"matrix({self.nested(expr.tolist())})", ATOM
        if isinstance(expr, (sympy.Derivative, sympy.Subs)):
            primed = self.primed(expr)
            if primed is not None:
                return primed, ATOM
        if isinstance(expr, sympy.Tuple):
            return self.sequence(expr.args, "("), ATOM
        if isinstance(expr, (Application, sympy.Determinant, sympy.Trace)):
            name = _FUNCTION_NAMES.get(expr.func) or getattr(expr.func, "__name__", str(expr.func))
            args = ", ".join(self.value(arg) for arg in expr.args)
            return f"{name}({args})", ATOM
        return f"{sympy.sstr(expr)}", 0

    def primed(self, expr: sympy.Basic) -> str | None:
        """``f'(x)`` for the derivative of a one-argument function (as students write it)."""
        argument = None
        if isinstance(expr, sympy.Subs) and len(expr.variables) == 1:
            argument, expr = expr.point[0], expr.expr
        if not isinstance(expr, sympy.Derivative) or len(expr.variable_count) != 1:
            return None
        call = expr.expr
        variable, order = expr.variable_count[0]
        if not (isinstance(call, AppliedUndef) and call.args == (variable,) and 1 <= order <= 3):
            return None
        return f"{call.func.__name__}{chr(39) * int(order)}({self.value(argument if argument is not None else variable)})"

    def _literal(self, number: sympy.Rational) -> str | None:
        """The decimal a student wrote for this value (or its negation), if any."""
        p, q = int(number.p), int(number.q)
        if (p, q) in self.literals:
            return self.literals[(p, q)]
        if (-p, q) in self.literals:
            return "-" + self.literals[(-p, q)]
        return None

    def number(self, number: sympy.Number) -> tuple[str, int]:
        if number is sympy.oo:
            return "infinity", ATOM
        if number is sympy.S.NegativeInfinity:
            return "-infinity", NEG
        if number is sympy.zoo or number is sympy.nan:
            return str(number), ATOM
        if number.is_Integer:
            text = _int_text(int(number))
        elif number.is_Rational and self.literals and self._literal(number) is not None:
            text = self._literal(number) or ""
        elif number.is_Rational:
            text = f"{_int_text(int(number.p))}/{_int_text(int(number.q))}"
            return text, NEG if number.is_negative else MUL
        else:
            text = str(number)
        return text, NEG if text.startswith("-") else ATOM

    def add(self, expr: sympy.Basic) -> tuple[str, int]:
        # sympy's canonical argument order, with a constant term moved last ("1/p - 1"),
        # except that a sum does not open with a minus when a term is positive ("1 - beta")
        terms = [arg for arg in expr.args if not isinstance(arg, sympy.Number)]
        terms += [arg for arg in expr.args if isinstance(arg, sympy.Number)]
        if terms[0].could_extract_minus_sign():
            first_positive = next((i for i, term in enumerate(terms) if not term.could_extract_minus_sign()), None)
            if first_positive is not None:
                terms.insert(0, terms.pop(first_positive))
        parts = [self.expr(terms[0])[0]]
        for term in terms[1:]:
            if term.could_extract_minus_sign():
                parts.append(" - " + self.wrap(-term, MUL))
            else:
                parts.append(" + " + self.wrap(term, ADD + 1))
        return "".join(parts), ADD

    def coefficient(self, coeff: sympy.Number) -> tuple[str, list[str], list[str]]:
        """Sign, numerator and denominator pieces of a numeric coefficient."""
        sign = ""
        if coeff.is_negative:
            sign, coeff = "-", -coeff
        numerator: list[str] = []
        denominator: list[str] = []
        if coeff.is_Rational:
            if coeff.p != 1:
                numerator.append(str(int(coeff.p)))
            if coeff.q != 1:
                denominator.append(str(int(coeff.q)))
        elif coeff != 1:
            numerator.append(self.wrap(coeff, MUL + 1))
        return sign, numerator, denominator

    def commutative_mul(self, expr: sympy.Mul) -> tuple[str, int]:
        coeff, factors = expr.as_coeff_mul()
        sign, numerator, denominator = self.coefficient(coeff)
        den_terms: list[sympy.Basic] = []
        for factor in factors:
            if factor.is_Pow and factor.exp.is_Rational and factor.exp.is_negative:
                den_terms.append(sympy.Pow(factor.base, -factor.exp))
            else:
                numerator.append(self.wrap(factor, MUL + 1))
        text = "*".join(numerator) or "1"
        if len(denominator) + len(den_terms) == 1:
            text += "/" + (denominator[0] if denominator else self.wrap(den_terms[0], POW))
        elif denominator or den_terms:
            denominator.extend(self.wrap(term, MUL + 1) for term in den_terms)
            text += "/(" + "*".join(denominator) + ")"
        return sign + text, NEG if sign else MUL

    def ordered_mul(self, expr: sympy.Basic) -> tuple[str, int]:
        args = list(expr.args)
        sign = ""
        pieces: list[str] = []
        if args and isinstance(args[0], sympy.Number):
            sign, numerator, denominator = self.coefficient(args.pop(0))
            if numerator or denominator:
                pieces.append("/".join([numerator[0] if numerator else "1", *denominator]))
        pieces.extend(self.wrap(arg, MUL + 1) for arg in args)
        return sign + "*".join(pieces), NEG if sign else MUL

    def power(self, expr: sympy.Basic) -> tuple[str, int]:
        base, exponent = expr.args
        if exponent == sympy.S.Half and not isinstance(base, MatrixExpr):
            return f"sqrt({self.value(base)})", ATOM
        if (
            isinstance(expr, sympy.Pow)
            and exponent.is_Rational
            and exponent.is_negative
            and expr.is_commutative
        ):
            inverse = sympy.Pow(base, -exponent)
            return "1/" + self.wrap(inverse, POW), MUL
        return f"{self.wrap(base, ATOM)}^{self.exponent(exponent)}", POW

    def big_operator(self, expr: sympy.Basic) -> str:
        name = "sum" if isinstance(expr, sympy.Sum) else "product"
        text = self.value(expr.function)
        for index, start, stop in expr.limits:
            text = f"{name}({text}, {self.value(index)}, {self.value(start)}, {self.value(stop)})"
        return text
