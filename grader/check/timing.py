"""Soft time budgets for one symbolic step (simplify, trigsimp, ...).

``time_limit(seconds)`` interrupts the step with ``StepTimeout`` through ``SIGALRM``
(``signal.setitimer``). Signals only work in the main thread of a process; elsewhere the
budget cannot be enforced from inside, so ``step_allowed()`` is False and callers skip
optional expensive steps. Hard limits are the job of ``grader.check.pool`` (a process is
killed from outside); these soft budgets only keep a check inside its own budget.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["StepTimeout", "step_allowed", "time_limit"]


class StepTimeout(BaseException):
    """A symbolic step ran out of its budget.

    A ``BaseException`` on purpose: sympy code catches ``Exception`` in places, and a
    timeout must not be swallowed there.
    """


def step_allowed() -> bool:
    """True when a soft time limit can be enforced here (main thread, SIGALRM exists)."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ``StepTimeout`` in the body after ``seconds`` of wall-clock time.

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

    outer_remaining, _ = signal.getitimer(signal.ITIMER_REAL)
    previous = signal.signal(signal.SIGALRM, on_alarm)
    limit = seconds if outer_remaining <= 0 else min(seconds, outer_remaining)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        remaining_now, _ = signal.getitimer(signal.ITIMER_REAL)
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer_remaining > 0:
            spent = limit - remaining_now
            signal.setitimer(signal.ITIMER_REAL, max(outer_remaining - spent, 1e-6))
