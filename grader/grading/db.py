"""The results database of an output folder: ``OUT/grades.sqlite`` (the pipeline's "record" stage).

One SQLite file (stdlib ``sqlite3``, WAL journal, ``synchronous=FULL``) holds what grading
found and what people decided; gradebook.csv, feedback/*.json|md and summary.json are
rendered from it (``grader.output``), and the review page and the CSV import write only
decisions into it. Schema, version and migrations: ``docs/results-db.md``.

Grading side (the pipeline)::

    db = ResultsDB.open(out_dir)                 # creates / migrates the schema
    db.begin_run(rubric, rubric_sha, key)        # rubric, parts and their definition hashes
    db.record([StudentRecord(...), ...])         # one transaction per call (a chunk)
    db.finish_run(keep=stems, merges=..., problems=...)  # drop vanished students, rebuild groups
    db.students(only=None) / db.graded(only=None)  # effective results: verdicts + decisions
    db.reviews()                                 # (student_key, part_id) -> (state, decision)

Review side (API kept stable for the review page; every method is one short transaction,
so two sessions on the same OUT never lose each other's decisions)::

    db.parts() -> list[PartInfo]                           # rubric order, with guidance etc.
    db.queue(part_id=None, statuses=QUEUE_STATUSES) -> list[GroupSummary]
        # groups with counts and a review state; statuses=None lists every group
    db.group(group_id) -> GroupDetail                      # raw answers, read-as, verdict,
        # feedback, evidence, members with sources and their current decision, history
    db.decide(target, fraction, comment, who) -> int       # target: group id, or
        # (student_key, part_id); fraction of the part's points in [0, 1]; returns action id
    db.undo(target, who) -> int | None                     # undoes the target's latest action
    db.history(target) -> list[DecisionRow]
    db.decide_many([(target, fraction, comment), ...], who)  # all or nothing (CSV import)

After decisions, re-render the folder with ``grader.output.render.render_outputs(out_dir,
feedback_for=None | keys)`` (gradebook.csv, summary.json, and the feedback files whose
content changed; a group's keys are ``[m.student_key for m in db.group(g).members]``).
Member and group states: "auto" (automatic verdict final), "pending", "decided",
"reconfirm", and for a group also "mixed" (members decided differently).
A ``target`` may also be ``Answers(part_id, shas)`` (answer texts by sha256).

``student_key`` is the student's unique output file stem (``feedback/<student_key>.json``).

Decisions are append-only rows (``decisions`` table): a group decision writes one row per
distinct answer text of the group (it then applies to every student who wrote that text,
now and after a regrade); a student decision writes one row for that student and part. An
undo is a new row that cancels an earlier one (the decision before it applies again). A
decision applies while the answer text (its sha256) and the part's definition hash (rubric
part, defaults and key entry) are those it was made on; otherwise the answer is back in the
queue as "reconfirm", with the old decision shown. The wall clock is used only for the
``decided_at`` column, never for a score.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.check.verdict import NEEDS_PERSON, Status, Verdict
from grader.errors import GraderError
from grader.grading.score import ANSWER_DISPLAY_CHARS
from grader.results import Graded, PartResult, Review, Student, SubmissionResult

__all__ = [
    "DB_NAME",
    "SCHEMA_VERSION",
    "QUEUE_STATUSES",
    "ResultsDB",
    "ResultsDBError",
    "StudentRecord",
    "PartInfo",
    "GroupSummary",
    "GroupDetail",
    "GroupMember",
    "DecisionRow",
    "Target",
    "Answers",
    "Merge",
    "answer_sha",
    "definition_sha",
    "open_db",
]

DB_NAME = "grades.sqlite"
SCHEMA_VERSION = 1
# What the review queue lists by default (MISSING, CORRECT, WRONG, PARTIAL on request).
QUEUE_STATUSES: tuple[str, ...] = ("manual", "invalid", "undecided", "timeout", "error")
BUSY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Answers:
    """A decision target by content: these answer texts (sha256) of a part (CSV import)."""

    part_id: str
    shas: tuple[str, ...]


Target = int | tuple[str, str] | Answers  # a group id, (student_key, part_id), or Answers
Merge = tuple[str, Sequence[Sequence[str]], str]  # (part id, sets of answer shas proven equivalent, how)


class ResultsDBError(GraderError):
    """The results database cannot be used (newer schema, not a results database, bad target)."""


def answer_sha(text: str | None) -> str:
    """sha256 of an answer's normalized text ('' for no answer)."""
    return hashlib.sha256((text or "").encode("utf-8")).hexdigest() if text is not None else ""


def _short_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def definition_sha(rubric: Any, part: Any, key_part: Any | None) -> str:
    """sha256 of everything that decides how a part is graded: the part itself, the rubric's
    defaults, and its answer-key entry. A decision is re-applied only while this is unchanged."""
    data = {
        "part": part.model_dump(mode="json"),
        "defaults": rubric.defaults.model_dump(mode="json"),
        "key": key_part.to_json() if key_part is not None else None,
    }
    return hashlib.sha256(_canonical(data).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- schema

_SCHEMA_V1 = """
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE parts (
    part_id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    kind TEXT NOT NULL,
    points REAL NOT NULL,
    prompt TEXT NOT NULL,
    definition_sha256 TEXT NOT NULL,
    info_json TEXT NOT NULL
);
CREATE TABLE students (
    student_key TEXT PRIMARY KEY,
    sid TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    folder TEXT NOT NULL,
    position INTEGER NOT NULL,
    submission_sha256 TEXT NOT NULL,
    rubric_sha256 TEXT NOT NULL,
    assignment TEXT NOT NULL,
    problems_json TEXT NOT NULL,
    notes_json TEXT NOT NULL
);
CREATE TABLE checks (
    part_id TEXT NOT NULL,
    check_key TEXT NOT NULL,
    answer TEXT,
    answer_sha256 TEXT NOT NULL,
    shown TEXT NOT NULL,
    status TEXT NOT NULL,
    score REAL NOT NULL,
    feedback TEXT NOT NULL,
    rule TEXT,
    note TEXT,
    evidence_json TEXT NOT NULL,
    group_id INTEGER,
    PRIMARY KEY (part_id, check_key)
);
CREATE INDEX checks_by_group ON checks (group_id);
CREATE TABLE answers (
    student_key TEXT NOT NULL REFERENCES students(student_key) ON DELETE CASCADE,
    part_id TEXT NOT NULL,
    position INTEGER NOT NULL,
    answer_sha256 TEXT NOT NULL,
    check_key TEXT NOT NULL,
    source TEXT,
    max_points REAL NOT NULL,
    PRIMARY KEY (student_key, part_id)
);
CREATE INDEX answers_by_check ON answers (part_id, check_key);
CREATE VIEW answer_view AS
SELECT a.student_key, a.part_id, a.position, c.answer, a.answer_sha256, a.check_key, a.source, c.shown, c.status,
       c.score, a.max_points, c.feedback, c.rule, c.note, c.evidence_json, c.group_id
FROM answers a JOIN checks c ON c.part_id = a.part_id AND c.check_key = a.check_key;
CREATE TABLE groups (
    group_id INTEGER PRIMARY KEY,
    part_id TEXT NOT NULL,
    label TEXT NOT NULL,
    representative TEXT,
    status TEXT NOT NULL,
    merged_by TEXT NOT NULL
);
CREATE INDEX groups_by_part ON groups (part_id);
CREATE TABLE decisions (
    decision_id INTEGER PRIMARY KEY AUTOINCREMENT,
    action_id INTEGER NOT NULL,
    part_id TEXT NOT NULL,
    student_key TEXT,
    answer_sha256 TEXT NOT NULL,
    definition_sha256 TEXT NOT NULL,
    fraction REAL CHECK (fraction IS NULL OR (fraction >= 0 AND fraction <= 1)),
    comment TEXT NOT NULL DEFAULT '',
    who TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    undoes INTEGER REFERENCES decisions(decision_id),
    source TEXT NOT NULL DEFAULT ''
);
CREATE INDEX decisions_by_answer ON decisions (part_id, answer_sha256);
CREATE INDEX decisions_by_student ON decisions (student_key, part_id);
CREATE TRIGGER decisions_append_only_update BEFORE UPDATE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
CREATE TRIGGER decisions_append_only_delete BEFORE DELETE ON decisions
BEGIN SELECT RAISE(ABORT, 'decisions are append-only'); END;
"""

# version -> SQL taking the database from version-1 to version. Add new versions here.
MIGRATIONS: dict[int, str] = {1: _SCHEMA_V1}


def _migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise ResultsDBError(
            f"this results database has schema version {version}; this grader knows up to {SCHEMA_VERSION} (upgrade grader)"
        )
    if version == SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]  # another process may have migrated
        for target in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS[target].split(";\n"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {target}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


# --------------------------------------------------------------------------- records


@dataclass(frozen=True)
class StudentRecord:
    """One graded student as the pipeline hands it to ``ResultsDB.record``.

    ``answers``: part id -> the full normalized answer text (``PartResult.answer`` is
    shortened for display); parts without an entry use ``PartResult.answer``."""

    student_key: str
    result: SubmissionResult
    submission_sha256: str = ""
    sources: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    answers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PartInfo:
    """A rubric part as the review page shows it."""

    part_id: str
    position: int
    kind: str
    points: float
    prompt: str
    definition_sha256: str
    guidance: str | None
    mistakes: list[dict[str, Any]]
    suggested: list[float]  # suggested fractions (0, 1, the mistake rules' scores)
    expected: Any


@dataclass(frozen=True)
class DecisionRow:
    decision_id: int
    action_id: int
    part_id: str
    student_key: str | None
    answer_sha256: str
    definition_sha256: str
    fraction: float | None  # None on an undo row
    comment: str
    who: str
    decided_at: str
    undoes: int | None
    source: str


@dataclass(frozen=True)
class GroupMember:
    student_key: str
    sid: str
    name: str
    source: str | None
    answer: str | None
    state: str  # "auto" | "pending" | "decided" | "reconfirm"
    decision: DecisionRow | None  # the decision that applies (decided) or the stale one (reconfirm)


@dataclass(frozen=True)
class GroupSummary:
    group_id: int
    part_id: str
    label: str  # the representative answer, or a description of the merged set
    status: str  # the automatic verdict's status
    merged_by: str  # "text" | "key" (correct: equivalent to the key) | "rule:<id>" | "checker"
    count: int
    state: str  # "reconfirm" | "pending" (any member) | "decided" (all, one score) | "mixed" | "auto"
    fraction: float | None  # the decided fraction when every member has the same one
    counts: dict[str, int]  # members by state


@dataclass(frozen=True)
class GroupDetail:
    summary: GroupSummary
    part: PartInfo
    answers: list[str]  # distinct raw answers (normalized text) in the group
    shown: str  # how the representative was read
    feedback: str
    rule: str | None
    score: float  # automatic score (fraction)
    evidence: dict[str, Any]
    members: list[GroupMember]
    history: list[DecisionRow]


# --------------------------------------------------------------------------- the database


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _row_decision(row: sqlite3.Row) -> DecisionRow:
    return DecisionRow(
        decision_id=row["decision_id"], action_id=row["action_id"], part_id=row["part_id"],
        student_key=row["student_key"], answer_sha256=row["answer_sha256"],
        definition_sha256=row["definition_sha256"], fraction=row["fraction"], comment=row["comment"],
        who=row["who"], decided_at=row["decided_at"], undoes=row["undoes"], source=row["source"],
    )


@dataclass
class _Live:
    """Live (not undone) decisions, latest per target."""

    by_student: dict[tuple[str, str], DecisionRow]
    by_answer: dict[tuple[str, str], DecisionRow]


def _live(rows: Iterable[DecisionRow]) -> _Live:
    rows = list(rows)
    undone = {row.undoes for row in rows if row.undoes is not None}
    live = _Live({}, {})
    for row in rows:  # ordered by decision_id: later rows win
        if row.fraction is None or row.decision_id in undone:
            continue
        if row.student_key is not None:
            live.by_student[(row.student_key, row.part_id)] = row
        else:
            live.by_answer[(row.part_id, row.answer_sha256)] = row
    return live


_NEEDS_PERSON = frozenset(status.value for status in NEEDS_PERSON)


def resolve(live: _Live, student_key: str, part_id: str, sha: str, definition: str, status: str) -> tuple[str, DecisionRow | None]:
    """Review state of one answer and the decision behind it.

    A student decision beats a group (answer) decision; an applicable one beats a stale one."""
    mine = live.by_student.get((student_key, part_id))
    group = live.by_answer.get((part_id, sha))
    for candidate in (mine, group):
        if candidate is not None and candidate.answer_sha256 == sha and candidate.definition_sha256 == definition:
            return "decided", candidate
    stale = mine if mine is not None else group
    if stale is not None:
        return "reconfirm", stale
    if status in _NEEDS_PERSON:
        return "pending", None
    return "auto", None


class ResultsDB:
    """``OUT/grades.sqlite``. One connection per object; use one object per thread/process."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn

    # ------------------------------------------------------------------ opening

    @classmethod
    def open(cls, out_dir: str | Path, *, create: bool = True) -> ResultsDB:
        """Open (and create or migrate) ``out_dir/grades.sqlite``."""
        out = Path(out_dir)
        path = out / DB_NAME
        if not path.is_file():
            if not create:
                inside = sorted(found.parent.name for found in out.glob(f"*/{DB_NAME}")) if out.is_dir() else []
                hint = f"; the assignment folders {', '.join(inside)} have one" if inside else " (run `grader grade` first)"
                raise ResultsDBError(f"{path}: no results database{hint}")
            out.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            # a class's chunk touches pages all over the answers index: a page cache that holds
            # them (64 MB at most, only as used) reads and writes each page once per chunk
            conn.execute("PRAGMA cache_size=-65536")
            _migrate(conn)
        except sqlite3.DatabaseError as exc:
            raise ResultsDBError(f"{path}: not a usable results database ({exc})") from exc
        return cls(path, conn)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> ResultsDB:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE: writers queue instead of failing)."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    def meta(self, key: str, default: str = "") -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return str(row[0]) if row else default

    def rubric(self) -> Any:
        """The rubric of the last run (as validated), or None before any run."""
        from grader.rubric.models import Rubric

        text = self.meta("rubric_json")
        return Rubric.model_validate(json.loads(text)) if text else None

    def batch_problems(self) -> list[str]:
        return [str(p) for p in json.loads(self.meta("batch_problems", "[]"))]

    def integrity_check(self) -> str:
        return str(self.conn.execute("PRAGMA integrity_check").fetchone()[0])

    # ------------------------------------------------------------------ grading side

    def begin_run(self, rubric: Any, rubric_sha: str, key: Any) -> None:
        """Record the rubric and its parts (with definition hashes) for a grading run."""
        rows = []
        for position, part in enumerate(rubric.parts()):
            key_part = key.parts.get(part.id) if key is not None else None
            info = {
                "guidance": getattr(part.answer, "guidance", None),
                "mistakes": [m.model_dump(mode="json") for m in part.mistakes],
                "expected": key_part.expected if key_part is not None else None,
            }
            rows.append((part.id, position, part.answer.kind, float(part.points), part.prompt,
                         definition_sha(rubric, part, key_part), _canonical(info)))
        with self.transaction() as conn:
            conn.execute("DELETE FROM parts")
            conn.executemany("INSERT INTO parts VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            for name, value in (
                ("assignment", rubric.assignment.id),
                ("rubric_sha256", rubric_sha),
                ("rubric_json", _canonical(rubric.model_dump(mode="json", by_alias=True))),
                ("run_state", "grading"),
            ):
                conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (name, value))

    def record(self, records: Sequence[StudentRecord]) -> None:
        """Store graded students (replacing their previous answers) in one transaction.

        A part's automatic verdict is stored once per distinct answer (``checks``): the
        pipeline checks each distinct (part, normalized answer) once."""
        student_rows = []
        answer_rows = []
        checks: dict[tuple[str, str], tuple[Any, ...]] = {}
        memo: dict[int, tuple[Any, ...]] = {}  # id(verdict) -> its columns (verdicts are shared)
        for record in records:
            result = record.result
            student = result.student
            student_rows.append((
                record.student_key, student.id, student.name, student.email, student.folder, 0,
                record.submission_sha256, result.rubric_sha256, result.assignment,
                _canonical(list(result.problems)), _canonical(list(record.notes)),
            ))
            for position, part in enumerate(result.parts):
                text = record.answers.get(part.part_id, part.answer)
                verdict = part.verdict
                columns = memo.get(id(verdict))
                if columns is None:
                    columns = (verdict.shown, verdict.status.value, verdict.score, verdict.feedback, verdict.rule,
                               verdict.note, _canonical(verdict.evidence))
                    memo[id(verdict)] = columns
                sha = answer_sha(text)
                key = sha if text is not None else f"none:{verdict.status.value}:{_short_sha(verdict.feedback)}"
                if (part.part_id, key) not in checks:
                    checks[(part.part_id, key)] = (part.part_id, key, text, sha, *columns)
                answer_rows.append((record.student_key, part.part_id, position, sha, key,
                                    record.sources.get(part.part_id), part.max_points))
        with self.transaction() as conn:
            conn.executemany("DELETE FROM answers WHERE student_key = ?", [(row[0],) for row in student_rows])
            conn.executemany("INSERT OR REPLACE INTO students VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", student_rows)
            conn.executemany(
                "INSERT INTO checks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (part_id, check_key) DO UPDATE SET "
                "answer = excluded.answer, shown = excluded.shown, status = excluded.status, score = excluded.score, "
                "feedback = excluded.feedback, rule = excluded.rule, note = excluded.note, evidence_json = excluded.evidence_json",
                list(checks.values()),
            )
            conn.executemany("INSERT INTO answers VALUES (?, ?, ?, ?, ?, ?, ?)", answer_rows)

    def recorded(self, student_key: str) -> tuple[str, str, Student] | None:
        """(rubric sha, submission sha, identity) a student was last recorded with, or None."""
        row = self.conn.execute("SELECT * FROM students WHERE student_key = ?", (student_key,)).fetchone()
        if row is None:
            return None
        student = Student(id=row["sid"], name=row["name"], email=row["email"], folder=row["folder"])
        return row["rubric_sha256"], row["submission_sha256"], student

    def students_with_decisions(self) -> set[str]:
        """Keys of the students whose results a live decision concerns (applied or stale)."""
        live = self._live()
        keys = {student for student, _ in live.by_student}
        wanted = set(live.by_answer)
        if wanted:
            for row in self.conn.execute("SELECT student_key, part_id, answer_sha256 FROM answers"):
                if (row[1], row[2]) in wanted:
                    keys.add(row[0])
        return keys

    def finish_run(self, keep: Sequence[str], merges: Sequence[Merge] = (), problems: Sequence[str] = ()) -> None:
        """End a grading run: students not in ``keep`` (in that order) are removed, and the
        answer groups are rebuilt (``merges``: see ``_rebuild_groups``); ``problems`` are the
        batch's problems (for summary.json)."""
        with self.transaction() as conn:
            conn.execute("CREATE TEMP TABLE IF NOT EXISTS keep_students (student_key TEXT PRIMARY KEY, position INTEGER)")
            conn.execute("DELETE FROM keep_students")
            conn.executemany("INSERT INTO keep_students VALUES (?, ?)", [(k, i) for i, k in enumerate(keep)])
            conn.execute("DELETE FROM students WHERE student_key NOT IN (SELECT student_key FROM keep_students)")
            conn.execute(
                "UPDATE students SET position = (SELECT position FROM keep_students k WHERE k.student_key = students.student_key)"
            )
            conn.execute(
                "DELETE FROM checks WHERE NOT EXISTS "
                "(SELECT 1 FROM answers a WHERE a.part_id = checks.part_id AND a.check_key = checks.check_key)"
            )
            self._rebuild_groups(conn, merges)
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('run_state', 'complete')")
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('batch_problems', ?)", (_canonical(list(problems)),))

    def rebuild_groups(self, merges: Sequence[Merge] = ()) -> None:
        with self.transaction() as conn:
            self._rebuild_groups(conn, merges)

    def _rebuild_groups(self, conn: sqlite3.Connection, merges: Sequence[Merge]) -> None:
        """Answer groups per part: answers with the same normalized text form a group; groups
        are merged when they are proven equivalent: correct answers (equivalent to the key),
        answers that fired the same mistake rule, and ``merges`` from the checker
        (``Merge``: part id, sets of answer shas proven equivalent, how)."""
        conn.execute("DELETE FROM groups")
        rows = conn.execute(
            "SELECT c.part_id, c.check_key, c.answer_sha256, c.answer, c.status, c.rule, c.score, p.position, "
            "(SELECT count(*) FROM answers a WHERE a.part_id = c.part_id AND a.check_key = c.check_key) AS n "
            "FROM checks c JOIN parts p ON p.part_id = c.part_id ORDER BY p.position, c.part_id, c.answer, c.check_key"
        ).fetchall()
        extra: dict[tuple[str, str], str] = {}  # (part, sha) -> merge label
        for part_id, sets, how in merges:
            for index, shas in enumerate(sets):
                for sha in shas:
                    extra[(part_id, sha)] = f"{how}:{index}"
        buckets: dict[tuple[str, str], list[sqlite3.Row]] = {}
        order: list[tuple[str, str]] = []
        for row in rows:
            part_id, sha, status, rule = row["part_id"], row["answer_sha256"], row["status"], row["rule"]
            if status == Status.CORRECT.value and row["score"] >= 1.0:
                bucket = "key"
            elif rule and status in (Status.PARTIAL.value, Status.WRONG.value):
                bucket = f"rule:{rule}"
            elif (part_id, sha) in extra:
                bucket = extra[(part_id, sha)]
            elif status == Status.MISSING.value:
                bucket = "missing"
            else:
                bucket = f"text:{sha}"
            if (part_id, bucket) not in buckets:
                buckets[(part_id, bucket)] = []
                order.append((part_id, bucket))
            buckets[(part_id, bucket)].append(row)
        updates: list[tuple[int, str, str]] = []
        for group_id, (part_id, bucket) in enumerate(order, start=1):
            members = sorted(buckets[(part_id, bucket)], key=lambda r: (-r["n"], r["answer"] or ""))
            first = members[0]
            merged_by = bucket.split(":", 1)[0] if ":" in bucket else bucket
            if bucket == "key":
                label = "equivalent to the key" + ("" if len(members) == 1 else f" ({len(members)} forms)")
            elif bucket.startswith("rule:"):
                label = f"mistake rule {bucket[5:]}" + ("" if len(members) == 1 else f" ({len(members)} forms)")
            elif bucket == "missing":
                label = "no answer"
            else:
                label = first["answer"] or ""
            conn.execute(
                "INSERT INTO groups VALUES (?, ?, ?, ?, ?, ?)",
                (group_id, part_id, label[:500], first["answer"], first["status"], merged_by),
            )
            updates.extend((group_id, part_id, member["check_key"]) for member in members)
        conn.executemany("UPDATE checks SET group_id = ? WHERE part_id = ? AND check_key = ?", updates)

    # ------------------------------------------------------------------ reading

    def parts(self) -> list[PartInfo]:
        out = []
        for row in self.conn.execute("SELECT * FROM parts ORDER BY position"):
            info = json.loads(row["info_json"])
            suggested = {0.0, 1.0} | {float(m["score"]) for m in info.get("mistakes", [])}
            out.append(PartInfo(
                part_id=row["part_id"], position=row["position"], kind=row["kind"], points=row["points"],
                prompt=row["prompt"], definition_sha256=row["definition_sha256"], guidance=info.get("guidance"),
                mistakes=info.get("mistakes", []), suggested=sorted(suggested), expected=info.get("expected"),
            ))
        return out

    def part(self, part_id: str) -> PartInfo:
        for info in self.parts():
            if info.part_id == part_id:
                return info
        raise ResultsDBError(f"unknown part '{part_id}'")

    def decision_rows(self) -> list[DecisionRow]:
        return [_row_decision(r) for r in self.conn.execute("SELECT * FROM decisions ORDER BY decision_id")]

    def _live(self) -> _Live:
        return _live(self.decision_rows())

    def _definitions(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self.conn.execute("SELECT part_id, definition_sha256 FROM parts")}

    def _member_states(self, where: str, args: Sequence[Any]) -> list[tuple[sqlite3.Row, str, DecisionRow | None]]:
        live = self._live()
        definitions = self._definitions()
        rows = self.conn.execute(
            "SELECT a.*, s.sid, s.name FROM answer_view a JOIN students s ON s.student_key = a.student_key "
            f"WHERE {where} ORDER BY s.position, a.student_key",
            tuple(args),
        ).fetchall()
        return [
            (row, *resolve(live, row["student_key"], row["part_id"], row["answer_sha256"],
                           definitions.get(row["part_id"], ""), row["status"]))
            for row in rows
        ]

    def queue(self, part_id: str | None = None, statuses: Sequence[str] | None = QUEUE_STATUSES) -> list[GroupSummary]:
        """Answer groups (of one part, or all) whose automatic status is in ``statuses``
        (None: every group), plus every group with an answer to re-confirm. Ordered by
        rubric part, then pending first, then largest first."""
        live = self._live()
        definitions = self._definitions()
        query = (
            "SELECT a.group_id, a.student_key, a.part_id, a.answer_sha256, a.status FROM answer_view a "
            "JOIN parts p ON p.part_id = a.part_id"
        )
        args: tuple[Any, ...] = ()
        if part_id is not None:
            query += " WHERE a.part_id = ?"
            args = (part_id,)
        per_group: dict[int, list[tuple[str, DecisionRow | None]]] = {}
        for row in self.conn.execute(query, args):
            state = resolve(live, row[1], row[2], row[3], definitions.get(row[2], ""), row[4])
            per_group.setdefault(row[0], []).append(state)
        groups = {r["group_id"]: r for r in self.conn.execute("SELECT * FROM groups")}
        positions = {r[0]: r[1] for r in self.conn.execute("SELECT part_id, position FROM parts")}
        wanted = set(statuses) if statuses is not None else None
        out = []
        for group_id, states in per_group.items():
            group = groups.get(group_id)
            if group is None:
                continue
            summary = _summarize(group, states)
            if wanted is None or group["status"] in wanted or summary.counts.get("reconfirm") or summary.counts.get("decided"):
                out.append(summary)
        rank = {"reconfirm": 0, "pending": 1, "mixed": 2, "decided": 3, "auto": 4}
        out.sort(key=lambda g: (positions.get(g.part_id, 0), rank.get(g.state, 5), -g.count, g.group_id))
        return out

    def group(self, group_id: int) -> GroupDetail:
        group = self.conn.execute("SELECT * FROM groups WHERE group_id = ?", (group_id,)).fetchone()
        if group is None:
            raise ResultsDBError(f"unknown answer group {group_id}")
        members = self._member_states("a.group_id = ?", (group_id,))
        first = next((row for row, _, _ in members if row["answer"] == group["representative"]), members[0][0] if members else None)
        answers = sorted({row["answer"] for row, _, _ in members if row["answer"] is not None})
        shas = sorted({row["answer_sha256"] for row, _, _ in members})
        history = [
            d for d in self.decision_rows()
            if d.part_id == group["part_id"] and d.answer_sha256 in shas
        ]
        return GroupDetail(
            summary=_summarize(group, [(state, decision) for _, state, decision in members]),
            part=self.part(group["part_id"]),
            answers=answers,
            shown=first["shown"] if first is not None else "",
            feedback=first["feedback"] if first is not None else "",
            rule=first["rule"] if first is not None else None,
            score=first["score"] if first is not None else 0.0,
            evidence=json.loads(first["evidence_json"]) if first is not None else {},
            members=[
                GroupMember(row["student_key"], row["sid"], row["name"], row["source"], row["answer"], state, decision)
                for row, state, decision in members
            ],
            history=history,
        )

    def history(self, target: Target) -> list[DecisionRow]:
        if isinstance(target, int):
            return self.group(target).history
        if isinstance(target, Answers):
            return [d for d in self.decision_rows() if d.part_id == target.part_id and d.answer_sha256 in target.shas]
        student_key, part_id = target
        row = self._answer_row(student_key, part_id)
        return [
            d for d in self.decision_rows()
            if d.part_id == part_id and (d.student_key == student_key or (d.student_key is None and d.answer_sha256 == row["answer_sha256"]))
        ]

    def _answer_row(self, student_key: str, part_id: str) -> sqlite3.Row:
        row = self.conn.execute(
            "SELECT * FROM answer_view WHERE student_key = ? AND part_id = ?", (student_key, part_id)
        ).fetchone()
        if row is None:
            known = self.conn.execute("SELECT 1 FROM students WHERE student_key = ?", (student_key,)).fetchone()
            raise ResultsDBError(f"unknown part '{part_id}'" if known else f"unknown student '{student_key}'")
        return row

    # ------------------------------------------------------------------ deciding

    def decide(self, target: Target, fraction: float, comment: str = "", who: str = "", *, source: str = "") -> int:
        """Record a person's score (a fraction of the part's points) for a group or one
        student's part; committed before returning. Returns the action id."""
        return self.decide_many([(target, fraction, comment)], who, source=source)

    def decide_many(self, items: Sequence[tuple[Target, float, str]], who: str, *, source: str = "",
                    expect: Sequence[str | None] | None = None, lines: Sequence[int] | None = None) -> int:
        """Several decisions in ONE transaction (all or nothing); one action id each, the
        last returned. ``expect``: per item, the answer sha the caller saw (a stale item
        raises ResultsDBError and nothing is written); ``lines``: per item, the line named
        in an error."""
        last = 0
        with self.transaction() as conn:
            definitions = self._definitions()
            for index, (target, fraction, comment) in enumerate(items):
                where = f"line {lines[index]}: " if lines is not None else ""
                if not (0.0 <= float(fraction) <= 1.0):
                    raise ResultsDBError(f"{where}score fraction {fraction} outside [0, 1]")
                try:
                    rows = self._target_rows(conn, target)
                except ResultsDBError as exc:
                    raise ResultsDBError(f"{where}{exc}") from exc
                if expect is not None and expect[index] is not None:
                    seen = {row[1] for row in rows}
                    if seen != {expect[index]}:
                        raise ResultsDBError(f"{where}stale row: the answer changed since the export")
                last = self._next_action(conn)
                now = _now()
                inserts = [
                    (last, part_id, student_key, sha, definitions.get(part_id, ""), float(fraction), comment, who or "unknown", now, None, source)
                    for part_id, sha, student_key in rows
                ]
                conn.executemany(
                    "INSERT INTO decisions (action_id, part_id, student_key, answer_sha256, definition_sha256, fraction,"
                    " comment, who, decided_at, undoes, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    inserts,
                )
        return last

    def undo(self, target: Target, who: str = "", *, source: str = "") -> int | None:
        """Cancel the target's latest live decision (for a group: its latest action). The
        decision before it, if any, applies again. Returns the undo's action id, or None
        when there was nothing to undo."""
        with self.transaction() as conn:
            rows = self._target_rows(conn, target)
            live_rows = self._live_for(conn, rows)
            if not live_rows:
                return None
            latest = max(row.action_id for row in live_rows)
            action = self._next_action(conn)
            now = _now()
            conn.executemany(
                "INSERT INTO decisions (action_id, part_id, student_key, answer_sha256, definition_sha256, fraction,"
                " comment, who, decided_at, undoes, source) VALUES (?, ?, ?, ?, ?, NULL, '', ?, ?, ?, ?)",
                [
                    (action, row.part_id, row.student_key, row.answer_sha256, row.definition_sha256, who or "unknown", now, row.decision_id, source)
                    for row in live_rows if row.action_id == latest
                ],
            )
        return action

    @staticmethod
    def _next_action(conn: sqlite3.Connection) -> int:
        return int(conn.execute("SELECT coalesce(max(action_id), 0) + 1 FROM decisions").fetchone()[0])

    def _target_rows(self, conn: sqlite3.Connection, target: Target) -> list[tuple[str, str, str | None]]:
        """(part id, answer sha, student key or None) rows a decision on ``target`` writes."""
        if isinstance(target, Answers):
            present = {
                row[0] for row in conn.execute(
                    "SELECT DISTINCT answer_sha256 FROM answers WHERE part_id = ?", (target.part_id,)
                )
            }
            gone = [sha for sha in target.shas if sha not in present]
            if gone or not target.shas:
                raise ResultsDBError(f"stale row: {len(gone)} of these answers of {target.part_id} are no longer in the class")
            return [(target.part_id, sha, None) for sha in sorted(set(target.shas))]
        if isinstance(target, tuple):
            student_key, part_id = target
            row = self._answer_row(student_key, part_id)
            return [(part_id, row["answer_sha256"], student_key)]
        found = conn.execute(
            "SELECT DISTINCT part_id, answer_sha256 FROM answer_view WHERE group_id = ? ORDER BY answer_sha256", (int(target),)
        ).fetchall()
        if not found:
            raise ResultsDBError(f"unknown answer group {target}")
        return [(row[0], row[1], None) for row in found]

    def _live_for(self, conn: sqlite3.Connection, rows: list[tuple[str, str, str | None]]) -> list[DecisionRow]:
        live = self._live()
        out = []
        for part_id, sha, student_key in rows:
            found = live.by_student.get((student_key, part_id)) if student_key is not None else live.by_answer.get((part_id, sha))
            if found is not None:
                out.append(found)
        return out

    # ------------------------------------------------------------------ effective results

    def reviews(self) -> dict[tuple[str, str], tuple[str, DecisionRow]]:
        """(student key, part id) -> (state, decision) for every answer a live decision
        concerns: "decided" (it applies) or "reconfirm" (it no longer does). Cheap when
        nothing was decided (the first grading run)."""
        live = self._live()
        if not live.by_student and not live.by_answer:
            return {}
        definitions = self._definitions()
        out: dict[tuple[str, str], tuple[str, DecisionRow]] = {}
        query = ("SELECT a.student_key, a.part_id, a.answer_sha256, c.status FROM answers a "
                 "JOIN checks c ON c.part_id = a.part_id AND c.check_key = a.check_key")
        for student_key, part_id, sha, status in self.conn.execute(query):
            if (student_key, part_id) not in live.by_student and (part_id, sha) not in live.by_answer:
                continue
            state, decision = resolve(live, student_key, part_id, sha, definitions.get(part_id, ""), status)
            if decision is not None:
                out[(student_key, part_id)] = (state, decision)
        return out

    def students(self, only: set[str] | None = None) -> list[tuple[str, SubmissionResult, dict[str, Any]]]:
        """Every student (or those in ``only``) in order with decisions applied: (student key, result, extras)
        where extras holds ``submission_sha256``, ``sources`` and ``notes``. A part's
        ``review`` is None while its automatic verdict stands (``PartResult.pending`` then
        says whether it waits for a person), else decided / reconfirm."""
        live = self._live()
        definitions = self._definitions()
        by_student: dict[str, list[PartResult]] = {}
        sources: dict[str, dict[str, str]] = {}
        verdicts: dict[tuple[str, str], Verdict] = {}  # one per distinct check
        query = (
            "SELECT a.student_key, a.part_id, a.answer_sha256, a.check_key, a.source, a.max_points, c.answer, c.shown, "
            "c.status, c.score, c.feedback, c.rule, c.note, c.evidence_json FROM answers a "
            "JOIN checks c ON c.part_id = a.part_id AND c.check_key = a.check_key ORDER BY a.student_key, a.position"
        )
        for row in self.conn.execute(query):
            student_key, part_id, sha, check_key, source = row[0], row[1], row[2], row[3], row[4]
            if only is not None and student_key not in only:
                continue
            verdict = verdicts.get((part_id, check_key))
            if verdict is None:
                verdict = Verdict(score=row[9], status=Status(row[8]), feedback=row[10], shown=row[7], rule=row[11],
                                  note=row[12], evidence=json.loads(row[13]))
                verdicts[(part_id, check_key)] = verdict
            if live.by_student or live.by_answer:
                state, decision = resolve(live, student_key, part_id, sha, definitions.get(part_id, ""), row[8])
            else:
                state, decision = "auto", None
            by_student.setdefault(student_key, []).append(_part_result(part_id, row[5], row[6], verdict, state, decision))
            if source:
                sources.setdefault(student_key, {})[part_id] = source
        out = []
        for row in self.conn.execute("SELECT * FROM students ORDER BY position, student_key"):
            key = row["student_key"]
            if only is not None and key not in only:
                continue
            result = SubmissionResult(
                student=Student(id=row["sid"], name=row["name"], email=row["email"], folder=row["folder"]),
                assignment=row["assignment"],
                rubric_sha256=row["rubric_sha256"],
                parts=tuple(by_student.get(key, [])),
                problems=tuple(json.loads(row["problems_json"])),
            )
            extras = {"submission_sha256": row["submission_sha256"], "sources": sources.get(key, {}),
                      "notes": tuple(json.loads(row["notes_json"]))}
            out.append((key, result, extras))
        return out


    def graded(self, only: set[str] | None = None) -> list[Graded]:
        """``students()`` as ``Graded`` (what the renderers take), in gradebook order."""
        return [
            Graded(result, extras["submission_sha256"], dict(extras["sources"]), tuple(extras["notes"]), key)
            for key, result, extras in self.students(only)
        ]


def _part_result(part_id: str, max_points: float, answer: str | None, verdict: Verdict, state: str,
                 decision: DecisionRow | None) -> PartResult:
    if answer is not None and len(answer) > ANSWER_DISPLAY_CHARS:  # as the pipeline shows it
        answer = answer[: ANSWER_DISPLAY_CHARS - 3] + "..."
    review: Review | None = None
    points = round(verdict.score * max_points, 4)
    if state == "decided" and decision is not None and decision.fraction is not None:
        points = round(decision.fraction * max_points, 4)
        review = Review(state="decided", fraction=decision.fraction, comment=decision.comment,
                        who=decision.who, decision_id=decision.decision_id)
    elif state == "reconfirm" and decision is not None:
        review = Review(state="reconfirm", fraction=decision.fraction, comment=decision.comment,
                        who=decision.who, decision_id=decision.decision_id)
    # "pending" stays None: PartResult.pending derives it from the status, and the feedback
    # the workers wrote from the automatic verdicts is then exactly what the database renders
    return PartResult(part_id=part_id, points=points, max_points=max_points, verdict=verdict,
                      answer=answer, review=review)


def _summarize(group: sqlite3.Row, states: Sequence[tuple[str, DecisionRow | None]]) -> GroupSummary:
    counts: dict[str, int] = {}
    fractions = set()
    for state, decision in states:
        counts[state] = counts.get(state, 0) + 1
        if state == "decided" and decision is not None:
            fractions.add(decision.fraction)
    if counts.get("reconfirm"):
        state = "reconfirm"
    elif counts.get("pending"):
        state = "pending"
    elif counts.get("decided"):
        state = "decided" if counts["decided"] == len(states) and len(fractions) == 1 else "mixed"
    else:
        state = "auto"
    fraction = next(iter(fractions)) if len(fractions) == 1 and state == "decided" else None
    return GroupSummary(
        group_id=group["group_id"], part_id=group["part_id"], label=group["label"], status=group["status"],
        merged_by=group["merged_by"], count=len(states), state=state, fraction=fraction, counts=counts,
    )


def open_db(out_dir: str | Path, *, create: bool = True) -> ResultsDB:
    """``ResultsDB.open``."""
    return ResultsDB.open(out_dir, create=create)
