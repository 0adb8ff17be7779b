"""The results database API: groups, decisions, undo, history, re-confirm after a rubric fix."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from grader.grading.db import SCHEMA_VERSION, ResultsDB, ResultsDBError
from tests.grading.dbsupport import CLASS, RUBRIC_YAML, grade_records, write_class, write_rubric


def _graded_db(tmp_path: Path, rubric_text: str = RUBRIC_YAML, answers: dict | None = None) -> ResultsDB:
    rubric_path = write_rubric(tmp_path, rubric_text)
    subs = write_class(tmp_path, answers or CLASS)
    rubric, sha, key, records = grade_records(rubric_path, subs)
    db = ResultsDB.open(tmp_path / "out")
    db.begin_run(rubric, sha, key)
    db.record(records)
    db.finish_run([record.student_key for record in records])
    return db


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("db")
    _graded_db(tmp).close()
    return tmp


def _copy(graded: Path, tmp_path: Path) -> ResultsDB:
    source = sqlite3.connect(graded / "out" / "grades.sqlite")
    (tmp_path / "out").mkdir()
    target = sqlite3.connect(tmp_path / "out" / "grades.sqlite")
    source.backup(target)
    source.close()
    target.close()
    return ResultsDB.open(tmp_path / "out")


def _by_label(db: ResultsDB, part_id: str) -> dict[str, object]:
    return {group.label: group for group in db.queue(part_id, statuses=None)}


def test_schema_version_wal_and_integrity(graded: Path) -> None:
    db = ResultsDB.open(graded / "out", create=False)
    assert db.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.integrity_check() == "ok"
    assert db.meta("assignment") == "tiny"
    assert [part.part_id for part in db.parts()] == ["q1.expr", "q1.proof"]
    assert db.part("q1.proof").guidance == "Full credit for the telescoping argument."
    assert db.part("q1.expr").suggested == [0.0, 0.25, 1.0]


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "grades.sqlite")
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(ResultsDBError, match="schema version 99"):
        ResultsDB.open(tmp_path)


def test_groups_merge_proven_equivalent_forms(graded: Path) -> None:
    db = ResultsDB.open(graded / "out")
    expr = _by_label(db, "q1.expr")
    # 'm/(1-beta^t)' (twice) and '\frac{m}{1-\beta^t}' are all proven equal to the key: one group
    correct = expr["equivalent to the key (2 forms)"]
    assert correct.count == 3 and correct.status == "correct" and correct.merged_by == "key"
    detail = db.group(correct.group_id)
    assert detail.answers == ["\\frac{m}{1-\\beta^t}", "m/(1-beta^t)"]
    assert sorted(member.student_key for member in detail.members) == ["s1", "s2", "s5"]
    assert expr["mistake rule no_correction"].count == 1
    assert expr["m/(1+beta^t)"].status == "wrong"
    # prose groups by normalized text (whitespace collapsed)
    proof = _by_label(db, "q1.proof")
    assert proof["By telescoping."].count == 2
    assert proof["trivial"].count == 2
    assert proof["no answer"].status == "missing"


def test_queue_lists_what_needs_a_person(graded: Path) -> None:
    db = ResultsDB.open(graded / "out")
    queue = db.queue()
    assert {group.label for group in queue} == {"By telescoping.", "trivial"}
    assert all(group.state == "pending" for group in queue)
    assert db.queue("q1.expr") == []


def test_group_decision_undo_and_student_override(graded: Path, tmp_path: Path) -> None:
    db = _copy(graded, tmp_path)
    group = _by_label(db, "q1.proof")["trivial"]
    db.decide(group.group_id, 0.0, "Not a proof.", "ta1")
    db.decide(group.group_id, 1 / 3, "Some idea.", "ta2")
    assert db.group(group.group_id).summary.fraction == pytest.approx(1 / 3)
    db.decide(("s4", "q1.proof"), 1.0, "Good after all.", "ta1")
    points = {key: {p.part_id: p for p in result.parts} for key, result, _ in db.students()}
    assert points["s3"]["q1.proof"].points == 1.0 and points["s3"]["q1.proof"].review.comment == "Some idea."
    assert points["s4"]["q1.proof"].points == 3.0
    assert db.group(group.group_id).summary.state == "mixed"
    # undo on the group cancels its latest action: the previous decision applies again
    db.undo(group.group_id, "ta2")
    points = {key: {p.part_id: p for p in result.parts} for key, result, _ in db.students()}
    assert points["s3"]["q1.proof"].points == 0.0 and points["s3"]["q1.proof"].review.state == "decided"
    assert points["s4"]["q1.proof"].points == 3.0
    db.undo(group.group_id, "ta2")
    assert db.undo(group.group_id, "ta2") is None
    state = {m.student_key: m.state for m in db.group(group.group_id).members}
    assert state == {"s3": "pending", "s4": "decided"}
    history = db.history(group.group_id)
    assert [row.fraction for row in history] == [0.0, pytest.approx(1 / 3), 1.0, None, None]
    assert db.integrity_check() == "ok"


def test_decisions_are_append_only(graded: Path, tmp_path: Path) -> None:
    db = _copy(graded, tmp_path)
    group = db.queue()[0]
    db.decide(group.group_id, 1.0, "", "ta")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.conn.execute("UPDATE decisions SET fraction = 0")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        db.conn.execute("DELETE FROM decisions")


@pytest.mark.parametrize(
    ("target", "fraction", "message"),
    [
        (1, 1.5, "outside"),
        (1, -0.1, "outside"),
        (999, 1.0, "unknown answer group"),
        (("nobody", "q1.proof"), 1.0, "unknown student"),
        (("s1", "q9"), 1.0, "unknown part"),
    ],
)
def test_bad_decisions_are_refused(graded: Path, tmp_path: Path, target: object, fraction: float, message: str) -> None:
    db = _copy(graded, tmp_path)
    with pytest.raises(ResultsDBError, match=message):
        db.decide(target, fraction, "", "ta")  # type: ignore[arg-type]
    assert db.decision_rows() == []


def test_regrade_keeps_decisions_on_unchanged_answers_and_parts(tmp_path: Path) -> None:
    db = _graded_db(tmp_path)
    proof = _by_label(db, "q1.proof")
    db.decide(proof["trivial"].group_id, 0.0, "No.", "ta")
    db.decide(proof["By telescoping."].group_id, 1.0, "Yes.", "ta")
    wrong = _by_label(db, "q1.expr")["m/(1+beta^t)"]
    db.decide(wrong.group_id, 0.5, "Override: sign slip only.", "ta")  # an override of a verdict
    db.close()
    # the rubric changes q1.expr (a new mistake rule) but not q1.proof; s1 rewrites the proof
    fixed = RUBRIC_YAML.replace('            feedback: "You forgot the bias correction."',
                                '            feedback: "You forgot the bias correction."\n'
                                '          - id: sign\n            match: "m/(1+beta^t)"\n            score: 0.5\n'
                                '            feedback: "Sign."')
    answers = {**CLASS, "s1": {**CLASS["s1"], "q1.proof": "A new argument."}}
    rubric_path = write_rubric(tmp_path, fixed)
    import shutil

    shutil.rmtree(tmp_path / "subs")
    subs = write_class(tmp_path, answers)
    rubric, sha, key, records = grade_records(rubric_path, subs)
    db = ResultsDB.open(tmp_path / "out")
    db.begin_run(rubric, sha, key)
    db.record(records)
    db.finish_run([record.student_key for record in records])
    parts = {key: {p.part_id: p for p in result.parts} for key, result, _ in db.students()}
    assert parts["s2"]["q1.proof"].review.state == "decided" and parts["s2"]["q1.proof"].points == 3.0
    assert parts["s3"]["q1.proof"].review.state == "decided"
    assert parts["s1"]["q1.proof"].review is None and parts["s1"]["q1.proof"].pending  # a new text: to decide
    # the part definition of q1.expr changed: the override comes back to be re-confirmed
    assert parts["s4"]["q1.expr"].review.state == "reconfirm"
    assert parts["s4"]["q1.expr"].pending
    assert parts["s4"]["q1.expr"].verdict.rule == "sign"
    states = {group.label: group.state for group in db.queue()}
    assert states["mistake rule sign"] == "reconfirm"


def test_undecided_answers_proven_equal_by_the_checker_share_a_group(tmp_path: Path) -> None:
    """Answers the checker could not decide against the key are compared with each other
    (real checker, real pool): proven-equal forms become one group, others stay apart."""
    from grader.check.verdict import Status, Verdict
    from grader.grading.pipeline import _proven_equal_groups
    from grader.grading.plan import normalized_answers
    from grader.grading.worker import make_pool
    from grader.submission.extract import Extraction

    texts = ["m*(1+beta)", "m + m*beta", "(1+beta)*m", "m - beta"]
    db = _graded_db(tmp_path, answers={f"s{i}": {"q1.expr": text} for i, text in enumerate(texts)})
    rubric = db.rubric()
    from grader.key.build import build_key

    key = build_key(rubric, db.meta("rubric_sha256"))
    undecided = Verdict(0.0, Status.UNDECIDED, "could not decide")
    cache = {("q1.expr", text): undecided for text in texts}
    todo = [normalized_answers(Extraction(answers={"q1.expr": text})) for text in texts]
    with make_pool(rubric, key, workers=1, budget=None, seed=0) as pool:
        merges = _proven_equal_groups(rubric, cache, todo, pool)
    from grader.grading.db import answer_sha

    assert merges == [("q1.expr", [sorted(answer_sha(t) for t in texts[:3])], "checker")]
    db.rebuild_groups(merges)
    groups = {g.label: g for g in db.queue("q1.expr", statuses=None)}
    merged = [g for g in groups.values() if g.merged_by == "checker"]
    assert len(merged) == 1 and merged[0].count == 3
    assert sorted(db.group(merged[0].group_id).answers) == sorted(texts[:3])
    assert groups["m - beta"].count == 1 and groups["m - beta"].merged_by == "text"
    assert db.integrity_check() == "ok"
