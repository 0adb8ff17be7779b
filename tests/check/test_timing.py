"""Step budgets are CPU time of this process: waiting (another process holding the CPU, or
a sleep) does not use them up; computing does."""

from __future__ import annotations

import time

import pytest

from grader.check.timing import StepTimeout, cpu_seconds, step_allowed, time_limit

pytestmark = pytest.mark.skipif(not step_allowed(), reason="needs SIGPROF in the main thread")


def _spin(cpu: float) -> None:
    start = cpu_seconds()
    while cpu_seconds() - start < cpu:
        pass


def test_waiting_does_not_use_the_budget() -> None:
    with time_limit(0.05):
        time.sleep(0.3)  # wall time passes, CPU time does not


def test_computing_uses_it() -> None:
    start = cpu_seconds()
    with pytest.raises(StepTimeout), time_limit(0.1):
        _spin(30.0)
    assert cpu_seconds() - start >= 0.05  # spent computing (the two clocks tick differently)


def test_nested_budgets_keep_the_tighter_one_and_restore_the_outer() -> None:
    with time_limit(5.0):
        with pytest.raises(StepTimeout), time_limit(0.05):
            _spin(30.0)
        _spin(0.1)  # the outer budget is still running, not cut by the inner one
        with pytest.raises(StepTimeout), time_limit(30.0):  # tighter: the outer one's rest
            _spin(30.0)


def test_a_budget_of_nothing_is_spent_at_once() -> None:
    with pytest.raises(StepTimeout), time_limit(0):
        pass
