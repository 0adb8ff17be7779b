"""Pipeline stage 1, plan: which folders, which students, which distinct checks.

Pure functions: a class's extractions in, the distinct (part id, normalized answer) checks
out, in a fixed order; students get unique output stems.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.check.verdict import Verdict
from grader.results import Student, file_stem
from grader.rubric.models import Rubric
from grader.submission.extract import Extraction

__all__ = [
    "CheckKey",
    "CheckTask",
    "StudentSlot",
    "assign_stems",
    "group_members",
    "normalize_answer",
    "plan_checks",
    "submission_folders",
    "unreadable",
    "verdicts_of",
]

CheckTask = tuple[str, Any]  # (part id, normalized raw answer)
CheckKey = tuple[str, str]  # (part id, canonical text of the answer)


def normalize_answer(raw: Any) -> tuple[str, Any] | None:
    """Canonical text of an answer (for deduplication and display) and the value to check.

    Text: stripped, whitespace collapsed. Numbers, lists and mappings: a canonical JSON
    dump (sorted keys), and the value checked is that dump read back, so two students
    with the same canonical answer get the very same check. None when there is no answer.
    """
    if raw is None:
        return None
    if isinstance(raw, str):
        text = " ".join(raw.split())
        return (text, text) if text else None
    try:
        canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        text = " ".join(str(raw).split())
        return (text, text) if text else None
    return canonical, json.loads(canonical)


def plan_checks(rubric: Rubric, extractions: Iterable[Extraction]) -> dict[CheckKey, Any]:
    """The distinct checks a set of extractions needs, in a fixed order (rubric order, then text)."""
    order = {part.id: index for index, part in enumerate(rubric.parts())}
    wanted: dict[CheckKey, Any] = {}
    for extraction in extractions:
        if extraction.wrong_assignment is not None:
            continue
        for part_id, raw in extraction.answers.items():
            if part_id not in order:
                continue
            normalized = normalize_answer(raw)
            if normalized is not None:
                wanted.setdefault((part_id, normalized[0]), normalized[1])
    return {key: wanted[key] for key in sorted(wanted, key=lambda k: (order[k[0]], k[1]))}


def unreadable(folder: Path, reason: str) -> Extraction:
    """The extraction of a folder that could not be read at all."""
    return Extraction(
        student=Student(id=folder.name, folder=folder.name),
        problems=[f"the submission could not be read: {reason}"],
    )


def group_members(extraction: Extraction, submitters: list[Student]) -> list[Extraction]:
    """Copies of a group submission's extraction for its other submitters (Gradescope
    groups: every member gets the same grades and a gradebook row of their own)."""
    student = extraction.student
    if len(submitters) < 2 or student is None or student.id != submitters[0].id:
        return []
    return [
        dataclasses.replace(
            extraction,
            student=Student(id=member.id, name=member.name, email=member.email, folder=student.folder),
            problems=list(extraction.problems),
            notes=list(extraction.notes),
        )
        for member in submitters[1:]
    ]


def submission_folders(submissions_dir: str | Path) -> list[Path]:
    """Student folders of a submissions directory (hidden folders skipped), sorted."""
    root = Path(submissions_dir)
    return sorted(
        (entry for entry in root.iterdir() if entry.is_dir() and not entry.name.startswith((".", "__"))),
        key=lambda entry: entry.name,
    )


@dataclass
class StudentSlot:
    """One student of a batch and the stem of their output files."""

    extraction: Extraction
    stem: str


def verdicts_of(extraction: Extraction, cache: dict[CheckKey, Verdict]) -> dict[CheckKey, Verdict]:
    """The verdicts one student's answers need (what ``score_extraction`` looks up)."""
    out: dict[CheckKey, Verdict] = {}
    for part_id, raw in extraction.answers.items():
        normalized = normalize_answer(raw)
        if normalized is not None and (part_id, normalized[0]) in cache:
            out[(part_id, normalized[0])] = cache[(part_id, normalized[0])]
    return out


def assign_stems(extractions: Sequence[Extraction], problems: list[str]) -> list[StudentSlot]:
    """Unique output file names; students sharing an id are told and disambiguated by folder."""
    by_stem: dict[str, list[Extraction]] = {}
    for extraction in extractions:
        student = extraction.student or Student(id="unknown")
        by_stem.setdefault(file_stem(student.id), []).append(extraction)
    out: list[StudentSlot] = []
    for stem, group in by_stem.items():
        if len(group) == 1:
            out.append(StudentSlot(group[0], stem))
            continue
        folders = ", ".join(sorted(e.student.folder for e in group if e.student))
        problems.append(f"student id '{stem}' is claimed by several folders ({folders}); each is graded separately")
        for extraction in group:
            folder = extraction.student.folder if extraction.student else "unknown"
            extraction.problems.append(f"another submission folder also claims student id '{stem}' ({folders})")
            out.append(StudentSlot(extraction, f"{stem}__{file_stem(folder)}"))
    out.sort(key=lambda s: (s.extraction.student.id if s.extraction.student else "", s.stem))
    return out
