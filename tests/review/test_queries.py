"""The review page's SQL queue and its cache give exactly ``ResultsDB.queue``'s answer."""

from __future__ import annotations

from pathlib import Path

import pytest
from grading.dbsupport import CLASS, RUBRIC_YAML, grade_records, write_class, write_rubric

from grader.grading.db import ResultsDB
from grader.review.queries import QueueCache, queue_summaries

FILTERS = [
    (None, ("manual", "invalid", "undecided", "timeout", "error")),
    (None, None),
    ("q1.proof", ("manual",)),
    ("q1.expr", ("wrong", "partial")),
    ("q1.expr", None),
]


def _grade(folder: Path, out: Path, rubric_text: str = RUBRIC_YAML) -> None:
    students = {**CLASS, "s6": {"q1.expr": "m/(1-beta^t", "q1.proof": "trivial"}}
    rubric, sha, key, records = grade_records(write_rubric(folder, rubric_text), write_class(folder, students))
    with ResultsDB.open(out) as db:
        db.begin_run(rubric, sha, key)
        db.record(records)
        db.finish_run([record.student_key for record in records])


def _check(db: ResultsDB, cache: QueueCache) -> None:
    for part_id, statuses in FILTERS:
        expected = db.queue(part_id=part_id, statuses=statuses)
        assert queue_summaries(db.conn, part_id, statuses) == expected, (part_id, statuses)
        assert cache.summaries(db.conn, part_id, statuses) == expected, (part_id, statuses)
        # The page's stable order: the same groups by part, then largest first, whatever their state.
        position = {part.part_id: part.position for part in db.parts()}
        stable = sorted(expected, key=lambda g: (position[g.part_id], -g.count, g.group_id))
        assert cache.summaries(db.conn, part_id, statuses, stable=True) == stable
        assert queue_summaries(db.conn, part_id, statuses, stable=True) == stable


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("queue")
    _grade(folder, folder / "out")
    return folder


def test_same_queue_through_decisions_undo_and_a_regrade(template: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "grades.sqlite").write_bytes((template / "out" / "grades.sqlite").read_bytes())
    cache = QueueCache()
    with ResultsDB.open(out, create=False) as db:
        _check(db, cache)
        groups = {summary.label: summary.group_id for summary in db.queue(statuses=None)}
        db.decide(groups["trivial"], 0.5, "group", "ta")  # pending -> decided
        _check(db, cache)
        db.decide(("s3", "q1.proof"), 1.0, "mine", "ta")  # one student: same state, mixed fractions
        _check(db, cache)
        db.decide(groups["By telescoping."], 1.0, "", "ta")
        db.undo(groups["By telescoping."], "ta")  # back to pending
        _check(db, cache)
        db.decide(groups["m/(1-beta^t"], 0.25, "", "ta")  # an invalid answer overridden
        db.decide(("s4", "q1.expr"), 0.5, "", "ta")  # a wrong answer overridden for one student
        _check(db, cache)
        db.undo(("s3", "q1.proof"), "ta")
        _check(db, cache)
    # A regrade with a changed part definition: its decisions come back as "reconfirm".
    _grade(tmp_path, out, RUBRIC_YAML.replace("telescoping argument", "telescoping argument, stated"))
    with ResultsDB.open(out, create=False) as db:
        states = {summary.label: summary.state for summary in db.queue()}
        assert states["trivial"] == "reconfirm"
        _check(db, cache)
        db.decide(next(s.group_id for s in db.queue() if s.label == "trivial"), 0.75, "", "ta")
        _check(db, cache)
