"""Soft budgets for one symbolic step (simplify, trigsimp, ...), in CPU seconds.

``time_limit(seconds)`` interrupts the step with ``StepTimeout`` once this process has
used ``seconds`` of CPU time in it (``signal.setitimer(ITIMER_PROF)``, ``SIGPROF``). CPU
time, not wall-clock time: other processes loading the machine do not shorten a step's
budget, so the same answer gets the same verdict on a loaded or a quiet machine (a step
needs the same work either way). ``cpu_seconds()`` is the matching clock for budgets
shared by several steps.

Signals only work in the main thread of a process; elsewhere the budget cannot be
enforced from inside, so ``step_allowed()`` is False and callers skip optional expensive
steps. The wall-clock limit is the job of ``grader.check.pool`` (a process is killed from
outside, "time limit exceeded"): the safety net, not what decides a verdict.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["StepTimeout", "cpu_seconds", "step_allowed", "time_limit"]

_TIMER = signal.ITIMER_PROF if hasattr(signal, "ITIMER_PROF") else None
_SIGNAL = getattr(signal, "SIGPROF", None)


class StepTimeout(BaseException):
    """A symbolic step ran out of its budget.

    A ``BaseException`` on purpose: sympy code catches ``Exception`` in places, and a
    timeout must not be swallowed there.
    """


def cpu_seconds() -> float:
    """CPU time used by this process (the clock of the step budgets)."""
    return time.process_time()


def step_allowed() -> bool:
    """True when a soft time limit can be enforced here (main thread, SIGPROF exists)."""
    return (
        hasattr(signal, "setitimer") and _TIMER is not None and _SIGNAL is not None
        and threading.current_thread() is threading.main_thread()
    )


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ``StepTimeout`` in the body after ``seconds`` of CPU time of this process.

    Must only be used where ``step_allowed()`` is True; elsewhere it raises RuntimeError
    so that an unbounded step is never run by mistake. Nested use keeps the tighter limit
    of the two and restores the outer one.
    """
    if not step_allowed():
        raise RuntimeError("time_limit needs the main thread and signal.setitimer")
    if seconds <= 0:
        raise StepTimeout()

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise StepTimeout()

    assert _TIMER is not None and _SIGNAL is not None  # step_allowed()
    outer_remaining, _ = signal.getitimer(_TIMER)
    previous = signal.signal(_SIGNAL, on_alarm)
    limit = seconds if outer_remaining <= 0 else min(seconds, outer_remaining)
    signal.setitimer(_TIMER, limit)
    try:
        yield
    finally:
        remaining_now, _ = signal.getitimer(_TIMER)
        signal.setitimer(_TIMER, 0)
        signal.signal(_SIGNAL, previous)
        if outer_remaining > 0:
            spent = limit - remaining_now
            signal.setitimer(_TIMER, max(outer_remaining - spent, 1e-6))
