"""The outcome of checking one answer: ``Verdict``."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Status(str, enum.Enum):
    """What happened to an answer. Invalid, wrong and undecided are different things."""

    CORRECT = "correct"  # full credit
    PARTIAL = "partial"  # some credit (a mistake rule or per-element credit)
    WRONG = "wrong"  # read fine, not equal to the expected answer
    INVALID = "invalid"  # could not be read (syntax, limits, unknown names)
    UNDECIDED = "undecided"  # equivalence could not be decided in the budget
    TIMEOUT = "timeout"  # the check ran out of its wall-clock or memory budget
    MISSING = "missing"  # no answer given for this part
    MANUAL = "manual"  # left for a person (prose, or a rubric policy)
    ERROR = "error"  # an internal failure; needs a person, never a silent 0


# How each status reads for a student (feedback files, Gradescope output).
STATUS_TEXT: dict[Status, str] = {
    Status.CORRECT: "correct",
    Status.PARTIAL: "partly correct",
    Status.WRONG: "wrong",
    Status.INVALID: "could not be read",
    Status.UNDECIDED: "could not be decided automatically; left for a person",
    Status.TIMEOUT: "ran out of checking time; left for a person",
    Status.MISSING: "no answer given",
    Status.MANUAL: "left for a person",
    Status.ERROR: "internal error while checking; left for a person",
}

# Statuses whose score is provisional until a person looks at the answer.
NEEDS_PERSON: tuple[Status, ...] = (Status.MANUAL, Status.UNDECIDED, Status.TIMEOUT, Status.ERROR)


@dataclass(frozen=True)
class Verdict:
    """Score in [0, 1] (a fraction of the part's points), status, and explanations.

    ``feedback`` is for the student; ``evidence`` is for staff (how the answer was read,
    sample points, residuals, which rule fired). ``shown`` is how the answer was read.
    ``rule`` names the mistake rule that fired, if any; ``note`` is its answer note for
    statistics (STACK-style).
    """

    score: float
    status: Status
    feedback: str
    shown: str = ""
    rule: str | None = None
    note: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (0.0 <= self.score <= 1.0):
            raise ValueError(f"score {self.score} outside [0, 1]")

    def to_json(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "status": self.status.value,
            "feedback": self.feedback,
            "shown": self.shown,
            "rule": self.rule,
            "note": self.note,
            "evidence": self.evidence,
        }
