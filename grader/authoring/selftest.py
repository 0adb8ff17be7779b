"""Rubric self-tests: every part's sample answers must get the score (and rule) they declare."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grader.check.verdict import Status, Verdict
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


SELF_TEST_SECONDS = 30.0

_WORKER_STATE: dict[str, Any] = {}


def _start_worker(rubric: Rubric, key: AnswerKey) -> None:
    _WORKER_STATE["rubric"], _WORKER_STATE["key"] = rubric, key


def _run_one(task: tuple[str, int]) -> Verdict:
    from grader.check.engine import check_part, context_for

    part_id, index = task
    rubric: Rubric = _WORKER_STATE["rubric"]
    key: AnswerKey = _WORKER_STATE["key"]
    part = rubric.part(part_id)
    return check_part(part, key.parts[part_id], part.tests[index].answer, context_for(rubric, part, seed=0))


def _not_checked(task: tuple[str, int], reason: str) -> Verdict:
    return Verdict(0.0, Status.TIMEOUT, f"self-test not checked: {reason}")


def run_self_tests(rubric: Rubric, key: AnswerKey, workers: int = 2) -> list[SelfTestOutcome]:
    """Grade every self-test answer of every part with the real checking engine, in the
    same supervised worker pool (and per-answer budget) as batch grading."""
    from grader.check.pool import Budget, run_tasks

    tasks = [(part.id, index) for part in rubric.parts() for index in range(len(part.tests))]
    verdicts = run_tasks(
        _run_one, tasks, workers=workers, budget=Budget(seconds=SELF_TEST_SECONDS),
        on_timeout=_not_checked, initializer=_start_worker, initargs=(rubric, key),
    )
    outcomes: list[SelfTestOutcome] = []
    for (part_id, index), verdict in zip(tasks, verdicts, strict=True):
        test = rubric.part(part_id).tests[index]
        outcomes.append(SelfTestOutcome(part_id, index, test, verdict, judge(test, verdict)))
    return outcomes


def parts_without_tests(rubric: Rubric) -> list[str]:
    """Gradable (non-manual) parts that have no self-test."""
    return [part.id for part in rubric.parts() if part.answer.kind != "manual" and not part.tests]
