"""Check one answer of one part: read once, compare with the expected value, then mistakes.

``check_part`` is the single entry point the grading pipeline calls (inside a pool
worker). It never raises on student input; an unusable answer key (an authoring bug)
becomes an ERROR verdict that needs a person, never a silent 0.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
import zlib
from collections import OrderedDict
from typing import Any

from grader.check.base import CheckContext
from grader.check.parsing import ExpectedValueError
from grader.check.policy import apply_policy
from grader.check.registry import checker_for
from grader.check.verdict import Status, Verdict
from grader.key import KeyPart
from grader.parse.values import Invalid, LabelledValue, Parsed
from grader.rubric.models import Part, Rubric

__all__ = ["check_part", "context_for", "is_blank", "INVALID_NOTE"]

INVALID_NOTE = "this answer could not be read; it was not graded as wrong"


def context_for(rubric: Rubric, part: Part, seed: int = 0) -> CheckContext:
    """The CheckContext of a part: merged symbols, functions, tolerance, policy, seed."""
    return CheckContext(
        part_id=part.id,
        symbols=rubric.symbols_for(part),
        functions=rubric.functions_for(part),
        tolerance=rubric.tolerance_for(part),
        undecided=rubric.undecided_for(part),
        seed=(zlib.crc32(part.id.encode("utf-8")) ^ seed) & 0xFFFFFFFF,
    )


def is_blank(raw: Any) -> bool:
    """No answer: None, empty or whitespace text, an empty list or mapping."""
    if raw is None:
        return True
    if isinstance(raw, str):
        return not raw.strip()
    if isinstance(raw, (list, tuple, dict)):
        return len(raw) == 0
    return False


def _invalid_verdict(invalid: Invalid) -> Verdict:
    pointer = invalid.pointer()
    feedback = f"{invalid.reason}; {INVALID_NOTE}"
    if pointer:
        feedback += "\n" + pointer
    evidence: dict[str, Any] = {"code": invalid.code}
    if invalid.position is not None:
        evidence["position"] = invalid.position
    return Verdict(0.0, Status.INVALID, feedback, shown=invalid.text[:200], evidence=evidence)


def _internal_error(shown: str, exc: BaseException, rule: str | None = None) -> Verdict:
    evidence: dict[str, Any] = {"error": f"{type(exc).__name__}: {exc}"[:500]}
    if rule is not None:
        evidence["rule"] = rule
    return Verdict(0.0, Status.ERROR, "the grader failed while checking this answer; a person will grade it", shown=shown, evidence=evidence)


# Kinds whose comparison is worth keeping: answers that read to the same value and the same
# shown text get the same comparison (a class repeats many answers up to spacing or
# notation: ``1-beta^(12 t)`` and ``1 - beta^{12t}``). Cheap kinds are not kept.
COMPARE_CACHE_KINDS = frozenset({"expression", "constraint", "array"})
COMPARE_CACHE_SIZE = 4096
_COMPARE_CACHE: OrderedDict[tuple[Any, ...], tuple[Any, Any, CheckContext, Verdict]] = OrderedDict()


def _compare(checker: Any, spec: Any, expected: Any, parsed: Parsed, ctx: CheckContext) -> Verdict:
    """``checker.compare``, kept per (answer spec, expected value, context, value read,
    shown text) in this process, for the kinds of ``COMPARE_CACHE_KINDS``.

    A comparison reads only ``parsed.value`` and ``parsed.shown`` (the Checker protocol,
    ``grader.check.base``), and both are in the key; the spec, expected value and context
    are matched by identity (the entry holds them, so an id is never reused while it is
    kept). Only in the main thread, where the step budgets apply (elsewhere optional steps
    are skipped and a verdict may differ). A kept verdict is handed out as a copy
    (evidence is a mutable dict). Exceptions are never kept."""
    if spec.kind not in COMPARE_CACHE_KINDS or threading.current_thread() is not threading.main_thread():
        return checker.compare(spec, expected, parsed, ctx)
    key = (id(spec), id(expected), id(ctx), type(parsed.value), parsed.value, parsed.shown)
    try:
        hit = _COMPARE_CACHE.get(key)
    except TypeError:  # an unhashable value: compared every time
        return checker.compare(spec, expected, parsed, ctx)
    if hit is not None and hit[0] is spec and hit[1] is expected and hit[2] is ctx:
        _COMPARE_CACHE.move_to_end(key)
        return dataclasses.replace(hit[3], evidence=_copy_evidence(hit[3].evidence))
    verdict = checker.compare(spec, expected, parsed, ctx)
    _COMPARE_CACHE[key] = (spec, expected, ctx, dataclasses.replace(verdict, evidence=_copy_evidence(verdict.evidence)))
    _COMPARE_CACHE.move_to_end(key)
    while len(_COMPARE_CACHE) > COMPARE_CACHE_SIZE:
        _COMPARE_CACHE.popitem(last=False)
    return verdict


def _copy_evidence(value: Any) -> Any:
    """A copy of evidence (JSON-like: dicts, lists, tuples of plain values) that shares
    nothing mutable with ``value``; other objects are deep-copied."""
    if isinstance(value, dict):
        return {key: _copy_evidence(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy_evidence(item) for item in value]
    if isinstance(value, tuple):
        return tuple(_copy_evidence(item) for item in value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return copy.deepcopy(value)


def _mistake_matches(verdict: Verdict) -> bool:
    return verdict.status is Status.CORRECT


def check_part(part: Part, key_part: KeyPart, raw: Any, ctx: CheckContext) -> Verdict:
    """The verdict for one raw answer of ``part`` (see the module docstring)."""
    spec = part.answer
    if is_blank(raw):
        return Verdict(0.0, Status.MISSING, "no answer given")
    checker = checker_for(spec.kind)
    if spec.kind == "manual":
        parsed_manual = checker.read(spec, raw, ctx)
        shown = parsed_manual.shown if not isinstance(parsed_manual, Invalid) else ""
        return Verdict(0.0, Status.MANUAL, "left for a person to grade", shown=shown)
    parsed = checker.read(spec, raw, ctx)
    if isinstance(parsed, Invalid):
        return _invalid_verdict(parsed)
    if isinstance(parsed.value, LabelledValue) and len(parsed.value.values) > 1:
        return _check_chain(part, key_part, checker, parsed, ctx)
    return _check_parsed(part, key_part, checker, parsed, ctx)


def _check_chain(part: Part, key_part: KeyPart, checker: Any, parsed: Parsed, ctx: CheckContext) -> Verdict:
    """``a = b = c``: every side is checked as an answer (expected value, then mistake
    rules); the side with the least credit is the answer's verdict."""
    chain = parsed.value
    assert isinstance(chain, LabelledValue)
    verdicts = []
    for index, value in enumerate(chain.values):
        shown = chain.shown[index] if index < len(chain.shown) else parsed.shown
        side = dataclasses.replace(chain, values=(value,), shown=(shown,))
        verdicts.append((shown, _check_parsed(part, key_part, checker, dataclasses.replace(parsed, value=side, shown=shown), ctx)))
    order = {Status.ERROR: 0, Status.INVALID: 1, Status.WRONG: 2, Status.TIMEOUT: 3, Status.UNDECIDED: 4, Status.PARTIAL: 5}
    shown, worst = min(verdicts, key=lambda item: (item[1].score, order.get(item[1].status, 6)))
    evidence = {**worst.evidence, "chain": [verdict.status.value for _, verdict in verdicts]}
    if parsed.notes:
        evidence["read_notes"] = list(parsed.notes)
    if all(verdict.status is Status.CORRECT for _, verdict in verdicts):
        return dataclasses.replace(worst, feedback="correct (every side of the `=` chain)", shown=parsed.shown, evidence=evidence)
    feedback = f"every side of an `=` chain is graded; `{shown}` gets the least credit: {worst.feedback}"
    return dataclasses.replace(worst, feedback=feedback, shown=parsed.shown, evidence=evidence)


def _check_parsed(part: Part, key_part: KeyPart, checker: Any, parsed: Parsed, ctx: CheckContext) -> Verdict:
    spec = part.answer
    try:
        verdict = _compare(checker, spec, key_part.expected, parsed, ctx)
    except ExpectedValueError as exc:
        return Verdict(0.0, Status.ERROR, "this part could not be checked (a problem with the answer key); a person will grade it", shown=parsed.shown, evidence={"error": str(exc)})
    except (ArithmeticError, TypeError, ValueError, AttributeError, IndexError, KeyError, RecursionError, NotImplementedError) as exc:
        # A checker bug on an unusual (readable) answer: flag it for a person, never a silent 0
        # and never a crash of the batch. The exception is kept for staff.
        return _internal_error(parsed.shown, exc)
    verdict = apply_policy(verdict, ctx.undecided)
    if parsed.notes:
        verdict = dataclasses.replace(verdict, evidence={**verdict.evidence, "read_notes": list(parsed.notes)})
    if verdict.status is Status.CORRECT or not part.mistakes:
        return verdict
    # A mistake rule only replaces a verdict that gives less credit than the rule.
    for rule in part.mistakes:
        if rule.id not in key_part.mistakes:
            continue
        try:
            attempt = apply_policy(_compare(checker, spec, key_part.mistakes[rule.id], parsed, ctx), ctx.undecided)
        except ExpectedValueError as exc:
            return Verdict(0.0, Status.ERROR, "a mistake rule of this part could not be checked; a person will grade it", shown=parsed.shown, evidence={"error": str(exc), "rule": rule.id})
        except (ArithmeticError, TypeError, ValueError, AttributeError, IndexError, KeyError, RecursionError, NotImplementedError) as exc:
            return _internal_error(parsed.shown, exc, rule.id)
        if not _mistake_matches(attempt):
            continue
        if rule.score < verdict.score:
            continue
        status = Status.CORRECT if rule.score >= 1 else Status.PARTIAL if rule.score > 0 else Status.WRONG
        evidence = {**verdict.evidence, "rule": rule.id, "original_feedback": verdict.feedback}
        return Verdict(rule.score, status, rule.feedback, shown=verdict.shown, rule=rule.id, note=rule.note or rule.id, evidence=evidence)
    return verdict
