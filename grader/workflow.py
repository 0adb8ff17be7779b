"""Whole jobs that compose the layers below: grade a class from paths into OUT.

``grade_paths`` finds the rubric(s) and their answer keys (building a key when none is
current: that imports torch when the rubric uses reference calls), runs the grading
pipeline with the feedback renderer, and writes the gradebook and the class summary.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import OutputError
from grader.files import clean_temp_files, exclusive_output, output_error
from grader.grading.db import DB_NAME
from grader.grading.pipeline import DEFAULT_CHUNK, grade_batch
from grader.key import AnswerKey, default_key_path
from grader.output.feedback import feedback_json, feedback_markdown
from grader.output.render import render_class, reviewed
from grader.output.summary import BatchSummary
from grader.results import Graded
from grader.rubric.models import Rubric
from grader.submission.identity import Roster

__all__ = ["RubricRun", "extract_report", "grade_class", "grade_paths", "render_feedback", "resolve_key"]


def render_feedback(graded: Graded, rubric: Rubric) -> list[tuple[str, bytes]]:
    """One student's files in the feedback folder: <stem>.md, then <stem>.json (the .json
    last: a student with a .json is finished for ``--resume``)."""
    return [
        (f"{graded.stem}.md", feedback_markdown(graded, rubric).encode("utf-8")),
        (f"{graded.stem}.json", feedback_json(graded).encode("utf-8")),
    ]


def grade_class(
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
) -> BatchSummary:
    """Grade every folder of ``submissions_dir`` into ``out_dir``; returns the summary.

    Records every student in ``grades.sqlite`` and writes ``feedback/<id>.json`` + ``.md``
    (through the pipeline, chunk by chunk), then ``gradebook.csv`` and ``summary.json``
    rendered from the database (people's decisions applied), each atomically. Holds
    ``out_dir`` for the whole run (``grader.files.exclusive_output``); an OSError on the way
    becomes one OutputError line naming the file and the cause (students already written
    are kept).
    """
    out = Path(out_dir)
    with exclusive_output(out):  # OUT writable and ours, before any grading
        try:
            run = grade_batch(
                rubric, rubric_sha, key, submissions_dir, out, workers=workers, roster=roster, resume=resume,
                quiet=quiet, budget=budget, seed=seed, chunk_size=chunk_size, render=render_feedback,
            )
            # the results come from the database with people's decisions applied: the feedback the
            # workers wrote from the automatic verdicts is re-rendered for the students concerned
            summary = render_class(out, rubric, rubric_sha, run.results, run.problems, feedback_for=reviewed(run.results))
            write_class_report(out, quiet=quiet)
        except OSError as exc:
            _clean_staged(out)
            filename = str(exc.filename or "")
            inside = bool(filename) and Path(filename).resolve().is_relative_to(out.resolve())
            raise output_error(exc, "cannot write" if inside or not filename else "cannot read") from None
        except sqlite3.Error as exc:  # the results database: a full disk, a read-only file
            _clean_staged(out)
            raise OutputError(f"cannot write {out / DB_NAME}: {exc}") from None
        except BaseException:  # interrupted or terminated: the workers are stopped by now
            _clean_staged(out)
            raise
    summary.graded = run.graded
    summary.resumed = run.resumed
    summary.unique_checks = run.unique_checks
    summary.seconds = run.seconds
    return summary


def _clean_staged(out: Path) -> None:
    """Best effort: the temporary files a stopped chunk staged (finished students stay)."""
    for folder in (out / "feedback", out):
        try:
            clean_temp_files(folder)
        except OSError:
            pass


def extract_report(
    rubric: Rubric,
    folder: str | Path,
    *,
    roster: Roster | None = None,
    metadata: dict[str, Any] | None = None,
    read: bool = True,
    budget: Any = None,
) -> str:
    """What ``grader extract`` prints: the folder is read, and each answer read by its
    checker, in supervised workers under the checking budget (each answer its own), so a
    hostile folder or answer costs its budget and never hangs or kills the command."""
    from grader.check.pool import Budget, run_tasks
    from grader.grading.pipeline import read_submission
    from grader.output.extraction import read_answer, render_extraction

    budget = budget if budget is not None else Budget()
    extraction = read_submission(rubric, folder, roster=roster, metadata=metadata, budget=budget)
    reads: dict[str, str] | None = None
    if read:
        tasks = [(rubric, part_id, raw) for part_id, raw in extraction.answers.items()]

        def stopped(task: tuple[Any, str, Any], reason: str) -> str:
            return f"could not be read within its budget ({reason.replace('the checker', 'the reader')})"

        found = run_tasks(read_answer, tasks, workers=1, budget=budget, on_timeout=stopped)
        reads = {task[1]: text for task, text in zip(tasks, found, strict=True)}
    return render_extraction(rubric, extraction, read=read, reads=reads)


def write_class_report(out: Path, *, quiet: bool = False) -> Path | None:
    """``OUT/report.html`` after grading; a failure there is reported and never fails the grading."""
    import sys

    from grader.output.report import write_report

    try:
        return write_report(out)
    except Exception as exc:  # noqa: BLE001 - the grades are written; the report is a view of them
        if not quiet:
            print(f"warning: {out}/report.html not written ({type(exc).__name__}: {exc}); "
                  f"retry with 'grader report {out}'", file=sys.stderr)
        return None


@dataclass
class RubricRun:
    """One rubric's outcome in ``grade_paths``: a summary, a skip reason, or an error."""

    rubric_path: Path
    assignment: str = ""
    summary: BatchSummary | None = None
    skipped: str | None = None
    error: str | None = None


def resolve_key(rubric: Rubric, rubric_sha: str, rubric_path: Path, key_path: Path | None) -> AnswerKey:
    """The answer key to grade with.

    ``key_path`` a file: load it and check it matches the rubric (AnswerKeyError if not).
    ``key_path`` a folder: ``<assignment id>.json``, ``<stem>.key.json`` or ``<stem>.json``
    in it. Otherwise ``<stem>.key.json`` beside the rubric when it matches the rubric, else
    the key is built (this imports torch when the rubric uses reference calls).
    """
    from grader.key import check_key_matches, load_key
    from grader.key.build import build_key

    candidates: list[Path] = []
    if key_path is not None and key_path.is_dir():
        stem = rubric_path.stem
        candidates = [key_path / f"{rubric.assignment.id}.json", key_path / f"{stem}.key.json", key_path / f"{stem}.json"]
    elif key_path is not None:
        answer_key = load_key(key_path)
        check_key_matches(answer_key, rubric, rubric_sha)
        return answer_key
    else:
        beside = default_key_path(rubric_path)
        if beside.is_file():
            answer_key = load_key(beside)
            if answer_key.rubric_sha256 == rubric_sha:
                check_key_matches(answer_key, rubric, rubric_sha)
                return answer_key
    for candidate in candidates:
        if candidate.is_file():
            answer_key = load_key(candidate)
            check_key_matches(answer_key, rubric, rubric_sha)
            return answer_key
    return build_key(rubric, rubric_sha)


def grade_paths(
    rubric_path: str | Path,
    submissions_dir: str | Path,
    out_dir: str | Path = "results",
    *,
    key_path: str | Path | None = None,
    workers: int = 1,
    roster_path: str | Path | None = None,
    resume: bool = False,
    quiet: bool = False,
    budget: Any = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> list[RubricRun]:
    """Grade from paths. ``rubric_path`` a folder: every ``*.yaml`` rubric in it grades
    ``submissions_dir/<assignment id>/`` into ``out_dir/<assignment id>/`` (rubrics without
    such a folder are skipped). Rubric and key errors are returned per rubric; a single
    rubric's error is raised (GraderError)."""
    from grader.errors import GraderError
    from grader.rubric.load import load_rubric
    from grader.submission.identity import load_roster

    rubric_path = Path(rubric_path)
    roster = load_roster(roster_path) if roster_path is not None else None
    key = Path(key_path) if key_path is not None else None

    def batch(rubric: Rubric, sha: str, answer_key: AnswerKey, source: Path, out: Path) -> BatchSummary:
        return grade_class(
            rubric, sha, answer_key, source, out, workers=workers, roster=roster, resume=resume,
            quiet=quiet, budget=budget, chunk_size=chunk_size,
        )

    if not rubric_path.is_dir():
        rubric, sha = load_rubric(rubric_path)
        answer_key = resolve_key(rubric, sha, rubric_path, key)
        summary = batch(rubric, sha, answer_key, Path(submissions_dir), Path(out_dir))
        return [RubricRun(rubric_path, rubric.assignment.id, summary=summary)]
    runs: list[RubricRun] = []
    files = sorted([*rubric_path.glob("*.yaml"), *rubric_path.glob("*.yml")])
    for path in files:
        run = RubricRun(path)
        runs.append(run)
        try:
            rubric, sha = load_rubric(path)
            run.assignment = rubric.assignment.id
            folder = Path(submissions_dir) / rubric.assignment.id
            if not folder.is_dir():
                run.skipped = f"no folder {folder} for assignment '{rubric.assignment.id}'"
                continue
            answer_key = resolve_key(rubric, sha, path, key)
            run.summary = batch(rubric, sha, answer_key, folder, Path(out_dir) / rubric.assignment.id)
        except GraderError as exc:
            run.error = str(exc)
    return runs
