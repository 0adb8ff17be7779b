"""Checker for ``kind: constraint``: values that must satisfy conditions (many right answers).

Accepts ``"c = 0, mu = 0, sigma^2 = 1/d"`` (pairs separated by commas, semicolons, new
lines or "and") or a mapping ``{c: 0, mu: 0, sigma: "sqrt(1/d)"}``. A left side may be a
power of a variable: ``sigma^2 = v`` gives ``sigma = v^(1/2)`` (the principal root; the
evidence records it). Every variable in ``spec.variables`` must be given.

Each condition (``lhs = rhs`` or an inequality ``<, <=, >, >=``) is checked after
substituting the values: equalities with the expression equivalence (numeric rejection,
proof, confirmation), inequalities at random points of the remaining symbols' domains.

Before that, like a choice answer that hedges, these are wrong with a clear message: a
variable given two different values (``c = 1, c = 0``), a value written in terms of its
own variable (``mu = mu``) or of each other circularly, and a value outside its
variable's declared domain or not real (``sigma^2 = -1/d``, ``sigma = sqrt(-1/d)``).
"""

from __future__ import annotations

import math
import random
import zlib
from typing import Any

import sympy

from grader.check.base import CheckContext
from grader.check.equivalence import compare_expressions
from grader.check.numeric import EvaluationError, compile_numeric
from grader.check.parsing import (
    ExpectedValueError,
    lookup_spec,
    parse_context,
    parse_expected,
    parse_student,
)
from grader.check.policy import apply_policy
from grader.check.symbols import domain_spec, sampler_for
from grader.check.timing import StepTimeout, step_allowed, time_limit
from grader.check.verdict import Status, Verdict
from grader.parse import canonical_name
from grader.parse.values import EquationValue, Invalid, Parsed, TupleValue
from grader.rubric.models import Domain, SymbolSpec

__all__ = ["ConstraintChecker", "split_pairs", "split_relation"]

RELATIONS = ("<=", ">=", "≤", "≥", "==", "=", "<", ">")
INEQUALITY_POINTS = 12


def split_pairs(text: str) -> list[str]:
    """Split at top-level commas, semicolons, new lines and the word 'and'."""
    pieces: list[str] = []
    current: list[str] = []
    depth = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if depth == 0 and (char in ",;\n" or text.startswith(" and ", index)):
            pieces.append("".join(current))
            current = []
            index += 5 if char == " " else 1
            continue
        current.append(char)
        index += 1
    pieces.append("".join(current))
    return [piece.strip() for piece in pieces if piece.strip()]


def split_relation(text: str) -> tuple[str, str, str] | None:
    """(left, operator, right) at the first top-level relation, or None."""
    depth = 0
    for index, char in enumerate(text):
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif depth == 0:
            for operator in RELATIONS:
                if text.startswith(operator, index):
                    return text[:index].strip(), operator, text[index + len(operator) :].strip()
    return None


def _variable_specs(spec: Any, ctx: CheckContext) -> dict[str, SymbolSpec]:
    return {name: lookup_spec(ctx.symbols, name) or domain_spec(Domain.real) for name in spec.variables}


def _variables(spec: Any) -> tuple[str, ...]:
    """The part's variables by canonical name (how the parser names them: ``p_{data}``)."""
    return tuple(canonical_name(name) for name in spec.variables)


def _assignment_target(lhs: Any, variables: tuple[str, ...]) -> tuple[str, int] | None:
    if isinstance(lhs, sympy.Symbol) and lhs.name in variables:
        return lhs.name, 1
    if isinstance(lhs, sympy.Pow) and isinstance(lhs.base, sympy.Symbol) and lhs.base.name in variables:
        if lhs.exp.is_Integer and int(lhs.exp) >= 1:
            return lhs.base.name, int(lhs.exp)
    return None


def _resolve_references(values: dict[str, sympy.Basic]) -> dict[str, sympy.Basic]:
    """Values may use other given values (``beta = sqrt(6/d), alpha = -beta``): substitute."""
    resolved = dict(values)
    for _round in range(len(resolved)):
        changed = False
        for name, value in resolved.items():
            substitution = {
                symbol: resolved[symbol.name]
                for symbol in value.free_symbols
                if isinstance(symbol, sympy.Symbol) and symbol.name in resolved and symbol.name != name
            }
            if substitution:
                resolved[name] = value.xreplace(substitution)
                changed = True
        if not changed:
            break
    return resolved


DOMAIN_POINTS = 12


def _spec_name(spec: Any, canonical: str) -> str:
    """The rubric's spelling of a variable from its canonical name."""
    for name in spec.variables:
        if canonical_name(name) == canonical:
            return str(name)
    return canonical


def _same_value(first: sympy.Basic, second: sympy.Basic, ctx: CheckContext) -> bool:
    """A variable given twice is fine only when both values are provably the same."""
    if first == second:
        return True
    return compare_expressions(first, second, ctx).outcome == "proved"


def _domain_problem(value: Any, spec: SymbolSpec) -> str | None:
    """Why a real number is outside the domain ``spec`` (None when inside or too close to tell)."""
    scale = 1e-9 * max(1.0, abs(value))
    domain = spec.domain
    if domain in (Domain.positive, Domain.positive_integer) and value < -scale or domain in (Domain.positive, Domain.positive_integer) and value == 0:
        return "not positive"
    if domain is Domain.nonnegative and value < -scale:
        return "negative"
    if domain is Domain.nonzero and value == 0:
        return "zero"
    if domain in (Domain.integer, Domain.positive_integer) and abs(value - round(value)) > scale:
        return "not an integer"
    if domain is Domain.interval and spec.low is not None and spec.high is not None:
        if value <= spec.low - scale or value >= spec.high + scale:
            return f"outside ({spec.low:g}, {spec.high:g})"
    return None


def _exact_domain_problem(value: sympy.Basic, spec: SymbolSpec) -> str | None:
    """The same for a value without symbols, decided by sympy where it can."""
    if value.is_real is False or (value.is_number and sympy.im(sympy.N(value, 30)) != 0 and abs(sympy.im(sympy.N(value, 30))) > 1e-25):
        return "not a real number"
    domain = spec.domain
    if domain in (Domain.positive, Domain.positive_integer) and value.is_positive is False:
        return "not positive"
    if domain is Domain.nonnegative and value.is_nonnegative is False:
        return "negative"
    if domain is Domain.nonzero and value.is_zero is True:
        return "zero"
    if domain in (Domain.integer, Domain.positive_integer) and value.is_integer is False:
        return "not an integer"
    number = complex(sympy.N(value, 30))
    return _domain_problem(number.real, spec) if domain is Domain.interval else None


def _outside_domain(name: str, value: sympy.Basic, spec: SymbolSpec, ctx: CheckContext) -> str | None:
    """Feedback when the value given for ``name`` is not in its domain (or not real), else None.

    A value without symbols is decided exactly; a value in other symbols is evaluated at
    random points of their domains, and only a clear violation counts.
    """
    if spec.shape is not None or not isinstance(value, sympy.Expr):
        return None
    label = f"{name} (domain: {spec.domain.value})" if spec.domain is not Domain.real else name
    symbols = sorted((s for s in value.free_symbols if isinstance(s, sympy.Symbol)), key=str)
    if not symbols:
        problem = _exact_domain_problem(value, spec)
        return None if problem is None else f"the value given for {label} is {problem}"
    try:
        compiled = compile_numeric(value, "fp")
    except EvaluationError:
        return None
    rng = random.Random(zlib.crc32(f"{ctx.seed}/{ctx.part_id}/domain/{name}".encode()))
    samplers = [(symbol, sampler_for(symbol, ctx)) for symbol in symbols]
    for _attempt in range(DOMAIN_POINTS):
        env = {symbol: sampler(rng) for symbol, sampler in samplers}
        try:
            number = complex(compiled.evaluate(env))
        except (EvaluationError, TypeError, ValueError, OverflowError):
            continue
        if not (math.isfinite(number.real) and math.isfinite(number.imag)):
            continue
        if abs(number.imag) > 1e-9 * max(1.0, abs(number.real)):
            return f"the value given for {label} is not a real number (e.g. at {_where(env, symbols)})"
        problem = _domain_problem(number.real, spec)
        if problem is not None:
            return f"the value given for {label} is {problem} (e.g. at {_where(env, symbols)})"
    return None


def _where(env: dict[sympy.Symbol, float], symbols: list[sympy.Symbol]) -> str:
    return ", ".join(f"{symbol} = {env[symbol]:.3g}" for symbol in symbols[:4])


class ConstraintChecker:
    """Named values checked against conditions."""

    def _parse_value(self, raw: Any, ctx: CheckContext, extra: dict[str, SymbolSpec]) -> Parsed | Invalid:
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
            return Invalid(f"expected a value, got {raw!r}", code="not_a_value")
        if isinstance(raw, (int, float)):
            from grader.check.parsing import number_from_json

            number = number_from_json(raw)
            if number is None:
                return Invalid(f"{raw} is not a finite number", code="not_finite")
            return Parsed(value=number, text=str(raw), shown=str(raw))
        return parse_student(raw, parse_context(ctx, allow_equation=False, extra_symbols=extra))

    def read(self, spec: Any, raw: Any, ctx: CheckContext) -> Parsed | Invalid:
        extra = _variable_specs(spec, ctx)
        pairs: list[tuple[Any, Any, str]] = []
        if isinstance(raw, dict):
            for key, value in raw.items():
                lhs = self._parse_value(str(key), ctx, extra)
                rhs = self._parse_value(value, ctx, extra)
                for part in (lhs, rhs):
                    if isinstance(part, Invalid):
                        return Invalid(f"{key}: {part.reason}", code=part.code, text=str(value))
                assert isinstance(lhs, Parsed) and isinstance(rhs, Parsed)
                pairs.append((lhs.value, rhs.value, f"{lhs.shown} = {rhs.shown}"))
        elif isinstance(raw, str):
            for piece in split_pairs(raw):
                relation = split_relation(piece)
                if relation is None or relation[1] not in ("=", "=="):
                    return Invalid(f"{piece!r} is not of the form name = value", code="not_an_assignment", text=raw)
                lhs = self._parse_value(relation[0], ctx, extra)
                rhs = self._parse_value(relation[2], ctx, extra)
                for part in (lhs, rhs):
                    if isinstance(part, Invalid):
                        return Invalid(f"in {piece!r}: {part.reason}", code=part.code, text=raw)
                assert isinstance(lhs, Parsed) and isinstance(rhs, Parsed)
                pairs.append((lhs.value, rhs.value, f"{lhs.shown} = {rhs.shown}"))
        else:
            return Invalid("expected name = value pairs", code="not_an_assignment")
        equations = []
        for lhs_value, rhs_value, shown in pairs:
            if _assignment_target(lhs_value, _variables(spec)) is None:
                names = ", ".join(spec.variables)
                return Invalid(f"the left side of {shown!r} must be one of {names} (or a power of one)", code="not_an_assignment")
            equations.append(EquationValue(lhs=lhs_value, rhs=rhs_value))
        shown_all = ", ".join(shown for _l, _r, shown in pairs)
        return Parsed(value=TupleValue(items=tuple(equations)), text=str(raw), shown=shown_all)

    def compare(self, spec: Any, expected: Any, parsed: Parsed, ctx: CheckContext) -> Verdict:
        variables = _variables(spec)
        values: dict[str, sympy.Basic] = {}
        evidence: dict[str, Any] = {}
        items = parsed.value.items if isinstance(parsed.value, TupleValue) else ()
        for equation in items:
            if not isinstance(equation, EquationValue):
                continue
            target = _assignment_target(equation.lhs, variables)
            if target is None:
                continue
            name, power = target
            value = equation.rhs
            if power != 1:
                value = sympy.Pow(value, sympy.Rational(1, power))
                evidence.setdefault("roots", []).append(f"{name} = ({equation.rhs})^(1/{power})")
            if not isinstance(value, sympy.Basic):
                return Verdict(0.0, Status.WRONG, f"the value given for {name} is not a single expression", shown=parsed.shown, evidence=evidence)
            if any(getattr(symbol, "name", None) == name for symbol in value.free_symbols):
                return Verdict(0.0, Status.WRONG, f"the value of {name} is written in terms of {name} itself; give {name} a value that does not use it",
                               shown=parsed.shown, evidence={**evidence, "self_reference": name})
            if name in values and not _same_value(values[name], value, ctx):
                return Verdict(0.0, Status.WRONG, f"{name} is given two different values ({values[name]} and {value}); give exactly one value for each variable",
                               shown=parsed.shown, evidence={**evidence, "given_twice": name})
            values[name] = value
        values = _resolve_references(values)
        missing = [name for name in variables if name not in values]
        if missing:
            return Verdict(0.0, Status.WRONG, "no value given for " + ", ".join(missing), shown=parsed.shown, evidence=evidence)
        circular = sorted(name for name, value in values.items() if any(getattr(s, "name", None) in values for s in value.free_symbols))
        if circular:
            return Verdict(0.0, Status.WRONG, f"the values of {', '.join(circular)} are written in terms of each other; give each a value that does not use the others",
                           shown=parsed.shown, evidence={**evidence, "circular": circular})
        extra = _variable_specs(spec, ctx)
        for name in variables:
            outside = _outside_domain(name, values[name], extra[_spec_name(spec, name)], ctx)
            if outside is not None:
                return Verdict(0.0, Status.WRONG, outside, shown=parsed.shown, evidence={**evidence, "outside_domain": name})
        numeric_only = False
        for condition in spec.conditions:
            outcome = self._check_condition(condition.holds, values, ctx, extra)
            evidence.setdefault("conditions", []).append({"holds": condition.holds, "outcome": outcome})
            if outcome in ("different", "fails"):
                feedback = condition.feedback or f"the condition {condition.holds} does not hold for your values"
                return Verdict(0.0, Status.WRONG, feedback, shown=parsed.shown, evidence=evidence)
            if outcome == "undecided":
                verdict = Verdict(0.0, Status.UNDECIDED, f"could not decide whether {condition.holds} holds", shown=parsed.shown, evidence={**evidence, "numerically_confirmed": False})
                return apply_policy(verdict, ctx.undecided)
            numeric_only = numeric_only or outcome == "numeric"
        if numeric_only:
            verdict = Verdict(0.0, Status.UNDECIDED, "the conditions hold numerically but could not be proved", shown=parsed.shown, evidence={**evidence, "numerically_confirmed": True})
            return apply_policy(verdict, ctx.undecided)
        return Verdict(1.0, Status.CORRECT, "correct", shown=parsed.shown, evidence=evidence)

    def _check_condition(self, holds: str, values: dict[str, sympy.Basic], ctx: CheckContext, extra: dict[str, SymbolSpec]) -> str:
        relation = split_relation(holds)
        if relation is None:
            raise ExpectedValueError(ctx.part_id, f"condition {holds!r} has no relation (=, <, <=, >, >=)")
        left_text, operator, right_text = relation
        sides = []
        for text in (left_text, right_text):
            parsed = parse_expected(text, ctx, allow_equation=False, extra_symbols=extra)
            if isinstance(parsed, Invalid) or not isinstance(parsed.value, sympy.Basic):
                reason = parsed.reason if isinstance(parsed, Invalid) else "not an expression"
                raise ExpectedValueError(ctx.part_id, f"condition {holds!r}: {reason}")
            substitution = {symbol: values[symbol.name] for symbol in parsed.value.free_symbols if isinstance(symbol, sympy.Symbol) and symbol.name in values}
            sides.append(parsed.value.xreplace(substitution))
        left, right = sides
        if operator in ("=", "=="):
            return compare_expressions(left, right, ctx).outcome
        return self._check_inequality(left, right, operator, ctx)

    def _check_inequality(self, left: sympy.Basic, right: sympy.Basic, operator: str, ctx: CheckContext) -> str:
        difference = sympy.Add(left, -right)
        try:
            compiled = compile_numeric(difference, "fp")
        except EvaluationError:
            return "undecided"
        symbols = sorted((s for s in difference.free_symbols if isinstance(s, sympy.Symbol)), key=str)
        rng = random.Random(zlib.crc32(f"{ctx.seed}/{ctx.part_id}/inequality".encode()))
        checked = 0
        samplers = [(symbol, sampler_for(symbol, ctx)) for symbol in symbols]
        for _attempt in range(INEQUALITY_POINTS * 3):
            env = {symbol: sampler(rng) for symbol, sampler in samplers}
            try:
                value = complex(compiled.evaluate(env))
            except EvaluationError:
                continue
            if abs(value.imag) > 1e-12 * max(1.0, abs(value.real)):
                continue
            gap = value.real
            holds = {"<": gap < 0, "<=": gap <= 0, "≤": gap <= 0, ">": gap > 0, ">=": gap >= 0, "≥": gap >= 0}[operator]
            if not holds:
                return "fails"
            checked += 1
            if checked >= INEQUALITY_POINTS or not symbols:
                break
        if not checked:
            return "undecided"
        if not symbols or self._proved_sign(difference, operator, ctx):
            return "proved"
        return "numeric"

    def _proved_sign(self, difference: sympy.Basic, operator: str, ctx: CheckContext) -> bool:
        """Does sympy's assumption system prove the sign of ``left - right``?"""
        attribute = {"<": "is_negative", "<=": "is_nonpositive", "≤": "is_nonpositive", ">": "is_positive", ">=": "is_nonnegative", "≥": "is_nonnegative"}[operator]
        if not step_allowed():
            return False
        try:
            with time_limit(ctx.step_seconds):
                return getattr(sympy.simplify(difference), attribute) is True
        except StepTimeout:
            return False
