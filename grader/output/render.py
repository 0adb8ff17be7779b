"""Render an output folder from its results: gradebook.csv, summary.json, feedback files.

``render_class`` takes a class's results (from the results database, decisions applied)
and writes gradebook.csv and summary.json, and the feedback files of the students asked
for when their content changed. ``render_outputs(out_dir)`` does the same straight from
``OUT/grades.sqlite`` (after a review session or a CSV import): by default it re-renders
the feedback of every student whose files differ, so only the students a decision
concerns are rewritten. Every write is atomic.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from grader.files import commit_staged, stage_bytes, write_text_atomic
from grader.grading.db import ResultsDB, ResultsDBError
from grader.output.feedback import feedback_json, feedback_markdown
from grader.output.gradebook import gradebook_csv
from grader.output.summary import BatchSummary, summarize
from grader.results import Graded
from grader.rubric.models import Rubric

__all__ = ["render_class", "render_outputs", "reviewed"]


def _stage_if_changed(path: Path, text: str, staged: list[tuple[str, str]]) -> None:
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return
    except OSError:
        pass
    staged.append(stage_bytes(path, data))


def reviewed(graded: Iterable[Graded]) -> set[str]:
    """Stems of the students a person's decision concerns (decided, or to re-confirm)."""
    return {g.stem for g in graded if any(part.review is not None for part in g.result.parts)}


def render_class(
    out_dir: str | Path,
    rubric: Rubric,
    rubric_sha: str,
    graded: Sequence[Graded],
    problems: Sequence[str] = (),
    *,
    feedback_for: Iterable[str] | None = None,
) -> BatchSummary:
    """Write gradebook.csv and summary.json, and the feedback files (.md, then .json) of
    the students in ``feedback_for`` (None: all) whose content changed."""
    out = Path(out_dir)
    wanted = set(feedback_for) if feedback_for is not None else None
    feedback_dir = out / "feedback"
    feedback_dir.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[str, str]] = []
    for student in graded:
        if wanted is not None and student.stem not in wanted:
            continue
        _stage_if_changed(feedback_dir / f"{student.stem}.md", feedback_markdown(student, rubric), staged)
        _stage_if_changed(feedback_dir / f"{student.stem}.json", feedback_json(student), staged)
    commit_staged(staged)  # one sync for all of them, then each in place (.md before .json)
    part_ids = [part.id for part in rubric.parts()]
    results = [student.result for student in graded]
    write_text_atomic(out / "gradebook.csv", gradebook_csv(part_ids, results))
    summary = summarize(rubric, rubric_sha, results, list(problems))
    write_text_atomic(out / "summary.json", summary.dumps())
    summary.out_dir = str(out)
    return summary


def render_outputs(out_dir: str | Path, *, feedback_for: Iterable[str] | None = None) -> BatchSummary:
    """Re-render ``out_dir`` from its results database (decisions applied)."""
    with ResultsDB.open(out_dir, create=False) as db:
        rubric = db.rubric()
        if rubric is None:
            raise ResultsDBError(f"{db.path}: no grading run recorded")
        graded = db.graded()
        problems = db.batch_problems()
        sha = db.meta("rubric_sha256")
    return render_class(out_dir, rubric, sha, graded, problems, feedback_for=feedback_for)
