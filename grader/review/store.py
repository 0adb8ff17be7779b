"""What the review page reads and writes: plain view records and the ``ReviewStore`` protocol.

The page never touches SQL. It talks to a ``ReviewStore`` (one per request, opened on the
output folder), and the store is a thin adapter over the results database
(``grader.grading`` owns ``OUT/grades.sqlite``: schema, WAL, append-only decision history).
Keeping the page's needs in one small protocol means the web layer is tested on its own
and the database can change without touching a template.

Scores are fractions of the part's points in [0, 1], as in the database and in verdicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = [
    "DEFAULT_STATUSES",
    "ALL_STATUSES",
    "PAGE_SIZE",
    "Decision",
    "GroupDetail",
    "GroupRow",
    "MistakeView",
    "PartView",
    "QueuePage",
    "ReviewStore",
    "StudentRow",
    "suggested_scores",
]

# What needs a person by default; any status can be asked for.
DEFAULT_STATUSES: tuple[str, ...] = ("manual", "invalid", "undecided", "timeout", "error")
ALL_STATUSES: tuple[str, ...] = (
    "manual", "invalid", "undecided", "timeout", "error", "wrong", "partial", "correct", "missing",
)
PAGE_SIZE = 50


@dataclass(frozen=True)
class MistakeView:
    """A known-mistake rule of a part, as the TA sees it."""

    id: str
    score: float
    feedback: str


@dataclass(frozen=True)
class PartView:
    """A part of the rubric with what a TA needs to decide on it, and its queue counts."""

    part_id: str
    points: float
    kind: str
    prompt: str
    guidance: str = ""
    mistakes: tuple[MistakeView, ...] = ()
    suggested: tuple[float, ...] = (0.0, 1.0)  # fractions, picked by the digit keys 1..9
    open_groups: int = 0  # groups in the default queue with no current decision
    open_items: int = 0  # student answers behind those groups


@dataclass(frozen=True)
class Decision:
    """The current (latest, not undone) human decision on a group or a student's part."""

    fraction: float | None  # None on an undo entry of the history
    comment: str = ""
    who: str = ""
    when: str = ""
    student_key: str | None = None  # None: decided for the whole group
    undo: bool = False  # a history entry that cancelled an earlier decision


@dataclass(frozen=True)
class GroupRow:
    """One line of the queue: an answer group of a part."""

    group_id: str
    part_id: str
    status: str
    answer: str  # the representative answer as written (shortened by the store if huge)
    size: int  # students in the group
    decided: int = 0  # students in it with a current decision
    state: str = "pending"  # "pending" | "decided" | "mixed" | "reconfirm" | "auto"
    decision: Decision | None = None  # the group-wide decision, if one applies to everyone
    reconfirm: bool = False  # a decision from before a rubric change waits to be re-confirmed


@dataclass(frozen=True)
class StudentRow:
    """A student in a group: who, where the answer was found, and the decision on them."""

    student_key: str  # unique in the output folder (feedback/<student_key>.json)
    student_id: str  # the gradebook SID
    name: str = ""
    source: str = ""  # file:line where known
    answer: str = ""  # this student's answer as written
    state: str = ""  # "pending" | "decided" | "reconfirm" | "auto"
    decision: Decision | None = None  # the decision that applies (or the stale one, reconfirm)


@dataclass(frozen=True)
class GroupDetail:
    """Everything the group page shows."""

    row: GroupRow
    part: PartView
    answers: tuple[str, ...]  # the distinct answers of the group as written, representative first
    shown: str = ""  # how the checker read it
    verdict_status: str = ""
    verdict_score: float = 0.0
    feedback: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)
    students: tuple[StudentRow, ...] = ()
    history: tuple[Decision, ...] = ()  # every decision ever made on this group, oldest first


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue, in a stable order (rubric part order, then largest group first,
    whatever the review state: deciding a group does not move it, so j/k walk a fixed list)."""

    rows: tuple[GroupRow, ...]
    total: int  # rows matching the filter, all pages
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


class ReviewStore(Protocol):
    """The review page's view of the results database of one output folder."""

    def title(self) -> str:
        """The assignment's title (for the page header)."""

    def parts(self) -> Sequence[PartView]:
        """Parts in rubric order, with their open counts."""

    def queue(self, part_id: str | None, statuses: Sequence[str], page: int, page_size: int = PAGE_SIZE) -> QueuePage:
        """Groups of ``part_id`` (all parts when None) whose status is in ``statuses``."""

    def neighbours(self, group_id: str, part_id: str | None, statuses: Sequence[str]) -> tuple[str | None, str | None]:
        """The previous and next group ids in the same queue order (j/k)."""

    def group(self, group_id: str) -> GroupDetail | None:
        """The group's detail, or None when there is no such group."""

    def decide(self, group_id: str, fraction: float, comment: str, who: str, student_key: str | None = None) -> None:
        """Record a decision for the whole group, or for one student of it. Committed at once."""

    def undo(self, group_id: str, who: str, student_key: str | None = None) -> bool:
        """Undo the latest decision on the group (or on that student); False when there was none."""

    def close(self) -> None:
        """Release the database connection."""


def suggested_scores(mistake_scores: Sequence[float], kind: str) -> tuple[float, ...]:
    """The fractions offered on the digit keys: 0, the mistake rules' scores, full marks.

    Manual parts also get halves and quarters, which is what a TA reaches for on a proof.
    At most nine (keys 1..9), ascending.
    """
    offered = {0.0, 1.0, *(round(float(score), 6) for score in mistake_scores)}
    if kind == "manual":
        offered |= {0.25, 0.5, 0.75}
    return tuple(sorted(offered))[:9]
