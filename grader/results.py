"""Results of grading: one ``PartResult`` per part, one ``SubmissionResult`` per student,
and ``Graded`` (a result with what the writers need), with its JSON round trip."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from grader.check.verdict import NEEDS_PERSON, Status, Verdict


@dataclass(frozen=True)
class Student:
    """Who a submission belongs to. ``id`` is the gradebook key (SID)."""

    id: str
    name: str = ""
    email: str = ""
    folder: str = ""

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "email": self.email, "folder": self.folder}


@dataclass(frozen=True)
class Review:
    """Where a part stands with people (from the results database).

    ``state``: "pending" (waiting for a person), "decided" (a person's score applies:
    ``fraction`` of the part's points), or "reconfirm" (an earlier decision no longer
    applies because the answer or the part changed; ``fraction`` is that old decision)."""

    state: str
    fraction: float | None = None
    comment: str = ""
    who: str = ""
    decision_id: int | None = None

    @property
    def pending(self) -> bool:
        return self.state in ("pending", "reconfirm")

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state, "fraction": self.fraction, "comment": self.comment, "decision_id": self.decision_id}


@dataclass(frozen=True)
class PartResult:
    """One part of one submission: points earned and the verdict behind them."""

    part_id: str
    points: float
    max_points: float
    verdict: Verdict
    answer: str | None = None  # the raw answer as submitted (shortened for display)
    review: Review | None = None  # None: the automatic verdict is final

    @property
    def pending(self) -> bool:
        """Waiting for a person: its points are not final (without review information:
        when its status needs a person)."""
        if self.review is not None:
            return self.review.pending
        return self.verdict.status in NEEDS_PERSON

    def to_json(self) -> dict[str, Any]:
        data = {
            "part_id": self.part_id,
            "points": self.points,
            "max_points": self.max_points,
            "answer": self.answer,
            **self.verdict.to_json(),
        }
        if self.review is not None:
            data["review"] = self.review.to_json()
        return data


@dataclass(frozen=True)
class SubmissionResult:
    """All parts of one student's submission."""

    student: Student
    assignment: str
    rubric_sha256: str
    parts: tuple[PartResult, ...]
    problems: tuple[str, ...] = field(default_factory=tuple)  # e.g. "answers.yaml: line 3: ..."

    @property
    def total(self) -> float:
        return round(sum(part.points for part in self.parts), 6)

    @property
    def max_total(self) -> float:
        return round(sum(part.max_points for part in self.parts), 6)

    def to_json(self) -> dict[str, Any]:
        return {
            "student": self.student.to_json(),
            "assignment": self.assignment,
            "rubric_sha256": self.rubric_sha256,
            "total": self.total,
            "max_total": self.max_total,
            "problems": list(self.problems),
            "parts": [part.to_json() for part in self.parts],
        }


@dataclass(frozen=True)
class Graded:
    """A graded submission with what the writers need beyond ``SubmissionResult``."""

    result: SubmissionResult
    submission_sha256: str = ""
    sources: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    stem: str = ""  # output file name without extension (unique in the batch)

    def to_json(self) -> dict[str, Any]:
        data = self.result.to_json()
        data["submission_sha256"] = self.submission_sha256
        data["sources"] = dict(self.sources)
        data["notes"] = list(self.notes)
        return data


def file_stem(student_id: str) -> str:
    """A file-system-safe name for a student id."""
    stem = re.sub(r"[^A-Za-z0-9._@-]", "_", student_id.strip()).lstrip(".")
    return stem[:100] or "student"


def review_from_json(data: Any) -> Review | None:
    """A part's ``review`` from feedback JSON (None when absent)."""
    if not isinstance(data, dict):
        return None
    fraction = data.get("fraction")
    decision = data.get("decision_id")
    return Review(
        state=str(data["state"]),
        fraction=float(fraction) if fraction is not None else None,
        comment=str(data.get("comment") or ""),
        decision_id=int(decision) if decision is not None else None,
    )


def graded_from_json(data: dict[str, Any], stem: str = "") -> Graded:
    """Rebuild a Graded from its feedback JSON. Raises KeyError/ValueError/TypeError if malformed."""
    student = Student(**{key: str(data["student"].get(key, "")) for key in ("id", "name", "email", "folder")})
    parts = tuple(
        PartResult(
            part_id=str(part["part_id"]),
            points=float(part["points"]),
            max_points=float(part["max_points"]),
            answer=part.get("answer"),
            verdict=Verdict(
                score=float(part["score"]),
                status=Status(part["status"]),
                feedback=str(part.get("feedback") or ""),
                shown=str(part.get("shown") or ""),
                rule=part.get("rule"),
                note=part.get("note"),
                evidence=dict(part.get("evidence") or {}),
            ),
            review=review_from_json(part.get("review")),
        )
        for part in data["parts"]
    )
    result = SubmissionResult(
        student=student,
        assignment=str(data["assignment"]),
        rubric_sha256=str(data["rubric_sha256"]),
        parts=parts,
        problems=tuple(str(problem) for problem in data.get("problems", [])),
    )
    return Graded(
        result=result,
        submission_sha256=str(data.get("submission_sha256", "")),
        sources={str(k): str(v) for k, v in (data.get("sources") or {}).items()},
        notes=tuple(str(note) for note in data.get("notes", [])),
        stem=stem,
    )
