"""The grading pipeline: plan -> check -> score -> write, for one submission or a class.

``grade_batch`` runs ONE supervised worker pool for the whole class, and through it:
reads every submission folder (a folder that cannot be read, or whose reading hangs or
crashes, gives that student 0 with the reason; the batch never stops); then, chunk by
chunk of students, runs each *distinct* (part id, normalized answer) check once, and has
the workers score each student of the chunk and write their files with the renderer the
caller gives. An interrupted run leaves finished students on disk; ``resume=True`` skips
students whose feedback JSON already matches the rubric and the submission's content.

Outputs depend only on the inputs: students sorted by id, checks in a fixed order and
seeded; the number of workers changes nothing but the time taken. Grading never imports
torch.
"""

from __future__ import annotations

import gc
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.check.verdict import Verdict
from grader.files import clean_temp_files, commit_staged
from grader.grading.plan import (
    CheckKey,
    StudentSlot,
    assign_stems,
    group_members,
    plan_checks,
    submission_folders,
    verdicts_of,
)
from grader.grading.score import score_extraction
from grader.grading.worker import (
    BatchTask,
    StudentRenderer,
    WriteJob,
    batch_on_failure,
    make_pool,
    safe_extract,
    warm_up,
    write_student,
)
from grader.key import AnswerKey
from grader.results import Graded, Student, SubmissionResult, graded_from_json
from grader.rubric.models import Rubric
from grader.submission.extract import Extraction
from grader.submission.identity import METADATA_FILE, Roster, load_metadata

__all__ = ["DEFAULT_CHUNK", "BatchRun", "grade_batch", "grade_submission", "grade_submission_full", "run_checks"]

DEFAULT_CHUNK = 500  # students per chunk: finished chunks are on disk if a run is killed


@dataclass
class BatchRun:
    """What ``grade_batch`` did: every student's result in gradebook order, the batch's
    problems (not any one student's), and counts for the summary line."""

    results: list[Graded] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    graded: int = 0
    resumed: int = 0
    unique_checks: int = 0
    seconds: float = 0.0


def run_checks(
    rubric: Rubric,
    key: AnswerKey,
    checks: dict[CheckKey, Any],
    *,
    workers: int = 1,
    budget: Any = None,
    seed: int = 0,
    progress: Callable[..., Any] | None = None,
    pool: Any = None,
) -> dict[CheckKey, Verdict]:
    """Run distinct checks through the supervised pool; verdicts by check key.

    ``pool``: a running ``grader.check.pool.Pool`` of ``grader.grading.worker.batch_task`` to reuse (a batch
    keeps one for its whole run); without it a pool is started for these checks."""
    if not checks:
        return {}
    tasks: list[BatchTask] = [("check", (part_id, value)) for (part_id, _), value in checks.items()]
    if pool is not None:
        results = pool.map(tasks, on_timeout=batch_on_failure, progress=progress)
    else:
        with make_pool(rubric, key, workers=workers, budget=budget, seed=seed) as own:
            results = own.map(tasks, on_timeout=batch_on_failure, progress=progress)
    return dict(zip(checks, results, strict=True))


def grade_submission(
    rubric: Rubric,
    key: AnswerKey,
    folder: str | Path,
    *,
    rubric_sha256: str | None = None,
    roster: Roster | None = None,
    metadata: dict[str, list[Student]] | None = None,
    budget: Any = None,
    seed: int = 0,
) -> SubmissionResult:
    """Grade one submission folder (checks run in one supervised worker)."""
    return grade_submission_full(
        rubric, key, folder, rubric_sha256=rubric_sha256, roster=roster, metadata=metadata, budget=budget, seed=seed
    ).result


def grade_submission_full(
    rubric: Rubric,
    key: AnswerKey,
    folder: str | Path,
    *,
    rubric_sha256: str | None = None,
    roster: Roster | None = None,
    metadata: dict[str, list[Student]] | None = None,
    budget: Any = None,
    seed: int = 0,
) -> Graded:
    """Like grade_submission, with the sources, notes and content hash the writers use."""
    sha = rubric_sha256 or key.rubric_sha256
    extraction = safe_extract(Path(folder), rubric, roster, metadata)
    checks = plan_checks(rubric, [extraction])
    verdicts = run_checks(rubric, key, checks, workers=1, budget=budget, seed=seed)
    return score_extraction(rubric, sha, extraction, verdicts)


def _load_previous(path: Path, rubric_sha256: str, extraction: Extraction, stem: str) -> Graded | None:
    if not path.is_file() or not path.with_suffix(".md").is_file():
        return None
    try:
        graded = graded_from_json(json.loads(path.read_text(encoding="utf-8")), stem)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    same = (
        graded.result.rubric_sha256 == rubric_sha256
        and graded.submission_sha256 == extraction.content_hash
        and graded.result.student == extraction.student
    )
    return graded if same else None


class _Bar:
    """click.progressbar over checks, only on a terminal."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.bar: Any = None
        self.done = 0
        if enabled and total:
            import click

            self.bar = click.progressbar(length=total, label="checking answers", file=sys.stderr)
            self.bar.__enter__()

    def chunk(self, offset: int) -> Callable[..., None]:
        def update(*args: Any) -> None:
            if self.bar is None:
                return
            done = offset + int(args[0]) if args and isinstance(args[0], int) else self.done + 1
            if done > self.done:
                self.bar.update(done - self.done)
                self.done = done

        return update

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@contextmanager
def _collector_spared() -> Iterator[None]:
    """Within: ``gc.freeze()`` moves what exists to the collector's permanent generation
    (what a batch keeps for its whole run: extractions, results), so that collections do
    not walk an ever larger heap (which made a batch's time grow faster than its size);
    on leaving, everything is handed back to the collector."""
    try:
        yield
    finally:
        gc.unfreeze()


def grade_batch(
    rubric: Rubric,
    rubric_sha: str,
    key: AnswerKey,
    submissions_dir: str | Path,
    out_dir: str | Path,
    *,
    workers: int = 1,
    roster: Roster | None = None,
    resume: bool = False,
    quiet: bool = False,
    budget: Any = None,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK,
    render: StudentRenderer,
) -> BatchRun:
    """Grade every folder of ``submissions_dir``; each student's files (what ``render``
    makes of them) land in ``out_dir/feedback/`` atomically, chunk by chunk.

    Returns every student's result in gradebook order, with the batch's problems; the
    class-level files (gradebook, summary) are the caller's. Raises only for problems that
    are not a student's (e.g. an unreadable submissions directory); every student problem
    ends up in that student's result.
    """
    started = time.monotonic()
    source = Path(submissions_dir)
    out = Path(out_dir)
    feedback_dir = out / "feedback"
    feedback_dir.mkdir(parents=True, exist_ok=True)
    clean_temp_files(out)
    clean_temp_files(feedback_dir)
    batch_problems: list[str] = []
    try:
        metadata = load_metadata(source)
    except Exception as exc:  # noqa: BLE001 - a bad metadata file costs identities, not grades
        metadata = {}
        batch_problems.append(f"{METADATA_FILE}: {exc}; folder names used as student ids")

    folders = submission_folders(source)
    batch = {
        "roster": roster, "metadata": metadata, "rubric_sha": rubric_sha, "feedback_dir": str(feedback_dir),
        "render": render,
    }
    graded: dict[str, Graded] = {}
    warm_up(rubric, key, seed)
    with make_pool(rubric, key, workers=workers, budget=budget, seed=seed, batch=batch) as pool, _collector_spared():
        read = pool.map([("extract", str(folder)) for folder in folders], on_timeout=batch_on_failure)
        extractions = []
        for folder, extraction in zip(folders, read, strict=True):
            if not extraction.answers and not extraction.wrong_assignment:
                batch_problems.append(f"{folder.name}: no answers found ({'; '.join(extraction.problems) or 'empty'})")
            extractions.append(extraction)
            extractions.extend(group_members(extraction, metadata.get(folder.name, [])))
        students = assign_stems(extractions, batch_problems)
        gc.freeze()  # the class's extractions live until the end: no collection walks them again

        todo: list[StudentSlot] = []
        for student in students:
            previous = (
                _load_previous(feedback_dir / f"{student.stem}.json", rubric_sha, student.extraction, student.stem)
                if resume
                else None
            )
            if previous is not None:
                graded[student.stem] = previous
            else:
                todo.append(student)
        resumed = len(graded)

        cache: dict[CheckKey, Verdict] = {}
        size = max(1, chunk_size)
        chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
        all_checks = plan_checks(rubric, (s.extraction for s in todo))
        bar = _Bar(len(all_checks), enabled=not quiet and sys.stderr.isatty())
        try:
            for chunk in chunks:
                needed = plan_checks(rubric, (s.extraction for s in chunk))
                fresh = {k: v for k, v in needed.items() if k not in cache}
                cache.update(
                    run_checks(rubric, key, fresh, workers=workers, budget=budget, seed=seed,
                               progress=bar.chunk(bar.done), pool=pool)
                )
                jobs = [WriteJob(s.extraction, s.stem, verdicts_of(s.extraction, cache)) for s in chunk]
                written = pool.map([("write", job) for job in jobs], on_timeout=batch_on_failure)
                staged: list[tuple[str, str]] = []
                for job, done in zip(jobs, written, strict=True):
                    if done is None:  # the worker failed: do it here (an error now is a bug: raised)
                        done = write_student(rubric, rubric_sha, feedback_dir, job, render)
                    graded[job.stem] = done[0]
                    staged.extend(done[1])
                commit_staged(staged)  # the chunk's feedback, durable then in place
                gc.freeze()  # nor the chunk's results
        finally:
            bar.close()
    clean_temp_files(feedback_dir)  # what a write stopped mid-way left (the pool is closed)

    return BatchRun(
        results=[graded[student.stem] for student in students],
        problems=batch_problems,
        graded=len(todo),
        resumed=resumed,
        unique_checks=len(all_checks),
        seconds=round(time.monotonic() - started, 3),
    )
