"""Checker for ``kind: expression``: mathematical equivalence, never string equality.

Accepts text the parser reads as an expression (plain math or LaTeX), a JSON number, or
an equation ``name = expr`` (the right-hand side is compared; with ``spec.lhs`` set, a
different name on the left is pointed out). The name on the left need not be declared
(``\\alpha = \\beta``, ``RF_n = ...``): it is read as any single name, the right-hand
side with the part's symbols. Expressions over matrix symbols are compared
as matrices (shapes first). See ``grader.check.equivalence`` for how equivalence is
decided and ``grader.check.policy`` for what "numerically confirmed" is worth.
"""

from __future__ import annotations

from typing import Any

import sympy

from grader.check.base import CheckContext
from grader.check.equivalence import Equivalence, compare_expressions
from grader.check.labels import compare_labelled, read_with_labels
from grader.check.parsing import (
    expected_scalar,
    lookup_spec,
    number_from_json,
    parse_context,
    parse_student,
    read_named_equation,
)
from grader.check.policy import apply_policy
from grader.check.symbols import domain_spec
from grader.check.verdict import Status, Verdict
from grader.parse import canonical_name
from grader.parse.values import (
    ArrayValue,
    EquationValue,
    Invalid,
    LabelledValue,
    Parsed,
    TupleValue,
)
from grader.rubric.models import Domain

__all__ = ["ExpressionChecker", "read_expression", "submitted_expression", "verdict_from_equivalence"]


def read_expression(raw: Any, ctx: CheckContext, lhs: str | None = None) -> Parsed | Invalid:
    """Read an expression answer: numbers as is, text through the parser.

    ``lhs`` (the part's expected left-hand name) is accepted as a symbol. When the text
    does not read with the part's symbols and is ``NAME = RHS`` (one top-level ``=``),
    NAME may be any single name (``\\alpha``, ``RF_n``): see ``parsing.read_named_equation``.
    """
    if isinstance(raw, bool):
        return Invalid("expected an expression, got true/false", code="not_an_expression")
    number = number_from_json(raw)
    if number is not None:
        return Parsed(value=number, text=str(raw), shown=str(raw))
    if not isinstance(raw, str):
        return Invalid(f"expected an expression, got a {type(raw).__name__}", code="not_an_expression")
    extra = {lhs: domain_spec(Domain.real)} if lhs and lookup_spec(ctx.symbols, lhs) is None else None
    parse_ctx = parse_context(ctx, allow_equation=True, extra_symbols=extra)

    def read_text(text: str) -> Parsed | Invalid:
        result = parse_student(text, parse_ctx)
        if isinstance(result, Invalid):
            named = read_named_equation(text, parse_ctx)
            if named is not None:
                return named
        return result

    return read_with_labels(raw, parse_ctx, read_text)


def submitted_expression(value: Any) -> tuple[sympy.Basic | None, str | None]:
    """(expression to compare, left-hand name if it was an equation)."""
    lhs_name = None
    if isinstance(value, EquationValue):
        lhs_name = str(value.lhs)
        value = value.rhs
    if isinstance(value, ArrayValue):
        if len(value.shape) == 2:
            return sympy.ImmutableMatrix(value.shape[0], value.shape[1], list(value.items)), lhs_name
        if len(value.shape) == 1:
            return sympy.ImmutableMatrix(value.shape[0], 1, list(value.items)), lhs_name
        return None, lhs_name
    if isinstance(value, TupleValue):
        return None, lhs_name
    if isinstance(value, sympy.Basic):
        return value, lhs_name
    return None, lhs_name


def verdict_from_equivalence(result: Equivalence, ctx: CheckContext, shown: str) -> Verdict:
    """Map an Equivalence to a Verdict and apply the rubric's UndecidedPolicy."""
    evidence = {**result.evidence, "outcome": result.outcome}
    if result.outcome == "proved":
        return Verdict(1.0, Status.CORRECT, "correct", shown=shown, evidence=evidence)
    if result.outcome == "different":
        return Verdict(0.0, Status.WRONG, result.message, shown=shown, evidence=evidence)
    evidence["numerically_confirmed"] = result.outcome == "numeric"
    evidence["detail"] = result.message
    verdict = Verdict(0.0, Status.UNDECIDED, result.message, shown=shown, evidence=evidence)
    return apply_policy(verdict, ctx.undecided)


class ExpressionChecker:
    """Equivalence with the expected expression (numeric rejection, proof, confirmation)."""

    def read(self, spec: Any, raw: Any, ctx: CheckContext) -> Parsed | Invalid:
        return read_expression(raw, ctx, getattr(spec, "lhs", None))

    def compare(self, spec: Any, expected: Any, parsed: Parsed, ctx: CheckContext) -> Verdict:
        if isinstance(parsed.value, LabelledValue):  # `label = value = ...`: every value is graded
            return compare_labelled(self, spec, expected, parsed, ctx)
        submitted, lhs_name = submitted_expression(parsed.value)
        if submitted is None:
            return Verdict(0.0, Status.WRONG, "expected a single expression, got a list of values", shown=parsed.shown)
        target = expected_scalar(expected, ctx)
        result = compare_expressions(
            target,
            submitted,
            ctx,
            tolerance=getattr(spec, "tolerance", None),
            integer_checks=tuple(getattr(spec, "integer_checks", (1, 2, 3, 5, 8))),
        )
        verdict = verdict_from_equivalence(result, ctx, parsed.shown)
        wanted = getattr(spec, "lhs", None)
        if lhs_name is not None and wanted is not None and lhs_name != canonical_name(wanted):
            note = f"(the left-hand side should be {wanted}, not {lhs_name}; the right-hand side was graded)"
            verdict = Verdict(verdict.score, verdict.status, f"{verdict.feedback} {note}", verdict.shown, verdict.rule, verdict.note, {**verdict.evidence, "lhs": lhs_name})
        return verdict
