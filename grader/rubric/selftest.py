"""Rubric self-tests: every part's sample answers must get the score (and rule) they declare."""

from __future__ import annotations

from dataclasses import dataclass

from grader.check.verdict import Verdict
from grader.key import AnswerKey
from grader.rubric.models import Rubric, SelfTest

SCORE_EPSILON = 1e-6


@dataclass(frozen=True)
class SelfTestOutcome:
    """One self-test: what the rubric declared and what grading gave."""

    part_id: str
    index: int
    test: SelfTest
    verdict: Verdict
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems


def judge(test: SelfTest, verdict: Verdict) -> tuple[str, ...]:
    """What differs between a self-test's declaration and the verdict (empty: passed)."""
    problems: list[str] = []
    if abs(verdict.score - test.score) > SCORE_EPSILON:
        problems.append(f"score {verdict.score:g}, expected {test.score:g}")
    if test.status is not None and verdict.status.value != test.status:
        problems.append(f"status {verdict.status.value}, expected {test.status}")
    if test.note is not None and test.note not in (verdict.rule, verdict.note):
        problems.append(f"rule {verdict.rule or 'none'}, expected {test.note}")
    return tuple(problems)


def run_self_tests(rubric: Rubric, key: AnswerKey) -> list[SelfTestOutcome]:
    """Grade every self-test answer of every part with the real checking engine."""
    from grader.check.engine import check_part, context_for

    outcomes: list[SelfTestOutcome] = []
    for part in rubric.parts():
        ctx = context_for(rubric, part, seed=0)
        for index, test in enumerate(part.tests):
            verdict = check_part(part, key.parts[part.id], test.answer, ctx)
            outcomes.append(SelfTestOutcome(part.id, index, test, verdict, judge(test, verdict)))
    return outcomes


def parts_without_tests(rubric: Rubric) -> list[str]:
    """Gradable (non-manual) parts that have no self-test."""
    return [part.id for part in rubric.parts() if part.answer.kind != "manual" and not part.tests]
