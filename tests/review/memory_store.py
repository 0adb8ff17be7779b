"""An in-memory ``ReviewStore`` for testing the web layer alone (token gate, escaping, forms).

The page's end-to-end tests run on the real results database (``grader grade`` then
``grader review``); this one only lets the app tests choose hostile content exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from grader.review.store import (
    PAGE_SIZE,
    Decision,
    GroupDetail,
    GroupRow,
    PartView,
    QueuePage,
    StudentRow,
    suggested_scores,
)


class MemoryStore:
    """Groups of one or more parts; decisions kept as an append-only list."""

    def __init__(self, parts: Sequence[PartView], groups: Sequence[GroupDetail]) -> None:
        self._parts = list(parts)
        self._groups = {detail.row.group_id: detail for detail in groups}
        self.log: list[tuple[str, str | None, float | None, str, str]] = []  # (group, student, fraction, comment, who)
        self.closed = 0

    def close(self) -> None:
        self.closed += 1

    def title(self) -> str:
        return "memory <b>assignment</b>"

    def parts(self) -> list[PartView]:
        return self._parts

    def _ordered(self, part_id: str | None, statuses: Sequence[str]) -> list[GroupDetail]:
        order = {part.part_id: index for index, part in enumerate(self._parts)}
        chosen = [
            detail for detail in self._groups.values()
            if (part_id is None or detail.row.part_id == part_id) and detail.row.status in statuses
        ]
        return sorted(chosen, key=lambda d: (order[d.row.part_id], -d.row.size, d.row.group_id))

    def queue(self, part_id: str | None, statuses: Sequence[str], page: int, page_size: int = PAGE_SIZE) -> QueuePage:
        chosen = [self._current(d).row for d in self._ordered(part_id, statuses)]
        start = (page - 1) * page_size
        return QueuePage(rows=tuple(chosen[start : start + page_size]), total=len(chosen), page=page, page_size=page_size)

    def neighbours(self, group_id: str, part_id: str | None, statuses: Sequence[str]) -> tuple[str | None, str | None]:
        ids = [d.row.group_id for d in self._ordered(part_id, statuses)]
        if group_id not in ids:
            return None, None
        index = ids.index(group_id)
        return (ids[index - 1] if index else None), (ids[index + 1] if index + 1 < len(ids) else None)

    def _live(self, group_id: str) -> dict[str | None, Decision]:
        live: dict[str | None, list[Decision]] = {}
        for logged_group, student, fraction, comment, who in self.log:
            if logged_group != group_id:
                continue
            if fraction is None:
                if live.get(student):
                    live[student].pop()
            else:
                live.setdefault(student, []).append(Decision(fraction, comment, who, "now", student))
        return {student: stack[-1] for student, stack in live.items() if stack}

    def _current(self, detail: GroupDetail) -> GroupDetail:
        live = self._live(detail.row.group_id)
        group_decision = live.get(None)
        students = tuple(
            replace(row, decision=live.get(row.student_key) or group_decision,
                    state="decided" if (live.get(row.student_key) or group_decision) else "pending")
            for row in detail.students
        )
        decided = sum(1 for row in students if row.decision is not None)
        row = replace(detail.row, decision=group_decision, decided=decided,
                      state="decided" if decided == len(students) else ("mixed" if decided else "pending"))
        return replace(detail, row=row, students=students)

    def group(self, group_id: str) -> GroupDetail | None:
        detail = self._groups.get(group_id)
        return None if detail is None else self._current(detail)

    def decide(self, group_id: str, fraction: float, comment: str, who: str, student_key: str | None = None) -> None:
        self.log.append((group_id, student_key, fraction, comment, who))

    def undo(self, group_id: str, who: str, student_key: str | None = None) -> bool:
        if student_key not in self._live(group_id):
            return False
        self.log.append((group_id, student_key, None, "", who))
        return True


def sample_store() -> MemoryStore:
    """Two parts; one answer is a script tag, one is bad LaTeX, one is good LaTeX."""
    proof = PartView(
        part_id="q1.proof", points=4.0, kind="manual", prompt="Prove that <i>x</i> > 0.",
        guidance="Full marks need <b>both</b> directions.", suggested=suggested_scores([], "manual"),
    )
    formula = PartView(part_id="q2.formula", points=2.0, kind="expression", prompt="Bias correction",
                       suggested=suggested_scores([0.5], "expression"))

    def group(group_id: str, part: PartView, answer: str, status: str, students: Sequence[str]) -> GroupDetail:
        rows = tuple(StudentRow(student_key=f"k-{s}", student_id=s, name=f"<em>{s}</em>", source="answers.yaml:3",
                                answer=answer, state="pending") for s in students)
        return GroupDetail(
            row=GroupRow(group_id=group_id, part_id=part.part_id, status=status, answer=answer, size=len(rows)),
            part=part, answers=(answer,), shown=answer, verdict_status=status,
            feedback="left for a person", students=rows,
        )

    groups = [
        group("1", proof, "<script>document.title='pwned'</script>", "manual", ["s1", "s2"]),
        group("2", proof, "By induction on $n$ \\frac{", "manual", ["s3"]),
        group("3", formula, "\\frac{v_t}{1-\\beta^t}", "undecided", ["s4", "s5", "s6"]),
        group("4", formula, "x + 1", "correct", ["s7"]),
    ]
    return MemoryStore([proof, formula], groups)
