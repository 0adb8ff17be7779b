"""``DatabaseStore``: the review page's ``ReviewStore`` over the results database.

A thin mapping from ``grader.grading.db.ResultsDB`` (which owns ``OUT/grades.sqlite``,
its schema, WAL mode and the append-only decision history) to the page's view records.
Every write is one ``ResultsDB.decide``/``undo`` call: one short transaction, committed
before the page answers, so two review sessions on one folder never lose each other's
decisions. One store per request; the queue is computed once per store.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from grader.grading.db import DecisionRow, GroupSummary, PartInfo, ResultsDB, ResultsDBError
from grader.grading.db import GroupDetail as DBGroupDetail
from grader.review.queries import QueueCache, open_counts, queue_summaries
from grader.review.store import (
    DEFAULT_STATUSES,
    PAGE_SIZE,
    Decision,
    GroupDetail,
    GroupRow,
    MistakeView,
    PartView,
    QueuePage,
    StudentRow,
    suggested_scores,
)

__all__ = ["DatabaseStore", "open_store"]

MAX_ANSWER_CHARS = 20_000  # longer answers are cut for display (the database keeps them whole)


def _cut(text: str | None) -> str:
    text = text or ""
    return text if len(text) <= MAX_ANSWER_CHARS else text[:MAX_ANSWER_CHARS] + f"… [{len(text)} characters]"


def _decision(row: DecisionRow) -> Decision:
    return Decision(
        fraction=row.fraction,
        comment=row.comment,
        who=row.who,
        when=row.decided_at,
        student_key=row.student_key,
        undo=row.undoes is not None,
    )


def _part_view(info: PartInfo, open_groups: int = 0, open_items: int = 0) -> PartView:
    mistakes = tuple(
        MistakeView(id=str(rule.get("id", "")), score=float(rule.get("score", 0.0)), feedback=str(rule.get("feedback", "")))
        for rule in info.mistakes
    )
    return PartView(
        part_id=info.part_id,
        points=float(info.points),
        kind=info.kind,
        prompt=info.prompt,
        guidance=info.guidance or "",
        mistakes=mistakes,
        suggested=suggested_scores([*info.suggested, *(m.score for m in mistakes)], info.kind),
        open_groups=open_groups,
        open_items=open_items,
    )


def _row(summary: GroupSummary) -> GroupRow:
    decided = summary.counts.get("decided", 0)
    return GroupRow(
        group_id=str(summary.group_id),
        part_id=summary.part_id,
        status=summary.status,
        answer=_cut(summary.label),
        size=summary.count,
        decided=decided,
        state=summary.state,
        decision=Decision(fraction=summary.fraction) if summary.fraction is not None else None,
        reconfirm=bool(summary.counts.get("reconfirm")),
    )


def _group_decision(detail: DBGroupDetail) -> Decision | None:
    """The live group-wide decision (latest action on the group's answers, not undone); for
    a group to re-confirm, the decision made before the rubric changed."""
    undone = {row.undoes for row in detail.history if row.undoes is not None}
    live = [row for row in detail.history if row.student_key is None and row.fraction is not None and row.decision_id not in undone]
    if not live or (detail.summary.fraction is None and detail.summary.state != "reconfirm"):
        return None  # nothing, or not one score for the whole group
    return _decision(max(live, key=lambda row: row.decision_id))


class DatabaseStore:
    """``ReviewStore`` over ``OUT/grades.sqlite``."""

    def __init__(self, db: ResultsDB, cache: QueueCache | None = None) -> None:
        self.db = db
        self.cache = cache
        self._queues: dict[tuple[str | None, tuple[str, ...]], list[GroupSummary]] = {}
        self._fresh = False  # the cache was brought up to date for this store (one request)

    def _refresh(self) -> QueueCache | None:
        if self.cache is not None and not self._fresh:
            self.cache.refresh(self.db.conn)
            self._fresh = True
        return self.cache

    def close(self) -> None:
        self.db.close()

    def title(self) -> str:
        return self.db.meta("assignment", "assignment")

    def _queue(self, part_id: str | None, statuses: Sequence[str]) -> list[GroupSummary]:
        key = (part_id, tuple(statuses))
        if key not in self._queues:
            cache = self._refresh()
            if cache is not None:
                self._queues[key] = cache.summaries(self.db.conn, part_id, tuple(statuses), stable=True, refresh=False)
            else:
                self._queues[key] = queue_summaries(self.db.conn, part_id, tuple(statuses), stable=True)
        return self._queues[key]

    def parts(self) -> list[PartView]:
        cache = self._refresh()
        if cache is not None:
            counts = cache.open_counts(self.db.conn, DEFAULT_STATUSES, refresh=False)
        else:
            counts = open_counts(self._queue(None, DEFAULT_STATUSES))
        return [_part_view(info, *counts.get(info.part_id, (0, 0))) for info in self.db.parts()]

    def queue(self, part_id: str | None, statuses: Sequence[str], page: int, page_size: int = PAGE_SIZE) -> QueuePage:
        summaries = self._queue(part_id, statuses)
        pages = max(1, -(-len(summaries) // page_size))
        page = min(max(1, page), pages)
        start = (page - 1) * page_size
        rows = tuple(_row(summary) for summary in summaries[start : start + page_size])
        return QueuePage(rows=rows, total=len(summaries), page=page, page_size=page_size)

    def neighbours(self, group_id: str, part_id: str | None, statuses: Sequence[str]) -> tuple[str | None, str | None]:
        ids = [str(summary.group_id) for summary in self._queue(part_id, statuses)]
        if group_id not in ids:
            return None, (ids[0] if ids else None)
        index = ids.index(group_id)
        previous = ids[index - 1] if index > 0 else None
        following = ids[index + 1] if index + 1 < len(ids) else None
        return previous, following

    def _detail(self, group_id: str) -> DBGroupDetail | None:
        try:
            return self.db.group(int(group_id))
        except (ValueError, ResultsDBError):
            return None

    def group(self, group_id: str) -> GroupDetail | None:
        detail = self._detail(group_id)
        if detail is None:
            return None
        representative = detail.summary.label
        answers = sorted(detail.answers, key=lambda text: (text != representative, text))
        row = _row(detail.summary)
        row = GroupRow(**{**row.__dict__, "decision": _group_decision(detail)})
        students = tuple(
            StudentRow(
                student_key=member.student_key,
                student_id=member.sid,
                name=member.name,
                source=member.source or "",
                answer=_cut(member.answer),
                state=member.state,
                decision=_decision(member.decision) if member.decision is not None else None,
            )
            for member in detail.members
        )
        return GroupDetail(
            row=row,
            part=_part_view(detail.part),
            answers=tuple(_cut(text) for text in answers),
            shown=detail.shown,
            verdict_status=detail.summary.status,
            verdict_score=detail.score,
            feedback=detail.feedback,
            evidence=detail.evidence,
            students=students,
            history=tuple(_decision(entry) for entry in detail.history),
        )

    def _target(self, group_id: str, student_key: str | None) -> int | tuple[str, str]:
        if student_key is None:
            return int(group_id)
        detail = self._detail(group_id)
        if detail is None:
            raise ResultsDBError(f"unknown answer group {group_id}")
        return (student_key, detail.summary.part_id)

    def decide(self, group_id: str, fraction: float, comment: str, who: str, student_key: str | None = None) -> None:
        self.db.decide(self._target(group_id, student_key), fraction, comment, who, source="review page")

    def undo(self, group_id: str, who: str, student_key: str | None = None) -> bool:
        return self.db.undo(self._target(group_id, student_key), who, source="review page") is not None


def open_store(out_dir: str | Path, cache: QueueCache | None = None) -> DatabaseStore:
    """A store on ``out_dir/grades.sqlite`` (which must exist: grade first). The server
    passes one ``QueueCache`` to every request's store."""
    return DatabaseStore(ResultsDB.open(out_dir, create=False), cache)
