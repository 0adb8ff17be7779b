"""Answers as a class really writes them, for ``make_class.py --style realistic``.

Right answers come in the students' own equivalent forms: a scalar expected expression
(parsed with the grader's own parser) is expanded, factored or put over one denominator,
then printed with its terms and factors in a random order, in plain text or LaTeX. Wrong
answers carry the students' own numbers: a coefficient, constant or exponent that slipped,
an entry of an array or a value of a constraint miscomputed. Matrix expressions keep their
sample forms (factor order matters) with their own spacing and brackets, and slip a
scalar factor. Listed mistakes, unreadable input and blanks come as in the simple style.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

import sympy
from sympy.core.function import AppliedUndef

from grader.check.engine import context_for
from grader.check.parsing import parse_expected
from grader.parse import Parsed
from grader.rubric.models import Part, Rubric

__all__ = ["RealisticAnswers"]

GREEK = frozenset({
    "alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "kappa", "lambda", "mu", "nu", "xi", "rho",
    "sigma", "tau", "phi", "chi", "psi", "omega",
})
GARBAGE = ("((", "???", "see my notes", "x +* y", "[[1, 2], [3", "\\frac{1}{", "idk")
_NUMBER = re.compile(r"(?<![\w.^_{])\d+(?:\.\d+)?(?![\w.])")

# the share of each kind of answer to an auto-graded part (the rest: right answers)
BLANK, GARBLED, LISTED_MISTAKE, OWN_NUMBERS = 0.04, 0.04, 0.07, 0.40
OWN_FORM = 0.8  # of the right answers: written in an own form rather than a sample's


class RealisticAnswers:
    """``answer(part, rng)``: one student's raw answer to ``part`` (None: left blank)."""

    def __init__(self, rubric: Rubric, fallback: Callable[[Part, random.Random], Any]) -> None:
        self.rubric = rubric
        self.fallback = fallback
        self._forms: dict[str, list[sympy.Basic]] = {}

    # ------------------------------------------------------------------ per part

    def answer(self, part: Part, rng: random.Random) -> Any:
        kind = part.answer.kind
        if kind == "manual":
            return self.fallback(part, rng)
        right = [test.answer for test in part.tests if test.score == 1]
        mistakes = [test.answer for test in part.tests if test.score < 1 and test.status != "invalid"]
        invalid = [test.answer for test in part.tests if test.status == "invalid"]
        roll = rng.random()
        if roll < BLANK:
            return None
        if roll < BLANK + GARBLED:
            return rng.choice(invalid) if invalid and rng.random() < 0.5 else rng.choice(GARBAGE)
        if roll < BLANK + GARBLED + LISTED_MISTAKE and mistakes:
            return rng.choice(mistakes)
        wrong = roll < BLANK + GARBLED + LISTED_MISTAKE + OWN_NUMBERS
        if not right:
            return rng.choice(mistakes) if mistakes else None
        if kind == "expression" and (forms := self.forms(part)):
            expr = rng.choice(forms)
            if wrong:
                expr = _slip(expr, rng)
            return render(expr, rng, latex=rng.random() < 0.4)
        sample = rng.choice(right)
        if wrong:
            return _own_numbers(sample, rng) if kind != "choice" else rng.choice(mistakes or GARBAGE)
        if rng.random() < OWN_FORM and isinstance(sample, str):
            if kind in ("array", "tuple", "number"):
                sample = _decimals(sample, rng)
            return _restyle(sample, rng, shuffle_commas=kind == "constraint")
        return sample

    def forms(self, part: Part) -> list[sympy.Basic]:
        """Equivalent forms of a scalar expected expression (empty for matrix expressions)."""
        if part.id not in self._forms:
            self._forms[part.id] = _equivalent_forms(self.rubric, part)
        return self._forms[part.id]


def _equivalent_forms(rubric: Rubric, part: Part) -> list[sympy.Basic]:
    expected = getattr(part.answer, "expected", None)
    ctx = context_for(rubric, part)
    if not isinstance(expected, str) or any(spec.shape or spec.identity for spec in ctx.symbols.values()):
        return []
    parsed = parse_expected(expected, ctx)
    if not isinstance(parsed, Parsed) or not isinstance(parsed.value, sympy.Expr):
        return []
    value = parsed.value
    if value.has(sympy.Sum, sympy.Product, sympy.Integral) or isinstance(value, sympy.core.relational.Relational):
        return []
    forms: list[sympy.Basic] = []
    for candidate in (value, sympy.expand(value), sympy.factor(value), sympy.together(sympy.expand(value))):
        if candidate not in forms:
            forms.append(candidate)
    return forms


# ---------------------------------------------------------------------- wrong answers


def _slip(expr: sympy.Basic, rng: random.Random) -> sympy.Basic:
    """The expression with one of a student's own numbers in it (never equal to it)."""
    symbols = sorted(expr.free_symbols, key=str)
    for _attempt in range(5):
        choice = rng.randrange(4)
        if choice == 0:
            factor = sympy.Rational(rng.randint(2, 99), rng.choice((1, 1, 2, 3, 4, 5, 10)))
            slipped = factor * expr if factor != 1 else 2 * expr
        elif choice == 1:
            slipped = expr + rng.choice((-1, 1)) * rng.randint(1, 99)
        elif choice == 2 and symbols:
            symbol = rng.choice(symbols)
            slipped = expr.xreplace({symbol: rng.randint(2, 30) * symbol})
        else:
            powers = [node for node in sympy.preorder_traversal(expr) if isinstance(node, sympy.Pow)]
            if not powers:
                continue
            power = rng.choice(powers)
            slipped = expr.xreplace({power: power.base ** (power.exp + rng.choice((-1, 1)) * rng.randint(1, 6))})
        if slipped != expr:
            return slipped
    return expr + rng.randint(1, 12)


def _own_numbers(sample: Any, rng: random.Random) -> Any:
    """A sample answer with one of its numbers replaced by the student's own."""
    if isinstance(sample, (int, float)) and not isinstance(sample, bool):
        return round(sample * rng.uniform(0.3, 3.0) + rng.choice((-1, 1)) * rng.random(), rng.randint(1, 4))
    if isinstance(sample, list):
        return json_slip(sample, rng)
    text = str(sample)
    numbers = list(_NUMBER.finditer(text))
    if not numbers:
        return f"{rng.randint(2, 99)}*({text})" if "\\" not in text else f"{rng.randint(2, 99)} \\left({text}\\right)"
    match = rng.choice(numbers)
    old = match.group()
    decimals = len(old.split(".")[1]) if "." in old else 0
    new = old
    while new == old:
        value = float(old) * rng.uniform(0.2, 5.0) + rng.randint(0, 9)
        new = f"{value:.{decimals}f}" if decimals else str(rng.randint(2, 99) if float(old) < 10 else max(2, round(value)))
    return text[: match.start()] + new + text[match.end():]


def json_slip(sample: list[Any], rng: random.Random) -> list[Any]:
    """A nested list of numbers with one entry miscomputed."""
    flat_paths: list[tuple[int, ...]] = []

    def walk(node: Any, path: tuple[int, ...]) -> None:
        if isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, (*path, index))
        else:
            flat_paths.append(path)

    walk(sample, ())
    copy = json_copy(sample)
    if not flat_paths:
        return copy
    path = rng.choice(flat_paths)
    node = copy
    for index in path[:-1]:
        node = node[index]
    node[path[-1]] = round(float(node[path[-1]]) + rng.choice((-1, 1)) * rng.uniform(0.1, 3), rng.randint(1, 4))
    return copy


def json_copy(value: Any) -> Any:
    return [json_copy(item) for item in value] if isinstance(value, list) else value


# ---------------------------------------------------------------------- forms of text

_FRACTION = re.compile(r"(?<![\w.])(\d+)/(\d+)(?![\w.])")


def _decimals(text: str, rng: random.Random) -> str:
    """Exact fractions written as decimals with the student's own number of places."""

    def decimal(match: re.Match[str]) -> str:
        if rng.random() < 0.3:
            return match.group()
        value = int(match.group(1)) / int(match.group(2))
        return f"{value:.{rng.randint(3, 6)}f}"

    return _FRACTION.sub(decimal, text)



def _restyle(text: str, rng: random.Random, shuffle_commas: bool) -> str:
    """The same answer with its own spacing, brackets and (for a list of values) order."""
    if shuffle_commas and "\\begin" not in text:
        items = [item.strip() for item in text.split(",")]
        rng.shuffle(items)
        text = rng.choice((", ", ",", " , ", "; ")).join(items) if all("=" in item for item in items) else text
    if "\\" in text and rng.random() < 0.5:
        text = text.replace("(", "\\left(").replace(")", "\\right)") if "\\left" not in text else text
    style = rng.randrange(4)
    if style == 1:
        text = re.sub(r"\s+", "", text) if "\\" not in text else text
    elif style == 2:
        text = re.sub(r"\s*(?<![eE])([+\-=,])\s*", r" \1 ", text).strip()
    elif style == 3:
        text = re.sub(r"\s*([+\-=])\s*", r"\1", text)
    return text


def render(expr: sympy.Basic, rng: random.Random, latex: bool) -> str:
    """``expr`` as a student may write it: terms and factors in a random order."""
    times = rng.choice((" \\cdot ", " ", "")) if latex else rng.choice(("*", "*", " * "))
    spaced = rng.random() < 0.7
    return _Printer(rng, latex, times, spaced).show(expr)


class _Printer:
    ADD, MUL, POW, ATOM = range(4)

    def __init__(self, rng: random.Random, latex: bool, times: str, spaced: bool) -> None:
        self.rng, self.latex, self.times, self.spaced = rng, latex, times, spaced

    def show(self, expr: sympy.Basic) -> str:
        return self._show(expr)[0]

    def _wrap(self, shown: tuple[str, int], level: int) -> str:
        text, own = shown
        if own >= level:
            return text
        return f"\\left({text}\\right)" if self.latex and self.rng.random() < 0.3 else f"({text})"

    def _show(self, expr: sympy.Basic) -> tuple[str, int]:
        if isinstance(expr, sympy.Integer):
            return (str(expr), self.ATOM if expr >= 0 else self.ADD)
        if isinstance(expr, sympy.Rational):
            if expr < 0:
                return ("-" + self._show(-expr)[0], self.ADD)
            if self.latex:
                return (f"\\frac{{{expr.p}}}{{{expr.q}}}", self.ATOM)
            return (f"{expr.p}/{expr.q}", self.MUL)
        if isinstance(expr, sympy.Symbol):
            name = expr.name
            return (f"\\{name}" if self.latex and name in GREEK else name, self.ATOM)
        if isinstance(expr, sympy.Add):
            return self._sum(list(expr.args))
        if isinstance(expr, sympy.Mul):
            return self._product(expr)
        if isinstance(expr, sympy.Pow):
            return self._power(expr)
        if isinstance(expr, (AppliedUndef, sympy.Function)):
            name = type(expr).__name__
            head = f"\\{name}" if self.latex and name in GREEK else name
            return (f"{head}({', '.join(self.show(arg) for arg in expr.args)})", self.ATOM)
        return (str(expr).replace("**", "^"), self.ADD)

    def _sum(self, terms: list[sympy.Basic]) -> tuple[str, int]:
        self.rng.shuffle(terms)
        plus, minus = (" + ", " - ") if self.spaced else ("+", "-")
        parts: list[str] = []
        for index, term in enumerate(terms):
            negative = term.could_extract_minus_sign()
            shown = self._wrap(self._show(-term if negative else term), self.MUL)
            if index == 0:
                parts.append(("-" if negative else "") + shown)
            else:
                parts.append((minus if negative else plus) + shown)
        return ("".join(parts), self.ADD)

    def _product(self, expr: sympy.Mul) -> tuple[str, int]:
        coefficient, factors = expr.as_coeff_mul()
        if coefficient < 0:
            inner = self._show(-expr)
            return ("-" + self._wrap(inner, self.MUL), self.ADD)
        numerator = [f for f in factors if not (isinstance(f, sympy.Pow) and f.exp.is_negative)]
        denominator = [f.base ** -f.exp for f in factors if isinstance(f, sympy.Pow) and f.exp.is_negative]
        if coefficient != 1:
            numerator.insert(0, sympy.Integer(coefficient.p))
            if coefficient.q != 1:
                denominator.insert(0, sympy.Integer(coefficient.q))
        self.rng.shuffle(numerator)
        top = self._join(numerator) if numerator else "1"
        if not denominator:
            return (top, self.MUL)
        self.rng.shuffle(denominator)
        bottom = self._join(denominator)
        if self.latex:
            return (f"\\frac{{{top}}}{{{bottom}}}", self.ATOM)
        top = top if len(numerator) <= 1 else f"({top})"
        bottom = bottom if len(denominator) == 1 and self._show(denominator[0])[1] >= self.POW else f"({bottom})"
        return (f"{top}/{bottom}", self.MUL)

    def _join(self, factors: list[sympy.Basic]) -> str:
        shown = [self._wrap(self._show(factor), self.MUL if index == 0 else self.POW) for index, factor in enumerate(factors)]
        if not self.latex:
            return self.times.join(shown)
        return "".join(shown[:1] + [(self.times or " ") + part for part in shown[1:]])

    def _power(self, expr: sympy.Pow) -> tuple[str, int]:
        base, exponent = expr.args
        if exponent == sympy.Rational(1, 2):
            return ((f"\\sqrt{{{self.show(base)}}}" if self.latex else f"sqrt({self.show(base)})"), self.ATOM)
        if exponent.is_negative:
            return self._reciprocal(base, -exponent)
        shown_base = self._wrap(self._show(base), self.ATOM)
        shown_exponent = self._show(exponent)
        if self.latex:
            return (f"{shown_base}^{{{shown_exponent[0]}}}", self.POW)
        return (f"{shown_base}^{self._wrap(shown_exponent, self.ATOM)}", self.POW)

    def _reciprocal(self, base: sympy.Basic, exponent: sympy.Basic) -> tuple[str, int]:
        bottom = self._show(base ** exponent)
        if self.latex:
            return (f"\\frac{{1}}{{{bottom[0]}}}", self.ATOM)
        return (f"1/{self._wrap(bottom, self.POW)}", self.MUL)
