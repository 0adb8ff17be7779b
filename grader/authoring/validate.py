"""Semantic checks of a schema-valid rubric (what pydantic alone cannot see).

- duplicate question or part ids;
- an expected expression (or condition, mistake value) that does not parse;
- a symbol used but not declared;
- a reference function that does not exist (checked against ``reference.catalog``,
  which imports no torch);
- a mistake rule equivalent to the expected answer (it could never fire, and would hide
  that the rubric is wrong);
- a choice whose expected option is not listed; a self-test naming an unknown rule;
- an expected number 0 with a relative-only tolerance (only exactly 0 would be accepted);
- (deep, where the reference implementations are installed) a reference call whose
  result does not fit the part's kind: a ``number`` part whose reference gives a list is
  an error naming the ``select`` paths that give one number; a failing call or ``select``
  is reported on the call;
- (deep) an alias that breaks a declared symbol: alias ``d`` of ``d_k`` is matched
  literally, so ``d_k`` itself no longer reads; reported on the alias.

Each finding is a ``RubricIssue`` located at file:line:column and document path.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterator
from typing import Any

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

    ref_cache: dict[str, Any] = {}
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
            if deep and catalog is not None:
                issues.extend(_ref_shapes(part, p_path, positions, file, catalog, ref_cache))
            if deep:
                issues.extend(_alias_issues(rubric, part, p_path, positions, file))
    unique: dict[str, RubricIssue] = {}
    for issue in issues:  # an alias in defaults.symbols is found from every part
        unique.setdefault(str(issue), issue)
    return list(unique.values())


# --------------------------------------------------------------------------- reference shapes

SCALAR_KINDS = ("number", "expression")
LIST_KINDS = ("array", "tuple", "set")


def _shape(value: Any) -> str:
    """'a number', 'a list of 3 numbers', 'a 2 x 2 nested list', 'fields a, b'."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "one number"
    if isinstance(value, str):
        return "an expression"
    if isinstance(value, dict):
        return "fields " + ", ".join(str(key) for key in value)
    if isinstance(value, list):
        if value and isinstance(value[0], list):
            return f"a {len(value)} x {len(value[0])} nested list"
        if value and all(isinstance(item, (int, float)) and not isinstance(item, bool) for item in value):
            return f"a list of {len(value)} number{'s' if len(value) != 1 else ''}"
        return f"a list of {len(value)} item{'s' if len(value) != 1 else ''}"
    return f"a {type(value).__name__}"


def _paths(value: Any, prefix: str, want_list: bool, depth: int = 0) -> Iterator[str]:
    """select paths under ``value`` that give one number (or a list, with ``want_list``)."""
    if depth > 4:
        return
    is_scalar = isinstance(value, (int, float, str)) and not isinstance(value, bool)
    if prefix and (isinstance(value, list) if want_list else is_scalar):
        yield prefix
        if want_list:
            return
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, f"{prefix}.{key}" if prefix else str(key), want_list, depth + 1)
    elif isinstance(value, list) and not want_list:
        for index, item in enumerate(value[:2]):
            yield from _paths(item, f"{prefix}.{index}" if prefix else str(index), want_list, depth + 1)


def _shape_problem(kind: str, value: Any, raw: Any, select: str | None) -> str | None:
    """Why ``value`` (the selected result; ``raw`` the whole result) cannot be a ``kind``
    part's expected answer, with the select paths that would work; None when it fits."""
    scalar = isinstance(value, (int, float, str)) and not isinstance(value, bool)
    if kind in SCALAR_KINDS and scalar:
        return None
    if kind in LIST_KINDS and isinstance(value, list):
        return None
    if kind not in SCALAR_KINDS + LIST_KINDS:
        return None
    want_list = kind in LIST_KINDS
    suggestions = list(_paths(value, select or "", want_list))[:4] or list(_paths(raw, "", want_list))[:4]
    needs = "a list" if want_list else "one number"
    given = f"select '{select}' gives" if select else "the result is"
    article = "an" if kind[0] in "aeiou" else "a"
    message = f"{article} {kind} part needs {needs}, but {given} {_shape(value)}"
    if suggestions:
        message += "; use " + " or ".join(f"'select: {path}'" for path in suggestions)
    return message


def _ref_shapes(part: models.Part, p_path: PathKey, positions: dict[PathKey, tuple[int, int]],
                file: str | None, catalog: list[str], cache: dict[str, Any]) -> list[RubricIssue]:
    """Evaluate the part's reference calls (as the key build will) and check the shape of
    each result against the part's kind."""
    from grader.errors import ReferenceCallError
    from grader.key.build import TorchMissing, cached_result, resolve

    issues: list[RubricIssue] = []
    for ref, rel in _refs_of(part):
        if ref.ref not in catalog:
            continue  # reported as an unknown reference
        where = (*p_path, *rel)
        try:
            value, _ = resolve(ref, "cpu", part.id, cache)
        except TorchMissing:
            return issues  # a grading-only install cannot evaluate references: shapes unchecked
        except ReferenceCallError as exc:
            target = (*where, "select") if "select '" in str(exc) else (*where, "args")
            issues.append(RubricIssue(f"reference call fails: {exc}", locate(target, positions, file),
                                      f"see 'grader key refs {ref.ref}'"))
            continue
        if rel != ("answer", "expected"):
            continue  # a mistake's value is compared like the expected one; its shape follows
        raw = cached_result(cache, ref)
        problem = _shape_problem(part.answer.kind, value, raw, ref.select)
        if problem:
            target = (*where, "select") if ref.select else (*where, "ref")
            issues.append(RubricIssue(f"reference '{ref.ref}': {problem}", locate(target, positions, file),
                                      f"see 'grader key refs {ref.ref}'"))
    return issues


# --------------------------------------------------------------------------- aliases


def _symbol_path(rubric: models.Rubric, part: models.Part, p_path: PathKey, name: str) -> PathKey:
    own = getattr(part.answer, "symbols", None) or {}
    if name in own:
        return (*p_path, "answer", "symbols", name)
    return ("defaults", "symbols", name)


def _alias_issues(rubric: models.Rubric, part: models.Part, p_path: PathKey,
                  positions: dict[PathKey, tuple[int, int]], file: str | None) -> list[RubricIssue]:
    """An alias matched literally inside a declared symbol's own name breaks that symbol."""
    if part.answer.kind not in ("expression", "number", "array", "tuple", "set", "constraint"):
        return []
    from grader.check.engine import context_for
    from grader.check.registry import checker_for
    from grader.parse.values import Invalid

    ctx = context_for(rubric, part, seed=0)
    with_aliases = [(name, spec) for name, spec in ctx.symbols.items() if spec.aliases]
    if not with_aliases:
        return []
    bare = {name: spec.model_copy(update={"aliases": ()}) for name, spec in ctx.symbols.items()}
    reader = checker_for("expression")
    spec_of = models.ExpressionAnswer

    def read(text: str, symbols: dict[str, models.SymbolSpec]) -> Any:
        local = dataclasses.replace(ctx, symbols=symbols)
        result = reader.read(spec_of(kind="expression", expected=text), text, local)
        return result if isinstance(result, Invalid) else getattr(result, "value", result)

    issues: list[RubricIssue] = []
    for owner, spec in with_aliases:
        for index, alias in enumerate(spec.aliases):
            symbols = {**bare, owner: bare[owner].model_copy(update={"aliases": (alias,)})}
            for name in ctx.symbols:
                if alias == name or alias not in name:
                    continue
                plain = read(name, bare)
                if isinstance(plain, Invalid):
                    continue  # the name does not read even without aliases: not this alias's doing
                aliased = read(name, symbols)
                if isinstance(aliased, Invalid) or str(aliased) != str(plain):
                    how = aliased.reason if isinstance(aliased, Invalid) else f"it reads as {aliased}"
                    whose = "its own symbol" if name == owner else f"symbol '{name}'"
                    issues.append(RubricIssue(
                        f"alias '{alias}' of '{owner}' breaks {whose}: aliases are matched literally, "
                        f"so '{name}' no longer reads as itself ({how})",
                        locate((*_symbol_path(rubric, part, p_path, owner), "aliases", index), positions, file),
                        f"remove the alias or use one that is not part of '{name}'",
                    ))
    return issues


def _refs_of(part: models.Part) -> Iterator[tuple[models.RefCall, PathKey]]:
    expected = getattr(part.answer, "expected", None)
    if isinstance(expected, models.RefCall):
        yield expected, ("answer", "expected")
    for index, mistake in enumerate(part.mistakes):
        if isinstance(mistake.match, models.RefCall):
            yield mistake.match, ("mistakes", index, "match")


def _is_zero_literal(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return value == 0
    if isinstance(value, str):
        try:
            return float(value.strip()) == 0
        except ValueError:
            return False
    return False


def _zero_without_atol(rubric: models.Rubric, part: models.Part) -> str | None:
    """A literal expected number 0 (a number part, or a numeric item of a tuple/set) whose
    tolerance is relative only; the offending value as written, else None."""
    spec = part.answer
    if isinstance(spec, models.NumberAnswer):
        values = [spec.expected]
    elif isinstance(spec, models.TupleAnswer) and isinstance(spec.expected, list):
        values = list(spec.expected)
    else:
        return None
    tolerance = rubric.tolerance_for(part)
    if tolerance.sigfigs is not None or tolerance.decimals is not None or tolerance.atol > 0:
        return None
    for value in values:
        if _is_zero_literal(value):
            return repr(value) if isinstance(value, str) else str(value)
    return None


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

    zero = _zero_without_atol(rubric, part)
    if zero is not None:
        add(f"the expected value {zero} is zero and the part has no absolute tolerance 'atol', so only "
            "exactly 0 would be accepted (a relative tolerance of 0 is 0)", ("answer", "expected"),
            "add an absolute tolerance to this part, e.g. 'tolerance: {atol: 1.0e-6}' (the largest error "
            "you accept), or 'sigfigs'/'decimals'")

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
