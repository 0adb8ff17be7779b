"""`grader grade` + `grader review export/import/suggest` on a real tiny class (the real CLI)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
import yaml
from support import run_grader

from grader.grading.db import ResultsDB
from tests.grading.dbsupport import CLASS, RUBRIC_YAML, write_class, write_rubric


def _grade(tmp: Path, rubric: Path, subs: Path, *extra: str) -> None:
    run_grader("grade", str(rubric), str(subs), "-o", str(tmp / "out"), "--quiet", *extra, check=True)


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("class")
    _grade(tmp, write_rubric(tmp), write_class(tmp, CLASS))
    return tmp


def _fresh(graded: Path, tmp_path: Path) -> Path:
    shutil.copytree(graded / "out", tmp_path / "out")
    return tmp_path / "out"


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def _write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def _gradebook(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as handle:
        return {row["SID"]: row for row in csv.DictReader(handle)}


def test_grade_writes_database_and_pending_column(graded: Path) -> None:
    out = graded / "out"
    with ResultsDB.open(out, create=False) as db:
        assert db.integrity_check() == "ok"
        assert len(db.students()) == 5
    book = _gradebook(out)
    assert book["s1"]["Pending"] == "1" and book["s1"]["q1.proof"] == "" and book["s1"]["Total"] == "2"
    assert book["s5"]["Pending"] == "0" and book["s5"]["q1.proof"] == "0"  # no answer: a final zero
    summary = json.loads((out / "summary.json").read_text())
    assert summary["review"] == {"pending": 4, "reconfirm": 0, "decided": 0}


def test_export_fill_import_renders_decisions(graded: Path, tmp_path: Path) -> None:
    out = _fresh(graded, tmp_path)
    result = run_grader("review", "export", str(out), "-o", str(tmp_path / "d.csv"), check=True)
    assert "2 row(s)" in result.stdout
    rows = _rows(tmp_path / "d.csv")
    assert {row["answer"] for row in rows} == {"By telescoping.", "trivial"}
    assert all(row["max_points"] == "3" and row["suggested_points"] == "0; 3" and row["score"] == "" for row in rows)
    for row in rows:
        row["score"], row["comment"] = ("3", "Right.") if row["answer"] == "By telescoping." else ("0.5", "Not a proof.")
    _write_rows(tmp_path / "d.csv", rows)
    result = run_grader("review", "import", str(out), str(tmp_path / "d.csv"), "--who", "ta1", check=True)
    assert "recorded 2 decision(s)" in result.stdout and "0 answer(s) still waiting" in result.stdout
    book = _gradebook(out)
    assert (book["s1"]["q1.proof"], book["s1"]["Total"], book["s1"]["Pending"]) == ("3", "5", "0")
    assert (book["s3"]["q1.proof"], book["s4"]["q1.proof"]) == ("0.5", "0.5")
    feedback = (out / "feedback" / "s3.md").read_text()
    assert "## q1.proof: 0.5 / 3 (graded by a person)" in feedback and "Grader's comment: Not a proof." in feedback
    data = json.loads((out / "feedback" / "s3.json").read_text())
    proof = next(part for part in data["parts"] if part["part_id"] == "q1.proof")
    assert proof["points"] == 0.5 and proof["review"]["state"] == "decided"
    from grader.output.report import review_progress

    progress = review_progress(out / "grades.sqlite")
    assert progress is not None and (progress["needs_person"], progress["decided"], progress["decisions"]) == (4, 4, 2)
    # nothing left: the next export is empty
    run_grader("review", "export", str(out), "-o", str(tmp_path / "again.csv"), check=True)
    assert _rows(tmp_path / "again.csv") == []


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"score": "4"}, "line 2: score 4 outside [0, 3] for q1.proof"),
        ({"score": "-1"}, "line 2: score -1 outside [0, 3]"),
        ({"score": "nan"}, "line 2: score nan outside [0, 3]"),
        ({"score": "three"}, "line 2: score 'three' is not a number"),
        ({"score": "1", "part_id": "q9"}, "line 2: unknown part 'q9'"),
        ({"score": "1", "student": "nobody"}, "line 2: unknown student 'nobody'"),
        ({"score": "1", "definition": "0" * 16}, "line 2: stale row: part q1.proof changed since the export"),
        ({"score": "1", "answer_sha256": "0" * 64}, "line 2: stale row"),
    ],
)
def test_import_rejects_bad_rows_and_applies_nothing(graded: Path, tmp_path: Path, edit: dict[str, str], message: str) -> None:
    out = _fresh(graded, tmp_path)
    run_grader("review", "export", str(out), "-o", str(tmp_path / "d.csv"), check=True)
    rows = _rows(tmp_path / "d.csv")
    rows[0].update(edit)
    rows[1]["score"] = "3"  # a good row on line 3: must not be applied either
    _write_rows(tmp_path / "d.csv", rows)
    before = (out / "gradebook.csv").read_bytes()
    result = run_grader("review", "import", str(out), str(tmp_path / "d.csv"))
    assert result.returncode == 1
    assert message in result.stderr and "nothing imported" in result.stderr
    assert "Traceback" not in result.stderr
    with ResultsDB.open(out, create=False) as db:
        assert db.decision_rows() == []
    assert (out / "gradebook.csv").read_bytes() == before


def test_import_lists_every_bad_line(graded: Path, tmp_path: Path) -> None:
    out = _fresh(graded, tmp_path)
    run_grader("review", "export", str(out), "-o", str(tmp_path / "d.csv"), "--per-student", check=True)
    rows = _rows(tmp_path / "d.csv")
    assert len(rows) == 4 and {row["student"] for row in rows} == {"s1", "s2", "s3", "s4"}
    rows[0]["score"], rows[2]["score"], rows[3]["score"] = "9", "2", "x"
    _write_rows(tmp_path / "d.csv", rows)
    result = run_grader("review", "import", str(out), str(tmp_path / "d.csv"))
    assert result.returncode == 1
    assert "2 problem(s)" in result.stderr and "line 2:" in result.stderr and "line 5:" in result.stderr


def test_stale_student_row_after_the_answer_changed(tmp_path: Path) -> None:
    rubric = write_rubric(tmp_path)
    subs = write_class(tmp_path, CLASS)
    _grade(tmp_path, rubric, subs)
    run_grader("review", "export", str(tmp_path / "out"), "-o", str(tmp_path / "d.csv"), "--per-student", check=True)
    (subs / "s3" / "answers.yaml").write_text(json.dumps({"student": {"id": "s3"}, "answers": {"q1.proof": "Now a proof."}}))
    _grade(tmp_path, rubric, subs)
    rows = _rows(tmp_path / "d.csv")
    for row in rows:
        row["score"] = "1"
    _write_rows(tmp_path / "d.csv", rows)
    result = run_grader("review", "import", str(tmp_path / "out"), str(tmp_path / "d.csv"))
    line = 2 + [row["student"] for row in rows].index("s3")
    assert result.returncode == 1 and f"line {line}: stale row: the answer changed since the export" in result.stderr


FIXED_RUBRIC = RUBRIC_YAML.replace(
    '            feedback: "You forgot the bias correction."',
    '            feedback: "You forgot the bias correction."\n'
    '          - id: sign\n            match: "m/(1+beta^t)"\n            score: 0.5\n            feedback: "Sign."',
)


def test_regrade_keeps_decisions_and_requeues_changed_parts(tmp_path: Path) -> None:
    rubric = write_rubric(tmp_path)
    subs = write_class(tmp_path, CLASS)
    _grade(tmp_path, rubric, subs)
    out = tmp_path / "out"
    with ResultsDB.open(out, create=False) as db:
        groups = {g.label: g.group_id for g in db.queue(statuses=None)}
        db.decide(groups["By telescoping."], 1.0, "Right.", "ta")
        db.decide(groups["trivial"], 0.0, "No.", "ta")
        db.decide(groups["m/(1+beta^t)"], 0.25, "Close: a sign slip.", "ta")  # override of 'wrong'
    # a rubric fix on q1.expr only, and s1 changes the proof: regrade (not --resume)
    write_rubric(tmp_path, FIXED_RUBRIC)
    (subs / "s1" / "answers.yaml").write_text(json.dumps(
        {"student": {"id": "s1"}, "answers": {"q1.expr": "m/(1-beta^t)", "q1.proof": "A new argument."}}))
    result = run_grader("grade", str(rubric), str(subs), "-o", str(out), check=True)
    assert "1 to re-confirm" in result.stdout
    book = _gradebook(out)
    assert (book["s2"]["q1.proof"], book["s3"]["q1.proof"]) == ("3", "0")  # re-applied: same text, same part
    assert (book["s1"]["q1.proof"], book["s1"]["Pending"]) == ("", "1")  # a new text waits for a person
    # s4's override was on q1.expr, whose definition changed: back in the queue as "re-confirm"
    assert (book["s4"]["q1.expr"], book["s4"]["Pending"]) == ("", "1")
    summary = json.loads((out / "summary.json").read_text())
    assert summary["review"] == {"pending": 2, "reconfirm": 1, "decided": 3}
    with ResultsDB.open(out, create=False) as db:
        requeued = [g for g in db.queue() if g.state == "reconfirm"]
        assert [(g.part_id, g.label) for g in requeued] == [("q1.expr", "mistake rule sign")]
        db.decide(requeued[0].group_id, 0.25, "Still a sign slip.", "ta")
    from grader.output.render import render_outputs

    render_outputs(out)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["overrides"] == [{"automatic_points": 1.0, "comment": "Still a sign slip.", "part_id": "q1.expr",
                                     "points": 0.5, "status": "partial", "student": "s4"}]


def test_suggest_prints_rules_and_tests_that_load(graded: Path, tmp_path: Path) -> None:
    out = _fresh(graded, tmp_path)
    with ResultsDB.open(out, create=False) as db:
        groups = {g.label: g.group_id for g in db.queue(statuses=None)}
        db.decide(groups["m/(1+beta^t)"], 0.25, "A sign slip in the correction.", "ta")
        db.decide(groups["trivial"], 0.0, "No.", "ta")
    result = run_grader("review", "suggest", str(out), check=True)
    text = result.stdout
    assert "# --- q1.proof (manual, 3 points): 1 decided group(s)" in text
    block = text.split("# --- q1.expr")[1].split("\n", 1)[1].split("# ---")[0]
    suggested = yaml.safe_load(block)
    rule = suggested["mistakes"][0]
    assert rule["match"] == "m/(1+beta^t)" and rule["score"] == 0.25 and rule["feedback"] == "A sign slip in the correction."
    assert suggested["tests"][0] == {"answer": "m/(1+beta^t)", "score": 0.25, "note": rule["id"],
                                     "why": "decided in review (1 student(s), decided by ta)"}
    # pasted into the rubric, it is a valid rubric whose self-tests pass
    patched = RUBRIC_YAML.replace(
        '            feedback: "You forgot the bias correction."',
        '            feedback: "You forgot the bias correction."\n'
        + "\n".join("          " + line for line in yaml.safe_dump(suggested["mistakes"], sort_keys=False).splitlines())
        + "\n        tests:\n"
        + "\n".join("          " + line for line in yaml.safe_dump(suggested["tests"], sort_keys=False).splitlines()),
    )
    path = tmp_path / "patched.yaml"
    path.write_text(patched)
    checked = run_grader("rubric", "check", str(path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = run_grader("rubric", "test", str(path))
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_export_neutralizes_formulas_and_points_to_assignment_folders(tmp_path: Path) -> None:
    rubric = write_rubric(tmp_path)
    subs = write_class(tmp_path, {"evil": {"q1.proof": '=HYPERLINK("http://x.example","click")'},
                                  "neg": {"q1.proof": "-1 is the answer"}})
    run_grader("grade", str(rubric), str(subs), "-o", str(tmp_path / "all" / "tiny"), "--quiet", check=True)
    run_grader("review", "export", str(tmp_path / "all" / "tiny"), "-o", str(tmp_path / "d.csv"), check=True)
    answers = {row["answer"] for row in _rows(tmp_path / "d.csv")}
    assert answers == {'\'=HYPERLINK("http://x.example","click")', "'-1 is the answer"}
    rows = _rows(tmp_path / "d.csv")
    for row in rows:
        row["score"] = "1"
    _write_rows(tmp_path / "d.csv", rows)
    run_grader("review", "import", str(tmp_path / "all" / "tiny"), str(tmp_path / "d.csv"), check=True)
    assert _gradebook(tmp_path / "all" / "tiny")["evil"]["q1.proof"] == "1"
    # the parent of assignment folders has no database of its own: say where they are
    result = run_grader("review", "export", str(tmp_path / "all"), "-o", str(tmp_path / "x.csv"))
    assert result.returncode == 1 and "the assignment folders tiny have one" in result.stderr
