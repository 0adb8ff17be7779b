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
from grader.submission.extract import Extraction, class_folders

__all__ = [
    "CheckKey",
    "CheckTask",
    "StudentSlot",
    "assign_stems",
    "group_members",
    "Normalized",
    "normalize_answer",
    "normalized_answers",
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


Normalized = dict[str, tuple[str, Any]]  # part id -> normalize_answer(raw), answered parts only


def normalized_answers(extraction: Extraction) -> Normalized:
    """Every answer of an extraction normalized once (``normalize_answer``; parts without an
    answer left out): what a batch computes per student and hands to the functions below."""
    out: Normalized = {}
    for part_id, raw in extraction.answers.items():
        normalized = normalize_answer(raw)
        if normalized is not None:
            out[part_id] = normalized
    return out


def plan_checks(
    rubric: Rubric, extractions: Iterable[Extraction], normalized: Iterable[Normalized] | None = None
) -> dict[CheckKey, Any]:
    """The distinct checks a set of extractions needs, in a fixed order (rubric order, then
    text). ``normalized``: their ``normalized_answers``, in the same order, when known."""
    order = {part.id: index for index, part in enumerate(rubric.parts())}
    wanted: dict[CheckKey, Any] = {}
    extractions = list(extractions)
    answers = list(normalized) if normalized is not None else [normalized_answers(e) for e in extractions]
    for extraction, normal in zip(extractions, answers, strict=True):
        if extraction.wrong_assignment is not None:
            continue
        for part_id, (text, value) in normal.items():
            if part_id in order:
                wanted.setdefault((part_id, text), value)
    return {key: wanted[key] for key in sorted(wanted, key=lambda k: (order[k[0]], k[1]))}


def unreadable(folder: Path, reason: str) -> Extraction:
    """The extraction of a folder that could not be read at all."""
    return Extraction(
        student=Student(id=folder.name, folder=folder.name),
        problems=[f"the submission could not be read: {reason}"],
        failed=reason,
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


def submission_folders(submissions_dir: str | Path, problems: list[str] | None = None) -> list[Path]:
    """Student folders of a submissions directory, sorted. Hidden folders (``.x``, ``__x``),
    symbolic links and loose answers files are skipped; each skip is reported in ``problems``."""
    folders, skipped = class_folders(submissions_dir)
    if problems is not None:
        problems.extend(skipped)
    return folders


@dataclass
class StudentSlot:
    """One student of a batch and the stem of their output files."""

    extraction: Extraction
    stem: str


def verdicts_of(
    extraction: Extraction, cache: dict[CheckKey, Verdict], normalized: Normalized | None = None
) -> dict[CheckKey, Verdict]:
    """The verdicts one student's answers need (what ``score_extraction`` looks up)."""
    out: dict[CheckKey, Verdict] = {}
    for part_id, (text, _value) in (normalized if normalized is not None else normalized_answers(extraction)).items():
        if (part_id, text) in cache:
            out[(part_id, text)] = cache[(part_id, text)]
    return out


def assign_stems(extractions: Sequence[Extraction], problems: list[str]) -> list[StudentSlot]:
    """Unique output file names; students sharing an id are told and disambiguated by folder.

    Stems are compared without case (two files that differ only in case are one file on
    some file systems), and a disambiguated stem (``id__folder``) that equals another
    student's stem gets a number, so one student's files never replace another's."""
    by_stem: dict[str, list[Extraction]] = {}
    for extraction in extractions:
        student = extraction.student or Student(id="unknown")
        by_stem.setdefault(file_stem(student.id).lower(), []).append(extraction)
    taken = {stem for stem, group in by_stem.items() if len(group) == 1}
    out: list[StudentSlot] = []
    for group in by_stem.values():
        if len(group) == 1:
            student = group[0].student or Student(id="unknown")
            out.append(StudentSlot(group[0], file_stem(student.id)))
            continue
        ids = sorted({e.student.id if e.student else "unknown" for e in group})
        stem = file_stem(ids[0])
        folders = ", ".join(sorted(e.student.folder for e in group if e.student))
        problems.append(f"student id '{stem}' is claimed by several folders ({folders}); each is graded separately")
        ordered = sorted(group, key=lambda e: (e.student.id, e.student.folder) if e.student else ("", ""))
        for extraction in ordered:
            student = extraction.student or Student(id="unknown")
            extraction.problems.append(f"another submission folder also claims student id '{stem}' ({folders})")
            candidate = f"{file_stem(student.id)}__{file_stem(student.folder or 'unknown')}"[:150]
            unique, number = candidate, 2
            while unique.lower() in taken:
                unique, number = f"{candidate}__{number}", number + 1
            taken.add(unique.lower())
            out.append(StudentSlot(extraction, unique))
    out.sort(key=lambda s: (s.extraction.student.id if s.extraction.student else "", s.stem))
    return out
