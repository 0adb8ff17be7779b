"""Results of grading: one ``PartResult`` per part, one ``SubmissionResult`` per student."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from grader.check.verdict import NEEDS_PERSON, Verdict


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
