"""The review queue computed in SQL: ``ResultsDB.queue`` semantics, fast on a large class.

``ResultsDB.queue`` (``grader.grading.db``) resolves every answer's review state in Python,
which takes about a second for 1000 students x 43 parts. The page needs the queue on every
load (list, counts per part, previous/next), so this module computes the same
``GroupSummary`` list with one aggregate query: the live decisions (not undone; the latest
per student and part, and per part and answer text) are joined to the answers through the
database's indexes, each answer gets its state with ``resolve``'s rules, and the states are
counted per group. Read-only; the database module stays the only writer.

The rules mirrored from ``grader.grading.db.resolve`` (kept equal by a test):
a student's own decision beats the group's (answer text) decision; a decision applies
while its answer text and the part's definition hash are current ("decided"), otherwise it
is shown for re-confirmation ("reconfirm"); without one, an answer whose automatic status
needs a person is "pending", any other is "auto".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from grader.check.verdict import NEEDS_PERSON
from grader.grading.db import GroupSummary

__all__ = ["queue_summaries", "open_counts", "QueueCache", "STATE_RANK", "OPEN_STATES"]

STATE_RANK = {"reconfirm": 0, "pending": 1, "mixed": 2, "decided": 3, "auto": 4}
_NEEDS_PERSON = tuple(status.value for status in NEEDS_PERSON)

_STATES_SQL = """
WITH
undone AS (SELECT undoes AS decision_id FROM decisions WHERE undoes IS NOT NULL),
live AS (
    SELECT decision_id, part_id, student_key, answer_sha256 FROM decisions
    WHERE fraction IS NOT NULL AND decision_id NOT IN (SELECT decision_id FROM undone)
),
latest_group AS (
    SELECT part_id, answer_sha256, max(decision_id) AS decision_id FROM live
    WHERE student_key IS NULL GROUP BY part_id, answer_sha256
),
latest_student AS (
    SELECT student_key, part_id, max(decision_id) AS decision_id FROM live
    WHERE student_key IS NOT NULL GROUP BY student_key, part_id
),
per_answer AS (
    SELECT a.group_id AS group_id, a.status AS status, a.answer_sha256 AS sha, p.definition_sha256 AS definition,
           own.answer_sha256 AS own_sha, own.definition_sha256 AS own_definition, own.fraction AS own_fraction,
           grp.definition_sha256 AS group_definition, grp.fraction AS group_fraction
    FROM answer_view a
    JOIN parts p ON p.part_id = a.part_id
    LEFT JOIN latest_student ls ON ls.student_key = a.student_key AND ls.part_id = a.part_id
    LEFT JOIN decisions own ON own.decision_id = ls.decision_id
    LEFT JOIN latest_group lg ON lg.part_id = a.part_id AND lg.answer_sha256 = a.answer_sha256
    LEFT JOIN decisions grp ON grp.decision_id = lg.decision_id
    {where}
),
states AS (
    SELECT group_id,
        CASE
            WHEN own_sha = sha AND own_definition = definition THEN 'decided'
            WHEN group_definition = definition THEN 'decided'
            WHEN own_sha IS NOT NULL OR group_definition IS NOT NULL THEN 'reconfirm'
            WHEN status IN ({needs_person}) THEN 'pending'
            ELSE 'auto'
        END AS state,
        CASE
            WHEN own_sha = sha AND own_definition = definition THEN own_fraction
            WHEN group_definition = definition THEN group_fraction
        END AS fraction
    FROM per_answer
)
SELECT s.group_id, g.part_id, g.label, g.status, g.merged_by, p.position,
       count(*) AS n,
       sum(s.state = 'decided') AS decided,
       sum(s.state = 'pending') AS pending,
       sum(s.state = 'reconfirm') AS reconfirm,
       sum(s.state = 'auto') AS auto,
       min(s.fraction) AS low, max(s.fraction) AS high
FROM states s
JOIN groups g ON g.group_id = s.group_id
JOIN parts p ON p.part_id = g.part_id
GROUP BY s.group_id
"""


def _summary(row: sqlite3.Row) -> GroupSummary:
    counts = {state: int(row[state]) for state in ("decided", "pending", "reconfirm", "auto") if row[state]}
    if counts.get("reconfirm"):
        state = "reconfirm"
    elif counts.get("pending"):
        state = "pending"
    elif counts.get("decided"):
        state = "decided" if counts["decided"] == row["n"] and row["low"] == row["high"] else "mixed"
    else:
        state = "auto"
    fraction = row["low"] if state == "decided" and row["low"] == row["high"] else None
    return GroupSummary(
        group_id=int(row["group_id"]), part_id=row["part_id"], label=row["label"], status=row["status"],
        merged_by=row["merged_by"], count=int(row["n"]), state=state, fraction=fraction, counts=counts,
    )


Ranked = tuple[int, GroupSummary]  # (part position, summary)
OPEN_STATES = ("pending", "reconfirm", "mixed")


def open_counts(summaries: Sequence[GroupSummary]) -> dict[str, tuple[int, int]]:
    """Per part: (groups, answers) still waiting for a person."""
    counts: dict[str, tuple[int, int]] = {}
    for summary in summaries:
        if summary.state in OPEN_STATES:
            groups, items = counts.get(summary.part_id, (0, 0))
            waiting = summary.counts.get("pending", 0) + summary.counts.get("reconfirm", 0)
            counts[summary.part_id] = (groups + 1, items + waiting)
    return counts


def _ranked(conn: sqlite3.Connection, where: str, args: Sequence[object]) -> list[Ranked]:
    sql = _STATES_SQL.format(where=where, needs_person=", ".join("?" for _ in _NEEDS_PERSON))
    return [(int(row["position"]), _summary(row)) for row in conn.execute(sql, (*args, *_NEEDS_PERSON))]


def _select(ranked: Sequence[Ranked], part_id: str | None, statuses: Sequence[str] | None,
            stable: bool = False) -> list[GroupSummary]:
    """``ResultsDB.queue``'s filter and order over computed summaries. ``stable``: order by
    part, then largest group first, whatever the review state, so that deciding a group
    does not move it (the page's j/k walk this order)."""
    wanted = set(statuses) if statuses is not None else None
    chosen = [
        item for item in ranked
        if (part_id is None or item[1].part_id == part_id)
        and (wanted is None or item[1].status in wanted or item[1].counts.get("reconfirm") or item[1].counts.get("decided"))
    ]
    if stable:
        chosen.sort(key=lambda item: (item[0], -item[1].count, item[1].group_id))
    else:
        chosen.sort(key=lambda item: (item[0], STATE_RANK.get(item[1].state, 5), -item[1].count, item[1].group_id))
    return [summary for _, summary in chosen]


def queue_summaries(conn: sqlite3.Connection, part_id: str | None = None,
                    statuses: Sequence[str] | None = None, stable: bool = False) -> list[GroupSummary]:
    """``ResultsDB.queue(part_id, statuses)``, in the same order (or the stable one), from
    one aggregate query."""
    where, args = ("WHERE a.part_id = ?", (part_id,)) if part_id is not None else ("", ())
    return _select(_ranked(conn, where, args), part_id, statuses, stable)


# A checksum of everything but the decisions that the queue depends on: when it changes (a
# grading run rewrote answers, groups or part definitions) the cache is rebuilt; when only
# new decision rows appeared, just the groups they touch are recomputed.
_SIGNATURE_SQL = (
    "SELECT (SELECT count(*) FROM answers),"
    " (SELECT count(*) || ':' || total(group_id) || ':' || total(score) || ':' || total(length(status) * rowid)"
    " FROM checks),"
    " (SELECT count(*) || ':' || total(group_id * length(status)) || ':' || total(length(label)) FROM groups),"
    " (SELECT group_concat(part_id || '=' || definition_sha256 || '@' || position, ',') FROM parts),"
    " (SELECT group_concat(key || '=' || length(value), ',') FROM meta)"
)
_TOUCHED_SQL = """
SELECT DISTINCT a.group_id FROM decisions d
JOIN answer_view a ON a.part_id = d.part_id AND a.answer_sha256 = d.answer_sha256
WHERE d.decision_id > ? AND d.student_key IS NULL
UNION
SELECT DISTINCT a.group_id FROM decisions d
JOIN answer_view a ON a.student_key = d.student_key AND a.part_id = d.part_id
WHERE d.decision_id > ? AND d.student_key IS NOT NULL
"""


class QueueCache:
    """The queue of one results database, kept between requests by the review server.

    Every read first checks (two cheap queries) whether the database changed: a new
    grading run rebuilds everything; new decisions (from this server, another review
    session or a CSV import) recompute only the groups they touch. So a decision costs
    the next page a few milliseconds, not a scan of the class.
    """

    def __init__(self) -> None:
        self._signature: tuple[object, ...] | None = None
        self._mark = -1  # the largest decision id seen
        self._ranked: dict[int, Ranked] = {}
        self._selected: dict[tuple[str | None, tuple[str, ...] | None, bool], list[GroupSummary]] = {}
        self._counts: dict[tuple[str, ...], dict[str, tuple[int, int]]] = {}

    def summaries(self, conn: sqlite3.Connection, part_id: str | None = None,
                  statuses: Sequence[str] | None = None, stable: bool = False, refresh: bool = True) -> list[GroupSummary]:
        """The queue (see ``queue_summaries``). ``refresh=False``: the caller has just called
        ``refresh`` on this connection (one check per page, not one per call)."""
        if refresh:
            self.refresh(conn)
        key = (part_id, tuple(statuses) if statuses is not None else None, stable)
        if key not in self._selected:
            self._selected[key] = _select(list(self._ranked.values()), part_id, statuses, stable)
        return self._selected[key]

    def refresh(self, conn: sqlite3.Connection) -> None:
        """Bring the cache up to date with the database (two cheap queries when nothing changed)."""
        conn.execute("BEGIN")  # one read snapshot for the checks and the recomputation
        try:
            self._refresh_in(conn)
        finally:
            conn.execute("COMMIT")

    def _refresh_in(self, conn: sqlite3.Connection) -> None:
        signature = tuple(conn.execute(_SIGNATURE_SQL).fetchone())
        mark = int(conn.execute("SELECT coalesce(max(decision_id), 0) FROM decisions").fetchone()[0])
        if signature != self._signature:
            self._ranked = {item[1].group_id: item for item in _ranked(conn, "", ())}
        elif mark != self._mark:
            touched = [int(row[0]) for row in conn.execute(_TOUCHED_SQL, (self._mark, self._mark)) if row[0] is not None]
            for start in range(0, len(touched), 500):
                chunk = touched[start : start + 500]
                where = f"WHERE a.group_id IN ({', '.join('?' for _ in chunk)})"
                self._ranked.update({item[1].group_id: item for item in _ranked(conn, where, chunk)})
        else:
            return
        self._signature, self._mark = signature, mark
        self._selected.clear()
        self._counts.clear()

    def open_counts(self, conn: sqlite3.Connection, statuses: Sequence[str],
                    refresh: bool = True) -> dict[str, tuple[int, int]]:
        """Per part: (groups, answers) waiting for a person (pending, re-confirm, mixed) among
        the groups whose status is in ``statuses``."""
        if refresh:
            self.refresh(conn)
        key = tuple(statuses)
        if key not in self._counts:
            self._counts[key] = open_counts(self.summaries(conn, None, statuses, stable=True, refresh=False))
        return self._counts[key]
