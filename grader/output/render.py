"""Render an output folder from its results database: ``render_outputs(out_dir)``.

gradebook.csv and summary.json are rewritten from ``OUT/grades.sqlite`` (decisions
applied); a student's feedback files are rewritten when their content changes (a decision,
an undo, a re-confirmation), so rendering after a review session touches only the students
concerned. Every write is atomic.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from grader.grading.db import ResultsDB
from grader.output.atomic import write_text_atomic
from grader.output.feedback import Graded, feedback_json, feedback_markdown
from grader.output.gradebook import gradebook_csv
from grader.output.summary import BatchSummary, summarize

__all__ = ["render_outputs", "graded_from_db"]


def graded_from_db(db: ResultsDB) -> list[Graded]:
    """Every student of the database with decisions applied, in gradebook order."""
    return [
        Graded(result, extras["submission_sha256"], dict(extras["sources"]), tuple(extras["notes"]), key)
        for key, result, extras in db.students()
    ]


def _write_if_changed(path: Path, text: str) -> bool:
    try:
        if path.read_text(encoding="utf-8") == text:
            return False
    except OSError:
        pass
    write_text_atomic(path, text)
    return True


def render_outputs(
    out_dir: str | Path,
    *,
    db: ResultsDB | None = None,
    feedback_for: Iterable[str] | None = None,
) -> BatchSummary:
    """Rewrite gradebook.csv, summary.json and the feedback files that changed.

    ``feedback_for``: student keys whose feedback to re-render (default: every student whose
    result involves a person's decision, plus any whose files are missing or differ)."""
    out = Path(out_dir)
    own = db is None
    database = db if db is not None else ResultsDB.open(out, create=False)
    try:
        rubric = database.rubric()
        if rubric is None:
            raise ValueError(f"{database.path}: no grading run recorded")
        graded = graded_from_db(database)
        problems = database.batch_problems()
        sha = database.meta("rubric_sha256")
    finally:
        if own:
            database.close()
    wanted = set(feedback_for) if feedback_for is not None else None
    feedback_dir = out / "feedback"
    feedback_dir.mkdir(parents=True, exist_ok=True)
    for student in graded:
        if wanted is not None and student.stem not in wanted:
            continue
        _write_if_changed(feedback_dir / f"{student.stem}.md", feedback_markdown(student, rubric))
        _write_if_changed(feedback_dir / f"{student.stem}.json", feedback_json(student))
    part_ids = [part.id for part in rubric.parts()]
    results = [student.result for student in graded]
    write_text_atomic(out / "gradebook.csv", gradebook_csv(part_ids, results))
    summary = summarize(rubric, sha, results, problems)
    write_text_atomic(out / "summary.json", summary.dumps())
    summary.out_dir = str(out)
    return summary
