"""The supervised pool: budgets are enforced from outside; results in input order."""

from __future__ import annotations

import os
import time

import pytest

from grader.check.pool import Budget, Pool, run_tasks


def work(task):
    if task == "sleep":
        time.sleep(600)
    if task == "memory":
        block = bytearray(10 * 1024**3)  # 10 GB
        return len(block)
    if task == "exit":
        os._exit(3)
    if task == "segfault":
        import ctypes

        ctypes.string_at(0)
    if task == "raise":
        raise ValueError("boom")
    return task * 2


def failed(task, reason: str) -> str:
    return f"failed: {reason}"


def test_sleeping_task_is_killed_and_the_next_one_runs() -> None:
    results = run_tasks(work, [1, "sleep", 2], workers=1, budget=Budget(seconds=2), on_timeout=failed)
    assert results == [2, "failed: time limit of 2 s exceeded", 4]


def test_memory_hog_gets_memory_reason() -> None:
    results = run_tasks(work, ["memory", 3], workers=1, budget=Budget(seconds=20, memory_mb=512), on_timeout=failed)
    assert results == ["failed: memory limit exceeded", 6]


@pytest.mark.parametrize("task", ["exit", "segfault"])
def test_crash_recovery(task: str) -> None:
    results = run_tasks(work, [1, task, 2, 3], workers=1, budget=Budget(seconds=10), on_timeout=failed)
    assert results == [2, "failed: the checker crashed", 4, 6]


def test_exception_is_reported_not_raised() -> None:
    assert run_tasks(work, ["raise", 1], workers=1, on_timeout=failed) == ["failed: the checker failed: ValueError: boom", 2]


def test_results_do_not_depend_on_workers() -> None:
    tasks = [1, "sleep", 2, "raise", 3, "exit", 4, 5, 6]
    budget = Budget(seconds=2)  # a safety net: wide enough for a loaded machine
    one = run_tasks(work, tasks, workers=1, budget=budget, on_timeout=failed)
    two = run_tasks(work, tasks, workers=2, budget=budget, on_timeout=failed)
    assert one == two
    assert one[0] == 2 and one[-1] == 12


def test_in_process_mode_and_progress() -> None:
    seen: list[int] = []
    assert run_tasks(work, [1, 2, "raise"], workers=0, on_timeout=failed, progress=seen.append) == [2, 4, "failed: the checker failed: ValueError: boom"]
    assert seen == [1, 2, 3]


_STATE: dict[str, int] = {}


def _init(value: int) -> None:
    _STATE["offset"] = value


def _with_state(task: int) -> int:
    return task + _STATE["offset"]


def test_initializer_runs_in_every_worker() -> None:
    assert run_tasks(_with_state, list(range(10)), workers=2, on_timeout=failed, initializer=_init, initargs=(100,)) == list(range(100, 110))


def test_one_worker_serves_many_tasks() -> None:
    # dispatch costs no process per task (its speed is measured in benchmarks/, not here)
    tasks = list(range(1000))
    with Pool(work, workers=1) as pool:
        assert pool.map(tasks, on_timeout=failed) == [task * 2 for task in tasks]
        assert pool.started == 1


@pytest.mark.parametrize("workers", [0, 1, 2])
def test_on_result_sees_every_result_once_including_failures(workers: int) -> None:
    tasks = [1, "raise", 3, "exit" if workers else 4, 5]
    seen: dict[int, object] = {}

    def collect(index: int, result: object) -> None:
        assert index not in seen  # once per task
        seen[index] = result

    with Pool(work, workers=workers, budget=Budget(seconds=20)) as pool:
        results = pool.map(tasks, on_timeout=failed, on_result=collect)
    assert [seen[index] for index in range(len(tasks))] == results
    assert results[0] == 2 and results[2] == 6 and results[4] == 10
    assert str(results[1]).startswith("failed: the checker failed: ValueError: boom")
    # a crashed worker's task (never run in process: os._exit would end the test run)
    assert str(results[3]).startswith("failed:") if workers else results[3] == 8
