"""``grader gradescope run``: grade ``/autograder/submission`` into ``results/results.json``.

Order of events, so that Gradescope always finds a valid results.json:

1. a placeholder (score 0, "grading did not finish; contact staff") is written first;
2. the rubric (``source/rubric.yaml``) and frozen key (``source/key.json``) are loaded and
   matched, the metadata read (tolerantly), the answers extracted (answers file or tagged
   write-up, found recursively) in a supervised worker process under the per-answer time
   and memory budget (a folder that hangs or crashes the reader: every part ``error``);
3. each distinct answer is checked in one supervised worker process with a per-answer
   time and memory budget (``grader.check.pool``), so a hostile answer costs at most its
   budget;
4. the final document replaces the placeholder atomically. Any exception on the way
   (corrupt key, a bug) still ends in a valid results.json that says the submission
   needs manual review, with one 0-score test per part; the traceback goes to stdout
   (instructors only).

No torch is ever imported here.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from grader.gradescope.results import (
    dumps_results,
    failure_results,
    graded_results,
    placeholder_results,
)

__all__ = [
    "Paths",
    "RunBudget",
    "GradingStopped",
    "run_autograder",
    "write_results",
    "DEFAULT_ROOT",
    "budget_from_env",
    "time_limit_of",
]

DEFAULT_ROOT = Path("/autograder")


@dataclass(frozen=True)
class Paths:
    """The /autograder tree Gradescope sets up (``root`` may be any folder laid out alike)."""

    root: Path

    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def rubric(self) -> Path:
        return self.source / "rubric.yaml"

    @property
    def key(self) -> Path:
        return self.source / "key.json"

    @property
    def submission(self) -> Path:
        return self.root / "submission"

    @property
    def metadata(self) -> Path:
        return self.root / "submission_metadata.json"

    @property
    def results(self) -> Path:
        return self.root / "results" / "results.json"


@dataclass(frozen=True)
class RunBudget:
    """Checking budgets. Gradescope gives 768 MB and 10 minutes per submission in all.

    ``seconds``: wall time for one answer (shrunk so that all answers fit ``total_seconds``,
    but never below ``min_seconds``); ``memory_mb``: address-space limit of the worker
    (the parent process needs the rest of the 768 MB).
    """

    seconds: float = 10.0
    memory_mb: int = 512
    total_seconds: float = 360.0
    min_seconds: float = 2.0

    @classmethod
    def for_time_limit(cls, time_limit: float) -> RunBudget:
        """The budget for an autograder timeout of ``time_limit`` seconds: the checks share
        60 % of it (360 s of Gradescope's default 600 s); the rest is for start-up, reading
        and writing, and the margin run_autograder keeps."""
        return cls(total_seconds=round(0.6 * time_limit, 1))

    def per_answer(self, checks: int) -> float:
        """Seconds allowed for one answer when ``checks`` answers are to be checked."""
        if checks <= 0:
            return self.seconds
        return max(self.min_seconds, min(self.seconds, self.total_seconds / checks))


# A document that is valid whatever happens (used if even the failure document cannot be built).
_LAST_RESORT = json.dumps(
    {
        "score": 0,
        "output": "The autograder failed internally; this submission needs manual review by course staff.",
        "tests": [],
        "extra_data": {"needs_review": True},
    }
) + "\n"


class GradingStopped(BaseException):
    """The run was told to stop (SIGTERM, e.g. from run_autograder's time limit)."""


@contextmanager
def _stop_on_sigterm() -> Iterator[None]:
    """Turn SIGTERM into GradingStopped while grading, so the failure result gets written."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        raise GradingStopped(f"stopped by signal {signum} (the time limit of run_autograder?)")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def write_results(path: Path, text: str) -> None:
    """Write results.json atomically (temp file in the same folder, fsync, rename)."""
    from grader.files import write_text_atomic

    write_text_atomic(path, text)


def _log(out: TextIO, message: str) -> None:
    print(f"[grader] {message}", file=out, flush=True)


def _grade(paths: Paths, budget: RunBudget, started: float, out: TextIO, state: dict[str, Any]) -> dict[str, Any]:
    """Grade the submission; returns the results document (raises on internal failure)."""
    from grader.check.pool import Budget
    from grader.gradescope.metadata import read_metadata
    from grader.grading.pipeline import read_submission, run_checks
    from grader.grading.plan import plan_checks
    from grader.grading.score import score_extraction
    from grader.key import check_key_matches, load_key

    rubric, sha = load_checked_rubric(paths)
    state["rubric"], state["sha"] = rubric, sha
    key = load_key(paths.key)
    check_key_matches(key, rubric, sha)
    _log(out, f"rubric {rubric.assignment.id} version {rubric.assignment.version} sha256 {sha[:12]}; key matches")

    meta = read_metadata(paths.metadata)
    for note in meta.notes:
        _log(out, f"metadata: {note}")
    submitters = {paths.submission.name: list(meta.users)} if meta.users else None
    # read in a supervised worker, under the per-answer budget (a hostile folder costs its budget)
    extraction = read_submission(
        rubric, paths.submission, metadata=submitters, metadata_name=paths.metadata.name,
        budget=Budget(seconds=budget.seconds, memory_mb=budget.memory_mb),
    )
    if extraction.failed is not None:
        _log(out, f"extraction failed: {extraction.failed}")
    _log(out, f"found {len(extraction.answers)} answer(s); {len(extraction.problems)} problem(s)")

    from grader.check.startup import defer_sympy_units

    checks = plan_checks(rubric, [extraction])
    seconds = budget.per_answer(len(checks))
    _log(out, f"checking {len(checks)} answer(s), {seconds:.1f}s and {budget.memory_mb} MB each")
    if checks:
        defer_sympy_units()  # before the worker forks: it inherits the stand-in
    # nothing to check (an empty or PDF-only upload): no worker, no symbolic imports
    verdicts = run_checks(
        rubric, key, checks, workers=1, budget=Budget(seconds=seconds, memory_mb=budget.memory_mb), seed=0
    ) if checks else {}
    graded = score_extraction(rubric, sha, extraction, verdicts)
    extra: dict[str, Any] = {
        "submission_sha256": graded.submission_sha256,
        "student": graded.result.student.id,
        **meta.to_extra(),
    }
    return graded_results(
        rubric,
        graded.result,
        sources=graded.sources,
        notes=graded.notes,
        execution_time=time.monotonic() - started,
        extra=extra,
    )


def load_checked_rubric(paths: Paths) -> tuple[Any, str]:
    """(rubric, sha256 of rubric.yaml). Uses ``rubric.json`` (written by the build from the
    checked YAML) when its recorded hash is the YAML's, else reads the YAML itself."""
    from grader.rubric.load import load_rubric, rubric_hash
    from grader.rubric.models import Rubric

    try:
        text = paths.rubric.read_text(encoding="utf-8")
        cached = json.loads((paths.source / "rubric.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return load_rubric(paths.rubric)
    sha = rubric_hash(text)
    if not isinstance(cached, dict) or cached.get("rubric_sha256") != sha:
        return load_rubric(paths.rubric)
    return Rubric.model_validate(cached.get("rubric")), sha


def run_autograder(
    root: str | Path = DEFAULT_ROOT,
    *,
    budget: RunBudget | None = None,
    out: TextIO | None = None,
) -> dict[str, Any]:
    """Grade ``root/submission`` and write ``root/results/results.json``; returns the document.

    Never raises for a problem with the submission, the key or grader itself: those end in
    a results.json that says so. (It raises only if results.json cannot be written at all.)
    """
    started = time.monotonic()
    out = out or sys.stdout
    paths = Paths(Path(root))
    budget = budget or RunBudget()
    results = paths.results
    results.parent.mkdir(parents=True, exist_ok=True)
    write_results(results, dumps_results(placeholder_results()))
    _log(out, f"placeholder written to {results}")

    state: dict[str, Any] = {}
    interrupted: BaseException | None = None
    try:
        with _stop_on_sigterm():
            payload = _grade(paths, budget, started, out, state)
            text = dumps_results(payload)
    except BaseException as exc:  # noqa: BLE001 - every failure must still give a valid results.json
        if isinstance(exc, KeyboardInterrupt):
            interrupted = exc
        _log(out, "grading failed; writing a 'needs manual review' result. Traceback:")
        traceback.print_exception(type(exc), exc, exc.__traceback__, file=out)
        reason = f"{type(exc).__name__}: {exc}"
        try:
            payload = failure_results(
                reason, state.get("rubric"), rubric_sha256=state.get("sha", ""),
                execution_time=time.monotonic() - started,
            )
            text = dumps_results(payload)
        except Exception:  # noqa: BLE001
            traceback.print_exc(file=out)
            payload, text = json.loads(_LAST_RESORT), _LAST_RESORT
    write_results(results, text)
    _log(out, f"wrote {results}: score {payload.get('score')} in {time.monotonic() - started:.2f}s")
    if interrupted is not None:
        raise interrupted
    return payload


def time_limit_of(paths: Paths) -> float | None:
    """The autograder timeout the zip was built for (``source/build-info.json``), if readable."""
    try:
        info = json.loads((paths.source / "build-info.json").read_text(encoding="utf-8"))
        value = float(info["time_limit_seconds"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return value if value > 0 else None


def budget_from_env(environ: dict[str, str] | None = None, time_limit: float | None = None) -> RunBudget:
    """``RunBudget`` for ``time_limit`` (the build's), with overrides from GRADER_CHECK_SECONDS /
    GRADER_CHECK_MEMORY_MB / GRADER_TOTAL_SECONDS (bad values are ignored)."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    if time_limit is not None:
        values["total_seconds"] = RunBudget.for_time_limit(time_limit).total_seconds
    for name, field_name, kind in (
        ("GRADER_CHECK_SECONDS", "seconds", float),
        ("GRADER_CHECK_MEMORY_MB", "memory_mb", int),
        ("GRADER_TOTAL_SECONDS", "total_seconds", float),
    ):
        raw = env.get(name)
        if raw:
            try:
                value = kind(raw)
            except ValueError:
                continue
            if value > 0:
                values[field_name] = value
    return RunBudget(**values)

