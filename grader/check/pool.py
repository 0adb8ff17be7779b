"""A supervised pool of worker processes: budgets enforced from outside the work.

Each worker is a process with a persistent pipe; it receives one task at a time, so the
supervisor knows exactly which task a worker is running and since when. A task that
overruns its wall-clock budget gets its worker killed (SIGKILL) and replaced; the task's
result is ``on_timeout(task, reason)``; all other tasks go on. Memory is limited inside
each worker with ``RLIMIT_AS`` (the budget is what a task may allocate on top of what the
worker had mapped when it started).

Reasons given to ``on_timeout``:

- ``"time limit of 10 s exceeded"``;
- ``"memory limit exceeded"``: the task raised MemoryError, or the worker was killed by
  a signal it did not get from the supervisor (the kernel's OOM killer);
- ``"the checker crashed"``: the worker died otherwise (segfault, ``os._exit``);
- ``"the checker failed: <error>"``: the task raised an exception.

Results come back in input order and do not depend on ``workers``. ``workers=0`` runs
everything in this process, with no isolation (for debugging only).
"""

from __future__ import annotations

import faulthandler
import multiprocessing
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

__all__ = ["Budget", "run_tasks"]

T = TypeVar("T")
R = TypeVar("R")

MEMORY_REASON = "memory limit exceeded"
CRASH_REASON = "the checker crashed"


@dataclass(frozen=True)
class Budget:
    """Per-task limits: wall-clock seconds and memory in MiB (0 or less: no memory limit)."""

    seconds: float = 10.0
    memory_mb: int = 1024

    def time_reason(self) -> str:
        return f"time limit of {self.seconds:g} s exceeded"


def _mapped_bytes() -> int:
    """Virtual memory this process has mapped now (Linux), else 0."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            pages = int(handle.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _limit_memory(memory_mb: int) -> None:
    if memory_mb <= 0:
        return
    try:
        import resource
    except ImportError:  # not on this platform
        return
    limit = _mapped_bytes() + memory_mb * 1024 * 1024
    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ValueError, OSError):
        pass


def _worker_main(
    connection: Connection,
    fn: Callable[[Any], Any],
    initializer: Callable[..., Any] | None,
    initargs: tuple[Any, ...],
    memory_mb: int,
) -> None:
    """Loop of one worker: receive (index, task), send (kind, index, payload)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor handles interrupts
    faulthandler.disable()  # a crash is reported by the supervisor, not dumped to stderr
    if initializer is not None:
        initializer(*initargs)
    _limit_memory(memory_mb)
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, task = message
        try:
            result = fn(task)
            reply: tuple[str, int, Any] = ("ok", index, result)
        except MemoryError:
            reply = ("memory", index, None)
        except Exception as exc:  # noqa: BLE001 - reported to the supervisor as a failure
            reply = ("error", index, f"{type(exc).__name__}: {exc}")
        try:
            connection.send(reply)
        except MemoryError:
            connection.send(("memory", index, None))
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
            connection.send(("error", index, f"cannot send the result: {exc}"))
        if reply[0] == "memory":
            return  # a worker that ran out of memory is replaced


class _Worker(Generic[T]):
    """One worker process and the task it is running."""

    def __init__(self, context: Any, fn: Callable[[T], Any], initializer: Any, initargs: tuple[Any, ...], budget: Budget) -> None:
        parent_end, child_end = context.Pipe(duplex=True)
        self.process = context.Process(
            target=_worker_main, args=(child_end, fn, initializer, initargs, budget.memory_mb), daemon=True
        )
        self.process.start()
        child_end.close()
        self.connection: Connection = parent_end
        self.index: int | None = None
        self.deadline = 0.0
        self.killed = False

    def send(self, index: int, task: T, seconds: float) -> None:
        self.index = index
        self.deadline = time.monotonic() + seconds
        self.connection.send((index, task))

    def kill(self) -> None:
        self.killed = True
        if self.process.is_alive():
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.join(5)
        self.connection.close()

    def stop(self) -> None:
        try:
            self.connection.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(1)
        if self.process.is_alive():
            self.kill()
        else:
            self.connection.close()

    def death_reason(self) -> str:
        self.process.join(5)
        code = self.process.exitcode
        if code is not None and code < 0 and -code == signal.SIGKILL and not self.killed:
            return MEMORY_REASON
        return CRASH_REASON


def _start_method() -> str:
    return "fork" if sys.platform.startswith("linux") else "spawn"


def _run_in_process(
    fn: Callable[[T], R], tasks: Sequence[T], on_timeout: Callable[[T, str], R],
    initializer: Callable[..., Any] | None, initargs: tuple[Any, ...], progress: Callable[[int], None] | None,
) -> list[R]:
    if initializer is not None:
        initializer(*initargs)
    results: list[R] = []
    for task in tasks:
        try:
            results.append(fn(task))
        except MemoryError:
            results.append(on_timeout(task, MEMORY_REASON))
        except Exception as exc:  # noqa: BLE001 - same contract as the worker processes
            results.append(on_timeout(task, f"the checker failed: {type(exc).__name__}: {exc}"))
        if progress is not None:
            progress(len(results))
    return results


def run_tasks(
    fn: Callable[[T], R],
    tasks: Sequence[T],
    *,
    workers: int = 1,
    budget: Budget = Budget(),
    on_timeout: Callable[[T, str], R],
    initializer: Callable[..., Any] | None = None,
    initargs: tuple[Any, ...] = (),
    progress: Callable[[int], None] | None = None,
) -> list[R]:
    """Run ``fn`` on every task in supervised worker processes; results in input order."""
    if workers <= 0:
        return _run_in_process(fn, tasks, on_timeout, initializer, initargs, progress)
    if not tasks:
        return []
    context = multiprocessing.get_context(_start_method())
    pending: deque[int] = deque(range(len(tasks)))
    results: dict[int, R] = {}
    pool: list[_Worker[T]] = []

    def spawn() -> _Worker[T]:
        return _Worker(context, fn, initializer, initargs, budget)

    def finish(index: int, result: R) -> None:
        results[index] = result
        if progress is not None:
            progress(len(results))

    def poll(worker: _Worker[T]) -> bool:
        """Handle what happened to a busy worker; True if it must be replaced."""
        index = worker.index
        assert index is not None
        try:
            has_reply = worker.connection.poll()
        except (EOFError, OSError):
            has_reply = False
        if has_reply:
            try:
                kind, reply_index, payload = worker.connection.recv()
            except (EOFError, OSError):
                kind, reply_index, payload = "dead", index, None
            if kind != "dead":
                worker.index = None
                if kind == "ok":
                    finish(reply_index, payload)
                    return False
                if kind == "memory":
                    finish(reply_index, on_timeout(tasks[reply_index], MEMORY_REASON))
                    return True
                finish(reply_index, on_timeout(tasks[reply_index], f"the checker failed: {payload}"))
                return False
        if not worker.process.is_alive():
            worker.index = None
            finish(index, on_timeout(tasks[index], worker.death_reason()))
            return True
        if time.monotonic() >= worker.deadline:
            worker.kill()
            worker.index = None
            finish(index, on_timeout(tasks[index], budget.time_reason()))
            return True
        return False

    try:
        pool = [spawn() for _ in range(min(workers, len(tasks)))]
        while len(results) < len(tasks):
            for worker in pool:
                if worker.index is None and pending:
                    index = pending.popleft()
                    try:
                        worker.send(index, tasks[index], budget.seconds)
                    except (OSError, ValueError):
                        pass  # it died; poll() reports it
            busy = [worker for worker in pool if worker.index is not None]
            if not busy:
                break
            timeout = max(0.0, min(worker.deadline for worker in busy) - time.monotonic())
            wait([worker.connection for worker in busy] + [worker.process.sentinel for worker in busy], timeout)
            for position, worker in enumerate(pool):
                if worker.index is not None and poll(worker):
                    if not worker.killed:
                        worker.kill()
                    pool[position] = spawn() if pending else worker
            pool = [worker for worker in pool if not worker.killed]
            if not pool and pending:
                pool = [spawn() for _ in range(min(workers, len(pending)))]
    finally:
        for worker in pool:
            if not worker.killed:
                worker.stop()
    return [results[index] for index in range(len(tasks))]
