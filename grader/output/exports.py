"""LMS exports of a graded class: Canvas, Moodle, Gradescope and the plain gradebook.

``read_class(out_dir)`` reads ``OUT/feedback/*.json`` (I/O); the renderers are pure (rows
and, for Canvas or Moodle, the text of the course's own export in; CSV text and the
students that could not be matched out). Nobody is dropped silently: every graded
student that matches no LMS row is in ``Export.unmatched`` (the CLI prints them and
writes them next to the output), and LMS rows without a graded submission are counted.

Formats:

- ``canvas``: the course's Gradebook export (*Grades > Export > Export Entire
  Gradebook*) with one assignment column filled, for *Grades > Import*. The header row,
  the "Points Possible" row (and the "Manual Posting" row of newer exports) are kept;
  the points row gets the assignment's maximum. Students are matched by SIS User ID,
  then SIS Login ID, then e-mail (against SIS Login ID, or an Email column if present).
  Only the identity columns and that assignment column are written, so the import
  cannot touch other assignments. A column that does not exist yet is added (Canvas then
  creates the assignment).
- ``moodle``: Moodle's grade import CSV (*Grades > Import > CSV file*): ``ID number``,
  ``Email address``, ``First name``, ``Last name`` and the grade column; on import map
  "ID number" or "Email address" to the user field of the same name. With ``--lms-file``
  (Moodle's *Export > Plain text file*), that file's grade column is filled instead,
  matched by ID number then Email address.
- ``gradescope``: ``Name, SID, Email, Total Score`` for Gradescope's score upload (it
  matches students by Email or SID).
- ``csv``: the plain gradebook (SID, name, email, total, max, one column per part).

A file read here may start with a UTF-8 byte-order mark (Excel and Canvas write one);
the output keeps it when the input had one (Canvas/Moodle), so Excel still opens it
right. Scores are written with up to 4 decimals.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import GraderError
from grader.output.formats import fmt_number
from grader.output.gradebook import gradebook_csv
from grader.results import PartResult, Student, SubmissionResult, review_from_json

__all__ = [
    "FORMATS",
    "ClassResults",
    "Export",
    "canvas_csv",
    "export_class",
    "gradescope_csv",
    "moodle_csv",
    "read_class",
    "unmatched_csv",
]

FORMATS = ("canvas", "moodle", "gradescope", "csv")
BOM = "\ufeff"
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Section")
CANVAS_POINTS = "Points Possible"
CANVAS_SPECIAL_ROWS = (CANVAS_POINTS, "Manual Posting")
MOODLE_ID = "ID number"
MOODLE_EMAIL = "Email address"


@dataclass(frozen=True)
class ClassResults:
    """A graded class as read from OUT: the assignment, its parts, one result per student."""

    assignment: str
    title: str
    part_ids: tuple[str, ...]
    results: tuple[SubmissionResult, ...]
    problems: tuple[str, ...] = ()

    @property
    def max_total(self) -> float:
        return max((result.max_total for result in self.results), default=0.0)


@dataclass
class Export:
    """CSV text to write, and who could not be matched."""

    text: str
    unmatched: list[SubmissionResult] = field(default_factory=list)
    without_result: list[str] = field(default_factory=list)  # LMS rows no graded student matched
    column: str = ""
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- reading OUT


def _result_from_json(data: dict[str, Any]) -> SubmissionResult:
    from grader.check.verdict import Status, Verdict

    student = data["student"]
    parts = tuple(
        PartResult(
            part_id=str(part["part_id"]),
            points=float(part["points"]),
            max_points=float(part["max_points"]),
            verdict=Verdict(score=0.0, status=Status(str(part.get("status", "wrong"))), feedback=""),
            answer=None,
            review=review_from_json(part.get("review")),  # a person's decision: not pending
        )
        for part in data.get("parts", [])
    )
    return SubmissionResult(
        student=Student(**{key: str(student.get(key, "") or "") for key in ("id", "name", "email", "folder")}),
        assignment=str(data.get("assignment", "")),
        rubric_sha256=str(data.get("rubric_sha256", "")),
        parts=parts,
    )


def read_class(out_dir: str | Path) -> ClassResults:
    """Read OUT/feedback/*.json (and OUT/summary.json for the title and part order).

    A feedback file that cannot be read is a problem listed in the result, not a crash;
    no feedback at all raises GraderError (nothing to export)."""
    root = Path(out_dir)
    folder = root / "feedback"
    if not folder.is_dir():
        raise GraderError(f"{root}: no feedback/ folder; run 'grader grade ... -o {root}' first")
    results: list[SubmissionResult] = []
    problems: list[str] = []
    for path in sorted(folder.glob("*.json")):
        try:
            results.append(_result_from_json(json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            problems.append(f"{path.name}: unreadable ({type(exc).__name__}: {exc}); left out")
    if not results:
        raise GraderError(f"{folder}: no graded students (feedback/*.json) to export")
    summary: dict[str, Any] = {}
    try:
        loaded = json.loads((root / "summary.json").read_text(encoding="utf-8"))
        summary = loaded if isinstance(loaded, dict) else {}
    except (OSError, ValueError):
        pass
    part_ids: list[str] = []
    for result in results:
        for part in result.parts:
            if part.part_id not in part_ids:
                part_ids.append(part.part_id)
    assignment = results[0].assignment
    title = str(summary.get("title") or summary.get("assignment") or assignment)
    return ClassResults(assignment, title, tuple(part_ids), tuple(results), tuple(problems))


# --------------------------------------------------------------------------- CSV helpers


def _read_table(text: str) -> tuple[list[list[str]], bool]:
    """Rows of a CSV text (a BOM is dropped and reported)."""
    bom = text.startswith(BOM)
    rows = list(csv.reader(io.StringIO(text[1:] if bom else text)))
    return [row for row in rows if any(cell.strip() for cell in row)], bom


def _write_table(rows: Iterable[Sequence[str]], bom: bool) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    return (BOM if bom else "") + buffer.getvalue()


def _key(text: str) -> str:
    return text.strip().lower()


class _Matcher:
    """Graded students by id and e-mail (case-insensitive), each matched at most once."""

    def __init__(self, results: Sequence[SubmissionResult]) -> None:
        self.results = list(results)
        self.by_id: dict[str, SubmissionResult] = {}
        self.by_email: dict[str, SubmissionResult] = {}
        for result in self.results:
            if result.student.id.strip():
                self.by_id.setdefault(_key(result.student.id), result)
            if result.student.email.strip():
                self.by_email.setdefault(_key(result.student.email), result)
        self.used: set[int] = set()

    def find(self, ids: Sequence[str], emails: Sequence[str]) -> SubmissionResult | None:
        for table, values in ((self.by_id, ids), (self.by_email, emails)):
            for value in values:
                found = table.get(_key(value)) if value.strip() else None
                if found is not None and id(found) not in self.used:
                    self.used.add(id(found))
                    return found
        return None

    def unmatched(self) -> list[SubmissionResult]:
        return [result for result in self.results if id(result) not in self.used]


def _column_index(header: list[str], column: str | None, candidates: Sequence[str], what: str) -> tuple[int, str]:
    """Where the grade goes: ``column`` (added when absent), else the one header naming the
    assignment (its id or title), else an error listing the assignment columns."""
    if column:
        for index, name in enumerate(header):
            if name.strip() == column.strip():
                return index, name
        return -1, column
    lowered = [c.lower() for c in candidates if c]
    found = [(index, name) for index, name in enumerate(header) if any(c in name.lower() for c in lowered)]
    if len(found) == 1:
        return found[0]
    listed = ", ".join(repr(name) for name in header if name not in CANVAS_IDENTITY) or "none"
    raise GraderError(f"{what}: say which column gets the scores with --column (the file's columns: {listed})")


# --------------------------------------------------------------------------- Canvas


def canvas_csv(graded: ClassResults, lms_text: str, column: str | None = None) -> Export:
    """Fill one assignment column of Canvas's exported gradebook (see the module docstring)."""
    rows, bom = _read_table(lms_text)
    if not rows or "Student" not in [cell.strip() for cell in rows[0]]:
        raise GraderError("the Canvas file does not start with Canvas's gradebook header (Student, ID, SIS User ID, ...)")
    header = [cell.strip() for cell in rows[0]]
    keep = [index for index, name in enumerate(header) if name in CANVAS_IDENTITY]
    index, name = _column_index(header, column, (graded.assignment, graded.title), "Canvas gradebook")
    out_header = [header[i] for i in keep] + [name]
    out_rows: list[list[str]] = [out_header]
    position = {label: i for i, label in enumerate(header)}
    matcher = _Matcher(graded.results)
    export = Export(text="", column=name)
    if index < 0:
        export.notes.append(f"column {name!r} is not in the Canvas file: added (Canvas creates the assignment on import)")

    def cell(row: list[str], label: str) -> str:
        at = position.get(label)
        return row[at].strip() if at is not None and at < len(row) else ""

    email_column = next((label for label in header if label.lower() in ("email", "e-mail", "email address")), None)
    for row in rows[1:]:
        identity = [row[i] if i < len(row) else "" for i in keep]
        first = (row[0] if row else "").strip()
        if first in CANVAS_SPECIAL_ROWS or (first == "" and cell(row, "ID") == ""):
            special = graded.max_total if first == CANVAS_POINTS else (row[index] if 0 <= index < len(row) else "")
            out_rows.append([*identity, fmt_number(special) if isinstance(special, float) else special])
            continue
        emails = [cell(row, "SIS Login ID")] + ([cell(row, email_column)] if email_column else [])
        found = matcher.find([cell(row, "SIS User ID"), cell(row, "SIS Login ID")], emails)
        if found is None:
            export.without_result.append(first or cell(row, "ID"))
            score = row[index] if 0 <= index < len(row) else ""  # left as it was
        else:
            score = fmt_number(found.total)
        out_rows.append([*identity, score])
    export.text = _write_table(out_rows, bom)
    export.unmatched = matcher.unmatched()
    return export


# --------------------------------------------------------------------------- Moodle


def _split_name(name: str) -> tuple[str, str]:
    parts = name.strip().rsplit(" ", 1)
    return (parts[0], parts[1]) if len(parts) == 2 else (name.strip(), "")


def moodle_csv(graded: ClassResults, column: str | None = None, lms_text: str | None = None) -> Export:
    """Moodle's grade import CSV; with ``lms_text`` (Moodle's own export) its column is filled."""
    if lms_text is None:
        name = column or graded.title
        rows = [[MOODLE_ID, MOODLE_EMAIL, "First name", "Last name", name]]
        for result in sorted(graded.results, key=lambda r: (r.student.id, r.student.folder)):
            first, last = _split_name(result.student.name)
            rows.append([result.student.id, result.student.email, first, last, fmt_number(result.total)])
        return Export(text=_write_table(rows, bom=True), column=name)
    table, bom = _read_table(lms_text)
    if not table:
        raise GraderError("the Moodle file is empty")
    header = [cell.strip() for cell in table[0]]
    if MOODLE_ID not in header and MOODLE_EMAIL not in header:
        raise GraderError(f"the Moodle file has neither an '{MOODLE_ID}' nor an '{MOODLE_EMAIL}' column to match students by")
    index, name = _column_index(header, column, (graded.assignment, graded.title), "Moodle export")
    if index < 0:
        header.append(name)
        index = len(header) - 1
    matcher = _Matcher(graded.results)
    export = Export(text="", column=name)
    out_rows = [header]
    at_id, at_email = header.index(MOODLE_ID) if MOODLE_ID in header else -1, header.index(MOODLE_EMAIL) if MOODLE_EMAIL in header else -1
    for row in table[1:]:
        row = row + [""] * (len(header) - len(row))
        student_id = row[at_id] if at_id >= 0 else ""
        email = row[at_email] if at_email >= 0 else ""
        found = matcher.find([student_id, email], [email])
        if found is None:
            export.without_result.append(student_id or email)
        else:
            row[index] = fmt_number(found.total)
        out_rows.append(row)
    export.text = _write_table(out_rows, bom)
    export.unmatched = matcher.unmatched()
    return export


# --------------------------------------------------------------------------- Gradescope and plain


def gradescope_csv(graded: ClassResults) -> Export:
    """``Name, SID, Email, Total Score``: Gradescope's score upload matches by Email or SID."""
    rows = [["Name", "SID", "Email", "Total Score"]]
    for result in sorted(graded.results, key=lambda r: (r.student.id, r.student.folder)):
        rows.append([result.student.name, result.student.id, result.student.email, fmt_number(result.total)])
    without_email = [result.student.id for result in graded.results if not result.student.email.strip()]
    notes = [f"{len(without_email)} student(s) without an e-mail (Gradescope matches them by SID only): "
             + ", ".join(without_email[:10])] if without_email else []
    return Export(text=_write_table(rows, bom=False), column="Total Score", notes=notes)


def export_class(graded: ClassResults, fmt: str, *, lms_text: str | None = None, column: str | None = None) -> Export:
    """The export of ``graded`` in format ``fmt`` (one of FORMATS)."""
    if fmt == "canvas":
        if lms_text is None:
            raise GraderError("--format canvas fills the course's Canvas gradebook export: pass it with --lms-file")
        return canvas_csv(graded, lms_text, column)
    if fmt == "moodle":
        return moodle_csv(graded, column, lms_text)
    if fmt == "gradescope":
        return gradescope_csv(graded)
    if fmt == "csv":
        return Export(text=gradebook_csv(list(graded.part_ids), graded.results), column="Total")
    raise GraderError(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")


def unmatched_csv(unmatched: Sequence[SubmissionResult]) -> str:
    """The graded students no LMS row matched (SID, name, email, folder, total)."""
    rows = [["SID", "Name", "Email", "Folder", "Total"]]
    rows += [[r.student.id, r.student.name, r.student.email, r.student.folder, fmt_number(r.total)] for r in unmatched]
    return _write_table(rows, bom=False)
