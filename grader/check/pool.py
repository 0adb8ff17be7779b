"""A supervised pool of worker processes: budgets enforced from outside the work.

Each worker is a process with a persistent pipe; it receives one task at a time, so the
supervisor knows exactly which task a worker is running and since when. A task that
overruns its wall-clock budget gets its worker killed (SIGKILL) and replaced; the task's
result is ``on_timeout(task, reason)``; all other tasks go on. Memory is limited inside
each worker with ``RLIMIT_AS`` (the budget is what a task may allocate on top of what the
worker had mapped when it started).

Reasons given to ``on_timeout``:

- ``"time limit of 30 s exceeded"``;
- ``"memory limit exceeded"``: the task raised MemoryError, or the worker was killed by
  a signal it did not get from the supervisor (the kernel's OOM killer);
- ``"the checker crashed"``: the worker died otherwise (segfault, ``os._exit``);
- ``"the checker failed: <error>"``: the task raised an exception.

Results come back in input order and do not depend on ``workers``. ``workers=0`` runs
everything in this process, with no isolation (for debugging only).

``Pool`` keeps its workers across several ``map`` calls (a batch uses one pool for
reading folders, checking answers and writing feedback); ``run_tasks`` is one ``map`` on
a pool of its own. A worker whose memory has grown by more than half of its budget since
it started retires after its task and is replaced, so that a long-lived worker does not
drift towards its limit.

Workers die with their supervisor: each closes the inherited copies of every supervisor
pipe end (its own and its siblings'), so that a supervisor's death is an end-of-file for
it, and on Linux asks for SIGKILL when its parent dies (``prctl(PR_SET_PDEATHSIG)``), so a
worker busy in a task does not outlive a supervisor killed with SIGKILL. A worker takes
the default action on SIGTERM and ignores SIGINT (the supervisor handles both:
``terminate_as_interrupt`` turns a SIGTERM into KeyboardInterrupt, which stops the workers).

Warnings raised inside a task (numpy's ``RuntimeWarning`` on NaN in ``np.dot``, sympy
deprecations, ...) are never printed: the worker records them per task (once per place)
and hands them to ``on_warnings(result, messages)``, which may turn them into evidence;
without it they are dropped. This is the one place where checks' warnings are handled.
"""

from __future__ import annotations

import faulthandler
import gc
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
import weakref
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.reduction import ForkingPickler
from types import TracebackType
from typing import Any, Generic, TypeVar

__all__ = ["Budget", "Pool", "run_tasks", "terminate_as_interrupt", "MAX_WARNINGS"]

T = TypeVar("T")
R = TypeVar("R")

MEMORY_REASON = "memory limit exceeded"
CRASH_REASON = "the checker crashed"
QUEUE_DEPTH = 2  # tasks sent to a worker at once: the running one and the next
QUEUED_BYTES = 32 * 1024  # a task larger than this is sent only to an idle worker
MAX_WARNINGS = 5  # distinct warning messages kept per task
WARNING_CHARS = 200


@dataclass(frozen=True)
class Budget:
    """Per-task limits: wall-clock seconds and memory in MiB (0 or less: no memory limit).

    The wall-clock limit is a safety net against a task that hangs: a check's own budgets
    are CPU time (``grader.check.timing``: about 5 s at most), and the net is wide enough
    that a check within them finishes even on a loaded machine (a quarter of a core), so
    load does not change verdicts.
    """

    seconds: float = 30.0
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


_SUPERVISOR_ENDS: weakref.WeakSet[Connection] = weakref.WeakSet()  # open parent ends of every worker's pipe
PR_SET_PDEATHSIG = 1


def _die_with_parent(parent_pid: int) -> None:
    """In a worker: SIGKILL when the parent dies (Linux), and exit now if it already has."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:
        os._exit(0)


def _close_inherited_ends(own: Connection) -> None:
    """In a forked worker: close its copies of the supervisor's pipe ends (its own parent
    end and its siblings'), so that the supervisor's death closes the pipe for it."""
    for connection in list(_SUPERVISOR_ENDS):
        if connection is not own:
            try:
                connection.close()
            except OSError:
                pass
    _SUPERVISOR_ENDS.clear()


@contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Within: SIGTERM raises KeyboardInterrupt in the main thread, as Ctrl-C does, so
    that a terminated run stops its workers and cleans up like an interrupted one."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt(f"terminated (signal {signum})")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _call(
    fn: Callable[[Any], Any], task: Any, on_warnings: Callable[[Any, list[str]], Any] | None
) -> Any:
    """``fn(task)`` with its warnings recorded (never printed) and handed to ``on_warnings``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")  # once per place and message within this task
        result = fn(task)
    if caught and on_warnings is not None:
        messages: list[str] = []
        for item in caught:
            text = f"{item.category.__name__}: {item.message}"[:WARNING_CHARS]
            if text not in messages:
                messages.append(text)
        result = on_warnings(result, messages[:MAX_WARNINGS])
    return result


def _worker_main(
    connection: Connection,
    fn: Callable[[Any], Any],
    initializer: Callable[..., Any] | None,
    initargs: tuple[Any, ...],
    memory_mb: int,
    on_warnings: Callable[[Any, list[str]], Any] | None,
    parent_pid: int = 0,
) -> None:
    """Loop of one worker: receive (index, task), send (kind, index, payload, retire)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor handles interrupts
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not the supervisor's handler (inherited by fork)
    if parent_pid:
        _die_with_parent(parent_pid)
    _close_inherited_ends(connection)
    gc.freeze()  # what the parent had is never collected here: no GC passes over it, no copy-on-write
    faulthandler.disable()  # a crash is reported by the supervisor, not dumped to stderr
    warnings.simplefilter("ignore")  # nothing a worker does prints a warning (tasks record theirs)
    if initializer is not None:
        initializer(*initargs)
    _limit_memory(memory_mb)
    started = _mapped_bytes()
    retire_above = started + memory_mb * 1024 * 1024 // 2 if memory_mb > 0 and started else 0
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        index, task = message
        try:
            result = _call(fn, task, on_warnings)
            reply: tuple[str, int, Any] = ("ok", index, result)
        except MemoryError:
            reply = ("memory", index, None)
        except Exception as exc:  # noqa: BLE001 - reported to the supervisor as a failure
            reply = ("error", index, f"{type(exc).__name__}: {exc}")
        retire = reply[0] == "memory" or bool(retire_above and _mapped_bytes() > retire_above)
        try:
            connection.send((*reply, retire))
        except MemoryError:
            connection.send(("memory", index, None, True))
            retire = True
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
            connection.send(("error", index, f"cannot send the result: {exc}", retire))
        if retire:
            return  # a worker that ran out of (or used up half its) memory is replaced


class _Worker(Generic[T]):
    """One worker process and the tasks sent to it: the first is running, the next waits
    in the pipe (so the worker never waits for the supervisor between two tasks)."""

    def __init__(
        self, context: Any, fn: Callable[[T], Any], initializer: Any, initargs: tuple[Any, ...], budget: Budget,
        on_warnings: Callable[[Any, list[str]], Any] | None,
    ) -> None:
        parent_end, child_end = context.Pipe(duplex=True)
        _SUPERVISOR_ENDS.add(parent_end)  # closed in every worker forked from now on
        self.process = context.Process(
            target=_worker_main,
            args=(child_end, fn, initializer, initargs, budget.memory_mb, on_warnings, os.getpid()),
            daemon=True,
        )
        self.process.start()
        child_end.close()
        self.connection: Connection = parent_end
        self.queue: deque[int] = deque()  # indexes sent, in order; the first one is running
        self.deadline = 0.0  # of the running task
        self.killed = False
        self.retired = False

    def can_take(self, size: int) -> bool:
        """Idle, or running one task and the next is small enough to wait in the pipe
        (a large one could fill it while the worker writes its reply: both would block)."""
        return not self.queue or (len(self.queue) < QUEUE_DEPTH and size <= QUEUED_BYTES)

    def send(self, index: int, payload: bytes, seconds: float) -> None:
        if not self.queue:
            self.deadline = time.monotonic() + seconds
        self.queue.append(index)
        self.connection.send_bytes(payload)

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


class Pool(Generic[T, R]):
    """Supervised worker processes running ``fn``, kept across ``map`` calls.

    Workers start on the first ``map`` that has tasks (``initializer(*initargs)`` runs
    once in each), are replaced when killed, crashed or retired, and are stopped by
    ``close`` (or leaving the ``with`` block). ``workers=0``: everything runs in this
    process, with no isolation (for debugging only).
    """

    def __init__(
        self,
        fn: Callable[[T], R],
        *,
        workers: int = 1,
        budget: Budget = Budget(),
        initializer: Callable[..., Any] | None = None,
        initargs: tuple[Any, ...] = (),
        on_warnings: Callable[[R, list[str]], R] | None = None,
    ) -> None:
        self.fn = fn
        self.workers = workers
        self.budget = budget
        self.initializer = initializer
        self.initargs = initargs
        self.on_warnings = on_warnings
        self.started = 0  # worker processes started so far (for tests and statistics)
        self._pool: list[_Worker[T]] = []
        self._context: Any = None
        self._initialized = False

    def __enter__(self) -> Pool[T, R]:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker (idempotent)."""
        pool, self._pool = self._pool, []
        for worker in pool:
            if not worker.killed:
                worker.stop()

    def _spawn(self) -> _Worker[T]:
        if self._context is None:
            self._context = multiprocessing.get_context(_start_method())
        self.started += 1
        return _Worker(self._context, self.fn, self.initializer, self.initargs, self.budget, self.on_warnings)

    def _in_process(
        self, tasks: Sequence[T], on_timeout: Callable[[T, str], R], progress: Callable[[int], None] | None,
        on_result: Callable[[int, R], None] | None = None,
    ) -> list[R]:
        if not self._initialized and self.initializer is not None:
            self.initializer(*self.initargs)
        self._initialized = True
        results: list[R] = []
        for task in tasks:
            try:
                results.append(_call(self.fn, task, self.on_warnings))
            except MemoryError:
                results.append(on_timeout(task, MEMORY_REASON))
            except Exception as exc:  # noqa: BLE001 - same contract as the worker processes
                results.append(on_timeout(task, f"the checker failed: {type(exc).__name__}: {exc}"))
            if on_result is not None:
                on_result(len(results) - 1, results[-1])
            if progress is not None:
                progress(len(results))
        return results

    def map(
        self,
        tasks: Sequence[T],
        *,
        on_timeout: Callable[[T, str], R],
        progress: Callable[[int], None] | None = None,
        on_result: Callable[[int, R], None] | None = None,
    ) -> list[R]:
        """Run ``fn`` on every task; results in input order (see the module docstring).

        ``on_result(index, result)``: called in this process as each result arrives (in
        the order they finish), while the workers go on with the next tasks: work on a
        result overlaps theirs. An exception it raises stops the map like an interrupt."""
        if self.workers <= 0:
            return self._in_process(tasks, on_timeout, progress, on_result)
        if not tasks:
            return []
        budget = self.budget
        pending: deque[int] = deque(range(len(tasks)))
        payloads: dict[int, bytes] = {}  # pickled tasks not sent yet
        results: dict[int, R] = {}

        def finish(index: int, result: R) -> None:
            results[index] = result
            if on_result is not None:
                on_result(index, result)
            if progress is not None:
                progress(len(results))

        def requeue(worker: _Worker[T]) -> None:
            """Tasks that waited behind the running one go back to the front, in order."""
            pending.extendleft(reversed(worker.queue))
            worker.queue.clear()

        def poll(worker: _Worker[T]) -> bool:
            """Handle what happened to a busy worker; True if it must be replaced."""
            while worker.queue:
                index = worker.queue[0]
                try:
                    has_reply = worker.connection.poll()
                except (EOFError, OSError):
                    has_reply = False
                if not has_reply:
                    break
                try:
                    kind, reply_index, payload, retire = worker.connection.recv()
                except (EOFError, OSError):
                    break
                worker.queue.popleft()
                worker.deadline = time.monotonic() + budget.seconds  # the next one starts now
                if kind == "ok":
                    finish(reply_index, payload)
                elif kind == "memory":
                    finish(reply_index, on_timeout(tasks[reply_index], MEMORY_REASON))
                else:
                    finish(reply_index, on_timeout(tasks[reply_index], f"the checker failed: {payload}"))
                if retire:
                    worker.retired = True
                    requeue(worker)  # it exits without reading them
                    return True
            if not worker.queue:
                return False
            index = worker.queue.popleft()
            if not worker.process.is_alive():
                finish(index, on_timeout(tasks[index], worker.death_reason()))
                requeue(worker)
                return True
            if time.monotonic() >= worker.deadline:
                worker.kill()
                finish(index, on_timeout(tasks[index], budget.time_reason()))
                requeue(worker)
                return True
            worker.queue.appendleft(index)
            return False

        # idle workers that died between two calls (e.g. the OOM killer) are replaced, not
        # handed a task that would then be reported as crashed
        for worker in self._pool:
            if not worker.process.is_alive():
                worker.kill()
        self._pool = [worker for worker in self._pool if not worker.killed]
        while len(self._pool) < min(self.workers, len(tasks)):
            self._pool.append(self._spawn())
        pool = self._pool
        try:
            while len(results) < len(tasks):
                for worker in pool:
                    while pending and worker.can_take(len(payloads.get(pending[0], b""))):
                        index = pending.popleft()
                        if index not in payloads:
                            payloads[index] = bytes(ForkingPickler.dumps((index, tasks[index])))
                        if not worker.can_take(len(payloads[index])):
                            pending.appendleft(index)
                            break
                        try:
                            worker.send(index, payloads.pop(index), budget.seconds)
                        except (OSError, ValueError):
                            break  # it died; poll() reports it
                busy = [worker for worker in pool if worker.queue]
                if not busy:
                    break
                timeout = max(0.0, min(worker.deadline for worker in busy) - time.monotonic())
                wait([worker.connection for worker in busy] + [worker.process.sentinel for worker in busy], timeout)
                for position, worker in enumerate(pool):
                    if worker.queue and poll(worker):
                        if worker.retired and not worker.killed:
                            worker.stop()
                            worker.killed = True
                        elif not worker.killed:
                            worker.kill()
                        pool[position] = self._spawn() if pending else worker
                pool[:] = [worker for worker in pool if not worker.killed]
                if not pool and pending:
                    pool.extend(self._spawn() for _ in range(min(self.workers, len(pending))))
        except BaseException:
            for worker in pool:  # an interrupt: tasks in flight are abandoned with their workers
                if worker.queue and not worker.killed:
                    worker.kill()
            pool[:] = [worker for worker in pool if not worker.killed]
            raise
        return [results[index] for index in range(len(tasks))]


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
    on_warnings: Callable[[R, list[str]], R] | None = None,
) -> list[R]:
    """Run ``fn`` on every task in supervised worker processes; results in input order."""
    if workers > 0 and not tasks:
        return []
    with Pool(fn, workers=workers, budget=budget, initializer=initializer, initargs=initargs, on_warnings=on_warnings) as pool:
        return pool.map(tasks, on_timeout=on_timeout, progress=progress)
