"""Semantic checks of a schema-valid rubric (what pydantic alone cannot see).

- duplicate question or part ids;
- an expected expression (or condition, mistake value) that does not parse;
- a symbol used but not declared;
- a reference function that does not exist (checked against ``reference.catalog``,
  which imports no torch);
- a mistake rule equivalent to the expected answer (it could never fire, and would hide
  that the rubric is wrong);
- a choice whose expected option is not listed; a self-test naming an unknown rule.

Each finding is a ``RubricIssue`` located at file:line:column and document path.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterator

from grader.errors import RubricIssue
from grader.rubric import models
from grader.rubric.load import PathKey, locate

EXPRESSION_KINDS = ("expression",)


def _catalog_names() -> list[str] | None:
    try:
        from reference import catalog
    except ImportError:  # a grading-only install (Gradescope image) has no reference/
        return None
    return list(catalog.names())


def _parse_issue(text: str, rubric: models.Rubric, part: models.Part,
                 extra_symbols: tuple[str, ...] = ()) -> str | None:
    """Read rubric-authored text exactly as a student's expression answer to this part
    would be read (same symbols, functions, limits); None when it reads fine."""
    from grader.check.engine import context_for
    from grader.check.registry import checker_for
    from grader.parse.values import Invalid

    ctx = context_for(rubric, part, seed=0)
    if extra_symbols:
        symbols = dict(ctx.symbols)
        for name in extra_symbols:
            symbols.setdefault(name, models.SymbolSpec())
        ctx = dataclasses.replace(ctx, symbols=symbols)
    spec = models.ExpressionAnswer(kind="expression", expected=text)
    result = checker_for("expression").read(spec, text, ctx)
    if isinstance(result, Invalid):
        if result.code == "unknown_symbol":
            return f"{result.reason} (declare it under 'symbols')"
        return f"does not parse: {result.reason}"
    return None


def _expression_texts(part: models.Part) -> Iterator[tuple[str, PathKey]]:
    spec = part.answer
    if isinstance(spec, models.ExpressionAnswer) and isinstance(spec.expected, str):
        yield spec.expected, ("answer", "expected")
    if isinstance(spec, models.TupleAnswer) and isinstance(spec.expected, list):
        for index, item in enumerate(spec.expected):
            if isinstance(item, str) and spec.element == "expression":
                yield item, ("answer", "expected", index)
    if isinstance(spec, models.ExpressionAnswer):
        for index, mistake in enumerate(part.mistakes):
            if isinstance(mistake.match, str):
                yield mistake.match, ("mistakes", index, "match")


def check_semantics(rubric: models.Rubric, positions: dict[PathKey, tuple[int, int]],
                    file: str | None, deep: bool = True) -> list[RubricIssue]:
    """Every semantic issue of the rubric. ``deep`` also parses expressions and compares
    mistake rules with the expected answer (needs sympy; a second or so)."""
    issues: list[RubricIssue] = []
    seen_questions: dict[str, PathKey] = {}
    seen_parts: dict[str, PathKey] = {}
    catalog = _catalog_names()

    def add(message: str, path: PathKey, hint: str | None = None) -> None:
        issues.append(RubricIssue(message, locate(path, positions, file), hint))

    for q_index, question in enumerate(rubric.questions):
        q_path: PathKey = ("questions", q_index)
        if question.id in seen_questions:
            add(f"duplicate question id '{question.id}'", (*q_path, "id"))
        seen_questions.setdefault(question.id, q_path)
        for p_index, part in enumerate(question.parts):
            p_path: PathKey = (*q_path, "parts", p_index)
            if part.id in seen_parts:
                first = locate(seen_parts[part.id], positions, file)
                add(f"duplicate part id '{part.id}' (first used at line {first.line})", (*p_path, "id"))
            seen_parts.setdefault(part.id, (*p_path, "id"))
            issues.extend(_check_part(rubric, part, p_path, positions, file, catalog, deep))
    return issues


def _refs_of(part: models.Part) -> Iterator[tuple[models.RefCall, PathKey]]:
    expected = getattr(part.answer, "expected", None)
    if isinstance(expected, models.RefCall):
        yield expected, ("answer", "expected")
    for index, mistake in enumerate(part.mistakes):
        if isinstance(mistake.match, models.RefCall):
            yield mistake.match, ("mistakes", index, "match")


def _check_part(rubric: models.Rubric, part: models.Part, p_path: PathKey,
                positions: dict[PathKey, tuple[int, int]], file: str | None,
                catalog: list[str] | None, deep: bool) -> list[RubricIssue]:
    issues: list[RubricIssue] = []

    def add(message: str, rel: PathKey, hint: str | None = None) -> None:
        issues.append(RubricIssue(message, locate((*p_path, *rel), positions, file), hint))

    spec = part.answer
    for ref, rel in _refs_of(part):
        if catalog is not None and ref.ref not in catalog:
            close = difflib.get_close_matches(ref.ref, catalog, n=1)
            add(f"reference function '{ref.ref}' does not exist", (*rel, "ref"),
                f"did you mean '{close[0]}'?" if close else "see 'grader key refs' for the list")

    if isinstance(spec, models.ChoiceAnswer):
        ids = [option.id for option in spec.options]
        wanted = [spec.expected] if isinstance(spec.expected, str) else list(spec.expected)
        for option_id in wanted:
            if option_id not in ids:
                add(f"expected option '{option_id}' is not one of the options ({', '.join(ids)})", ("answer", "expected"))

    rule_ids = [mistake.id for mistake in part.mistakes]
    for index, mistake_id in enumerate(rule_ids):
        if mistake_id in rule_ids[:index]:
            add(f"duplicate mistake id '{mistake_id}'", ("mistakes", index, "id"))
    for index, test in enumerate(part.tests):
        if test.note is not None and test.note not in rule_ids and test.note not in {m.note for m in part.mistakes}:
            add(f"self-test expects rule '{test.note}', which this part does not define", ("tests", index, "note"),
                f"rules: {', '.join(rule_ids) or 'none'}")
    if spec.kind != "manual" and not part.tests:
        pass  # allowed, but 'grader rubric test' reports parts without self-tests

    if not deep:
        return issues
    for text, rel in _expression_texts(part):
        problem = _parse_issue(text, rubric, part)
        if problem:
            add(f"'{text}' {problem}", rel)
    if isinstance(spec, models.ConstraintAnswer):
        from grader.check.kinds.constraint import split_relation

        for index, condition in enumerate(spec.conditions):
            where = ("answer", "conditions", index, "holds")
            relation = split_relation(condition.holds)
            if relation is None:
                add(f"condition '{condition.holds}' has no relation (=, <, <=, >, >=)", where)
                continue
            for side in (relation[0], relation[2]):
                problem = _parse_issue(side, rubric, part, spec.variables)
                if problem:
                    add(f"condition '{condition.holds}': '{side}' {problem}", where)
    issues.extend(_mistakes_equal_to_expected(rubric, part, p_path, positions, file))
    return issues


def _mistakes_equal_to_expected(rubric: models.Rubric, part: models.Part, p_path: PathKey,
                                positions: dict[PathKey, tuple[int, int]], file: str | None) -> list[RubricIssue]:
    """A literal mistake value that the part's checker accepts as the expected answer."""
    spec = part.answer
    expected = getattr(spec, "expected", None)
    if expected is None or isinstance(expected, models.RefCall) or spec.kind in ("manual", "network", "constraint"):
        return []
    from grader.check.engine import context_for
    from grader.check.registry import checker_for
    from grader.check.verdict import Status
    from grader.key import apply_transform
    from grader.parse.values import Invalid

    checker = checker_for(spec.kind)
    ctx = context_for(rubric, part, seed=0)
    issues: list[RubricIssue] = []
    for index, mistake in enumerate(part.mistakes):
        if isinstance(mistake.match, models.RefCall):
            continue
        value = mistake.match if mistake.match is not None else apply_transform(expected, mistake.transform or "none", mistake.factor)
        parsed = checker.read(spec, value, ctx)
        if isinstance(parsed, Invalid):
            issues.append(RubricIssue(f"mistake value does not parse: {parsed.reason}",
                                      locate((*p_path, "mistakes", index), positions, file)))
            continue
        verdict = checker.compare(spec, expected, parsed, ctx)
        if verdict.status is Status.CORRECT:
            issues.append(RubricIssue(
                f"mistake rule '{mistake.id}' is equivalent to the expected answer, so it can never fire",
                locate((*p_path, "mistakes", index), positions, file),
                "check the rule's value or the expected answer",
            ))
    return issues
