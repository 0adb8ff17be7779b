"""The spreadsheet path: export what needs a person to CSV, import the scores back.

``export_decisions(out_dir)`` gives one row per open answer group (or, ``per_student``, per
student and part): the answer, how it was read, the automatic verdict, ``max_points``, the
suggested scores (points), any earlier decision to re-confirm, and empty ``score`` and
``comment`` columns for the TA. ``import_decisions(out_dir, path)`` validates every filled
row first (a score outside [0, max points], an unknown part or student, a row whose answer
or part changed since the export: each rejected with its line number) and then records all
decisions in ONE transaction, or none at all.

``parse_decisions`` (pure: CSV text and the database's parts/answers in, decisions or
errors out) is what the tests call; the two functions around it do the I/O.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GraderError
from grader.grading.db import QUEUE_STATUSES, Answers, ResultsDB, ResultsDBError, Target
from grader.output.formats import fmt_number

__all__ = [
    "CSV_COLUMNS",
    "DecisionsCSVError",
    "export_decisions",
    "import_decisions",
    "decisions_csv",
]

CSV_COLUMNS = (
    "part_id", "group", "student", "students", "status", "state", "answer", "read_as",
    "automatic_points", "max_points", "suggested_points", "previous_points", "previous_comment",
    "score", "comment", "answer_sha256", "definition",
)
MAX_CELL = 2000  # answers are shortened in the CSV (the review page shows them whole)


class DecisionsCSVError(GraderError):
    """A decisions CSV was rejected (nothing was applied); ``errors`` lists 'line N: why'."""

    def __init__(self, path: str, errors: list[str]) -> None:
        self.errors = errors
        shown = "\n  ".join(errors[:50]) + (f"\n  ... and {len(errors) - 50} more" if len(errors) > 50 else "")
        super().__init__(f"{path}: {len(errors)} problem(s), nothing imported:\n  {shown}")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet would run these as formulas


def _short(text: str | None) -> str:
    """A student's text as a display cell: shortened, and never a spreadsheet formula (a
    leading ' as OWASP advises; import never reads these cells, only the hashes)."""
    flat = text or ""
    flat = flat if len(flat) <= MAX_CELL else flat[: MAX_CELL - 3] + "..."
    return "'" + flat if flat.startswith(FORMULA_START) else flat


def _definition_tag(definition_sha256: str) -> str:
    return definition_sha256[:16]


def _sha_set(shas: list[str]) -> str:
    return " ".join(sorted(set(shas)))


def _points(fraction: float | None, points: float) -> str:
    return "" if fraction is None else fmt_number(fraction * points)


def decisions_csv(db: ResultsDB, *, per_student: bool = False, statuses: tuple[str, ...] | None = QUEUE_STATUSES,
                  include_decided: bool = False) -> str:
    """The CSV text of open groups (pending or to re-confirm; ``include_decided`` adds decided ones)."""
    parts = {part.part_id: part for part in db.parts()}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for summary in db.queue(statuses=statuses):
        if summary.state in ("auto",) or (summary.state == "decided" and not include_decided):
            continue
        detail = db.group(summary.group_id)
        part = parts[summary.part_id]
        suggested = "; ".join(fmt_number(fraction * part.points) for fraction in part.suggested)
        if not per_student:
            previous = next((m.decision for m in detail.members if m.state == "reconfirm" and m.decision), None)
            writer.writerow([
                part.part_id, summary.group_id, "", summary.count, summary.status, summary.state,
                _short(" | ".join(detail.answers)), _short(detail.shown), fmt_number(detail.score * part.points),
                fmt_number(part.points), suggested,
                _points(previous.fraction if previous else None, part.points), _short(previous.comment) if previous else "",
                "", "", _sha_set([answer_sha_of(m.answer) for m in detail.members]),
                _definition_tag(part.definition_sha256),
            ])
            continue
        for member in detail.members:
            if member.state == "auto" or (member.state == "decided" and not include_decided):
                continue
            previous = member.decision if member.state == "reconfirm" else None
            writer.writerow([
                part.part_id, summary.group_id, member.student_key, 1, summary.status, member.state,
                _short(member.answer), _short(detail.shown), fmt_number(detail.score * part.points),
                fmt_number(part.points), suggested,
                _points(previous.fraction if previous else None, part.points), _short(previous.comment) if previous else "",
                "", "", answer_sha_of(member.answer), _definition_tag(part.definition_sha256),
            ])
    return buffer.getvalue()


def answer_sha_of(text: str | None) -> str:
    from grader.grading.db import answer_sha

    return answer_sha(text)


def export_decisions(out_dir: str | Path, output: str | Path, *, per_student: bool = False,
                     include_decided: bool = False) -> int:
    """Write the decisions CSV of ``out_dir``; returns the number of rows."""
    from grader.files import write_text_atomic

    with ResultsDB.open(out_dir, create=False) as db:
        text = decisions_csv(db, per_student=per_student, include_decided=include_decided)
    write_text_atomic(Path(output), text)
    return text.count("\n") - 1


@dataclass(frozen=True)
class _Row:
    line: int
    target: Target
    fraction: float
    comment: str
    expect: str | None


def parse_decisions(db: ResultsDB, text: str) -> tuple[list[_Row], list[str]]:
    """Validate a decisions CSV against the database: (decisions to apply, errors)."""
    parts = {part.part_id: part for part in db.parts()}
    students = {key for key, _, _ in db.students()}
    reader = csv.DictReader(io.StringIO(text))
    missing = [name for name in ("part_id", "student", "score", "answer_sha256", "definition") if name not in (reader.fieldnames or [])]
    if missing:
        return [], [f"line 1: missing column(s) {', '.join(missing)} (export the CSV with `grader review export`)"]
    rows: list[_Row] = []
    errors: list[str] = []
    for record in reader:
        line = reader.line_num
        score_text = (record.get("score") or "").strip()
        if not score_text:
            continue  # not decided in the spreadsheet
        part_id = (record.get("part_id") or "").strip()
        student = (record.get("student") or "").strip()
        part = parts.get(part_id)
        if part is None:
            errors.append(f"line {line}: unknown part '{part_id}'")
            continue
        if student and student not in students:
            errors.append(f"line {line}: unknown student '{student}'")
            continue
        try:
            points = float(score_text)
        except ValueError:
            errors.append(f"line {line}: score '{score_text}' is not a number")
            continue
        if not math.isfinite(points) or points < 0 or points > part.points:
            errors.append(f"line {line}: score {score_text} outside [0, {fmt_number(part.points)}] for {part_id}")
            continue
        if (record.get("definition") or "").strip() != _definition_tag(part.definition_sha256):
            errors.append(f"line {line}: stale row: part {part_id} changed since the export (export again)")
            continue
        shas = sorted(set((record.get("answer_sha256") or "").split()))
        comment = (record.get("comment") or "").strip()
        fraction = points / part.points
        if student:
            if len(shas) != 1:
                errors.append(f"line {line}: answer_sha256 must be one hash on a student row")
                continue
            rows.append(_Row(line, (student, part_id), fraction, comment, shas[0]))
        else:
            if not shas:
                errors.append(f"line {line}: answer_sha256 is empty")
                continue
            rows.append(_Row(line, Answers(part_id, tuple(shas)), fraction, comment, None))
    return rows, errors


def import_decisions(out_dir: str | Path, path: str | Path, *, who: str = "") -> int:
    """Validate and record a decisions CSV in one transaction; returns how many decisions
    were recorded. Raises DecisionsCSVError (nothing applied) on any problem."""
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DecisionsCSVError(str(source), [f"cannot read: {exc}"]) from exc
    with ResultsDB.open(out_dir, create=False) as db:
        rows, errors = parse_decisions(db, text)
        if errors:
            raise DecisionsCSVError(str(source), errors)
        try:
            db.decide_many(
                [(row.target, row.fraction, row.comment) for row in rows],
                who or "csv", source=f"csv:{source.name}", expect=[row.expect for row in rows],
                lines=[row.line for row in rows],
            )
        except ResultsDBError as exc:
            raise DecisionsCSVError(str(source), [str(exc)]) from exc
    return len(rows)
