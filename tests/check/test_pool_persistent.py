"""One pool across several ``map`` calls: workers reused, replaced when they die (busy or
idle) or retire; warnings inside tasks never printed, handed to ``on_warnings``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from grader.check.pool import MAX_WARNINGS, Budget, Pool, run_tasks

REPO = Path(__file__).resolve().parents[2]
_STATE: dict[str, object] = {"inits": 0}
_KEEP: list[bytearray] = []


def _init() -> None:
    _STATE["inits"] = int(_STATE["inits"]) + 1  # type: ignore[call-overload]


def work(task: object) -> object:
    if task == "sleep":
        time.sleep(600)
    if task == "pid":
        return os.getpid()
    if task == "inits":
        return _STATE["inits"]
    if task == "exit":
        os._exit(3)
    if task == "hoard":  # keeps 300 MB mapped: past half of a 512 MB budget
        _KEEP.append(bytearray(300 * 1024 * 1024))
        return "hoarded"
    if task == "warn":
        # raised by this code itself: whether numpy warns on e.g. an overflowing dot product
        # depends on the BLAS kernel the CPU selects, so no warning under test comes from there
        value = float("nan")
        warnings.warn("overflow encountered in dot", RuntimeWarning, stacklevel=1)
        warnings.warn("a deprecation", DeprecationWarning, stacklevel=1)
        warnings.warn("a deprecation", DeprecationWarning, stacklevel=1)  # the same place: once
        return f"value {value}"
    if task == "many-warnings":
        for index in range(50):
            warnings.warn(f"warning {index}", UserWarning, stacklevel=1)
        return "many"
    return task


def failed(task: object, reason: str) -> str:
    return f"failed: {reason}"


def noted(result: object, messages: list[str]) -> object:
    return (result, messages)


def test_workers_are_reused_across_maps() -> None:
    with Pool(work, workers=2, initializer=_init) as pool:
        first = set(pool.map(["pid"] * 20, on_timeout=failed))
        second = set(pool.map(["pid"] * 20, on_timeout=failed))
        inits = set(pool.map(["inits"] * 10, on_timeout=failed))
        assert pool.started == 2
    assert first == second and len(first) == 2
    assert inits == {1}  # the initializer ran once in each worker


# (name, first map, second map, expected second results, workers started in all)
REPLACEMENT_CASES = [
    ("crash in the first map", [1, "exit", 2], [3, 4], [3, 4], 2),
    ("nothing wrong", [1, 2], [3, 4], [3, 4], 1),
]


@pytest.mark.parametrize(("name", "first", "second", "expected", "started"), REPLACEMENT_CASES,
                         ids=[c[0] for c in REPLACEMENT_CASES])
def test_replacement_between_maps(name: str, first: list[object], second: list[object], expected: list[object],
                                  started: int) -> None:
    with Pool(work, workers=1) as pool:
        pool.map(first, on_timeout=failed)
        assert pool.map(second, on_timeout=failed) == expected
        assert pool.started == started


def test_an_idle_worker_that_died_is_replaced_not_blamed() -> None:
    with Pool(work, workers=1) as pool:
        (pid,) = pool.map(["pid"], on_timeout=failed)
        os.kill(pid, signal.SIGKILL)  # e.g. the OOM killer, while the worker waits for work
        time.sleep(0.2)
        assert pool.map([1, 2], on_timeout=failed) == [1, 2]
        assert pool.started == 2


def test_a_worker_that_grew_past_half_its_budget_retires() -> None:
    with Pool(work, workers=1, budget=Budget(seconds=30, memory_mb=512)) as pool:
        results = pool.map(["pid", "hoard", "pid"], on_timeout=failed)
        assert results[1] == "hoarded"
        assert results[0] != results[2]  # the next task ran in a fresh worker
        assert pool.started == 2


@pytest.mark.parametrize("workers", [0, 1], ids=["in process", "worker"])
def test_warnings_are_recorded_once_per_place_and_handed_over(workers: int) -> None:
    with Pool(work, workers=workers, on_warnings=noted) as pool:
        (warned, many, quiet) = pool.map(["warn", "many-warnings", 5], on_timeout=failed)
    result, messages = warned  # type: ignore[misc]
    assert result == "value nan"
    assert "RuntimeWarning: overflow encountered in dot" in messages, messages
    assert messages.count("DeprecationWarning: a deprecation") == 1
    assert many[1] == [f"UserWarning: warning {index}" for index in range(MAX_WARNINGS)]  # type: ignore[index]
    assert quiet == 5  # no warning: on_warnings is not called


def test_warnings_are_dropped_without_a_hook() -> None:
    assert run_tasks(work, ["warn"], workers=1, on_timeout=failed) == ["value nan"]


def test_nothing_reaches_stderr() -> None:
    """A worker's warnings are never printed to the user's terminal (nor the in-process mode's)."""
    script = (
        "import sys\n"
        f"sys.path.insert(0, {str(REPO / 'tests' / 'check')!r})\n"
        "from test_pool_persistent import work, failed\n"
        "from grader.check.pool import run_tasks\n"
        "print(run_tasks(work, ['warn', 'many-warnings'], workers=1, on_timeout=failed))\n"
        "print(run_tasks(work, ['warn'], workers=0, on_timeout=failed))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "value nan" in result.stdout


# (name, tasks): the next task waits in the pipe behind the running one unless it is large
PIPELINE_CASES = [
    ("small tasks queued", list(range(200))),
    ("large tasks and results never block", ["x" * (3 * 1024 * 1024), 1, "y" * (200 * 1024), 2] * 3),
]


@pytest.mark.parametrize(("name", "tasks"), PIPELINE_CASES, ids=[c[0] for c in PIPELINE_CASES])
def test_pipelined_tasks_complete_in_order(name: str, tasks: list[object]) -> None:
    with Pool(work, workers=1, budget=Budget(seconds=30)) as pool:
        assert pool.map(tasks, on_timeout=failed) == tasks


def test_a_task_waiting_behind_a_killed_one_is_not_blamed() -> None:
    results = run_tasks(work, [1, "sleep", 2, "exit", 3], workers=1, budget=Budget(seconds=2), on_timeout=failed)
    assert results == [1, "failed: time limit of 2 s exceeded", 2, "failed: the checker crashed", 3]
