"""`grader export`: a class graded by the real CLI, exported against sample Canvas and Moodle
files written to those systems' documented formats (header rows, identifier columns, a
UTF-8 byte-order mark), with students on either side that do not match."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import yaml
from support import run_grader

RUBRIC = """\
assignment: {id: hw-exp, title: "HW export"}
questions:
  - id: q1
    parts:
      - {id: q1.a, points: 2, prompt: "1/2 + 1/4", answer: {kind: number, expected: 0.75}}
      - {id: q1.b, points: 3, prompt: "Twice three", answer: {kind: number, expected: 6}}
"""

# folder -> (student block, answers); totals: ada 5, bob 2, chloé 3, dan 0 (blank), eve 5
STUDENTS = {
    "ada": ({"id": "1001", "name": "Ada Lovelace", "email": "ada@uni.example"}, {"q1.a": "3/4", "q1.b": 6}),
    "bob": ({"id": "1002", "name": "Bob Smith, Jr.", "email": "BOB@uni.example"}, {"q1.a": "0.75", "q1.b": 7}),
    "chloe": ({"id": "1003", "name": "Chloé Dupont", "email": "chloe@uni.example"}, {"q1.a": 1, "q1.b": 6}),
    "dan": ({"id": "1004", "name": "Dan Ng", "email": ""}, {}),
    "eve": ({"id": "9999", "name": "Eve Outsider", "email": "eve@elsewhere.example"}, {"q1.a": "3/4", "q1.b": 6}),
}

# Canvas "Export Entire Gradebook": header, "Manual Posting" row (newer exports), "Points
# Possible" row, then students. SIS Login ID is often the e-mail. Written with a BOM.
CANVAS = (
    "\ufeffStudent,ID,SIS User ID,SIS Login ID,Section,HW export (40213),Quiz 1 (40214),Current Score,Final Score\r\n"
    ",,,,,Manual Posting,,,\r\n"
    "    Points Possible,,,,,5.00,10.00,(read only),(read only)\r\n"
    '"Lovelace, Ada",501,1001,ada@uni.example,ML 101 A,,8.00,80,80\r\n'
    '"Smith, Bob",502,,bob@uni.example,ML 101 A,,9.00,90,90\r\n'
    '"Dupont, Chloé",503,1003,chloe,ML 101 B,,7.00,70,70\r\n'
    '"Ng, Dan",504,1004,dan,ML 101 B,,6.00,60,60\r\n'
    '"Absent, Zoe",505,1005,zoe@uni.example,ML 101 B,4.00,5.00,50,50\r\n'
    '"Student, Test",506,,,,,,,\r\n'
)

# Moodle "Export > Plain text file" (comma separated): identity columns, one grade item.
MOODLE = (
    "First name,Last name,ID number,Institution,Department,Email address,Assignment: HW export (Real),"
    "Last downloaded from this course\r\n"
    "Ada,Lovelace,1001,Uni,CS,ada@uni.example,-,1700000000\r\n"
    "Bob,Smith,,Uni,CS,bob@uni.example,-,1700000000\r\n"
    "Chloé,Dupont,1003,Uni,CS,chloe@uni.example,-,1700000000\r\n"
    "Zoe,Absent,1005,Uni,CS,zoe@uni.example,-,1700000000\r\n"
)


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("export")
    rubric = base / "hw.yaml"
    rubric.write_text(RUBRIC, encoding="utf-8")
    for folder, (student, answers) in STUDENTS.items():
        (base / "subs" / folder).mkdir(parents=True)
        doc = {"student": student, "answers": answers or {"q1.a": ""}}
        (base / "subs" / folder / "answers.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    run_grader("grade", str(rubric), str(base / "subs"), "-o", str(base / "out"), "--quiet", check=True)
    return base / "out"


def _rows(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_canvas_fills_the_assignment_column(graded: Path, tmp_path: Path) -> None:
    lms = tmp_path / "canvas-export.csv"
    lms.write_bytes(CANVAS.encode("utf-8"))
    target = tmp_path / "canvas-import.csv"
    done = run_grader("export", str(graded), "--format", "canvas", "--lms-file", str(lms), "-o", str(target),
                      "--column", "HW export (40213)")
    assert done.returncode == 0, done.stderr
    assert target.read_bytes().startswith(b"\xef\xbb\xbf")  # the BOM is kept: Excel opens it right
    rows = _rows(target)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "HW export (40213)"]
    assert rows[1] == ["", "", "", "", "", "Manual Posting"]
    assert rows[2] == ["    Points Possible", "", "", "", "", "5"]
    scores = {row[0]: row[5] for row in rows[3:]}
    assert scores == {
        "Lovelace, Ada": "5",  # SIS User ID
        "Smith, Bob": "2",  # no SIS User ID: SIS Login ID is the e-mail (case-insensitive)
        "Dupont, Chloé": "3",  # SIS User ID (login is not an e-mail)
        "Ng, Dan": "0",  # blank submission: graded 0, not skipped
        "Absent, Zoe": "4.00",  # no submission: left as it was
        "Student, Test": "",  # Canvas's test student
    }
    assert "Quiz 1 (40214)" not in rows[0]  # other assignments cannot be overwritten
    # Eve is graded but not in the course: listed, never dropped
    assert "1 graded student(s) match no row" in done.stderr and "9999  Eve Outsider" in done.stderr
    unmatched = _rows(tmp_path / "canvas-import.csv.unmatched.csv")
    assert unmatched == [["SID", "Name", "Email", "Folder", "Total"], ["9999", "Eve Outsider", "eve@elsewhere.example", "eve", "5"]]
    assert "2 LMS row(s) with no graded submission" in done.stderr
    assert "wrote" in done.stdout and "4 of 5 graded student(s)" in done.stdout


def test_canvas_column_by_name_or_new(graded: Path, tmp_path: Path) -> None:
    lms = tmp_path / "canvas-export.csv"
    lms.write_text(CANVAS.replace("HW export (40213)", "Homework 1 (40213)"), encoding="utf-8")
    target = tmp_path / "out.csv"
    ambiguous = run_grader("export", str(graded), "--format", "canvas", "--lms-file", str(lms), "-o", str(target))
    assert ambiguous.returncode == 1 and "--column" in ambiguous.stderr and "'Homework 1 (40213)'" in ambiguous.stderr
    named = run_grader("export", str(graded), "--format", "canvas", "--lms-file", str(lms), "-o", str(target),
                       "--column", "Homework 1 (40213)", check=True)
    assert _rows(target)[3][-1] == "5" and named.returncode == 0
    lms.write_text(CANVAS.replace("HW export (40213)", "hw-exp (40213)"), encoding="utf-8")
    found = run_grader("export", str(graded), "--format", "canvas", "--lms-file", str(lms), "-o", str(target), check=True)
    assert "column 'hw-exp (40213)'" in found.stdout and _rows(target)[3][-1] == "5"  # names the assignment id
    new = run_grader("export", str(graded), "--format", "canvas", "--lms-file", str(lms), "-o", str(target),
                     "--column", "Bonus", check=True)
    assert "column 'Bonus' is not in the Canvas file: added" in new.stderr
    assert _rows(target)[0][-1] == "Bonus" and _rows(target)[3][-1] == "5"
    missing = run_grader("export", str(graded), "--format", "canvas", "-o", str(target))
    assert missing.returncode == 1 and "--lms-file" in missing.stderr


def test_moodle_import_file_from_scratch(graded: Path, tmp_path: Path) -> None:
    target = tmp_path / "moodle.csv"
    run_grader("export", str(graded), "--format", "moodle", "-o", str(target), check=True)
    rows = _rows(target)
    assert rows[0] == ["ID number", "Email address", "First name", "Last name", "hw-exp"]
    assert ["1002", "BOB@uni.example", "Bob Smith,", "Jr.", "2"] in rows
    assert ["1003", "chloe@uni.example", "Chloé", "Dupont", "3"] in rows
    assert len(rows) == 1 + len(STUDENTS)


def test_moodle_fills_its_own_export(graded: Path, tmp_path: Path) -> None:
    lms = tmp_path / "moodle-export.csv"
    lms.write_bytes(("\ufeff" + MOODLE).encode("utf-8"))
    target = tmp_path / "moodle-import.csv"
    done = run_grader("export", str(graded), "--format", "moodle", "--lms-file", str(lms), "-o", str(target),
                      "--column", "Assignment: HW export (Real)")
    assert done.returncode == 0, done.stderr
    rows = _rows(target)
    assert rows[0][6] == "Assignment: HW export (Real)"
    grades = {row[0]: row[6] for row in rows[1:]}
    assert grades == {"Ada": "5", "Bob": "2", "Chloé": "3", "Zoe": "-"}  # Bob by e-mail; Zoe untouched
    assert "match no row" in done.stderr and "1004" in done.stderr and "9999" in done.stderr
    listed = {row[0] for row in _rows(tmp_path / "moodle-import.csv.unmatched.csv")[1:]}
    assert listed == {"1004", "9999"}


def test_gradescope_and_plain_csv(graded: Path, tmp_path: Path) -> None:
    target = tmp_path / "gs.csv"
    done = run_grader("export", str(graded), "--format", "gradescope", "-o", str(target), check=True)
    rows = _rows(target)
    assert rows[0] == ["Name", "SID", "Email", "Total Score"]
    assert ["Bob Smith, Jr.", "1002", "BOB@uni.example", "2"] in rows and len(rows) == 6
    assert "without an e-mail" in done.stderr and "1004" in done.stderr
    assert not (tmp_path / "gs.csv.unmatched.csv").exists()
    plain = tmp_path / "plain.csv"
    run_grader("export", str(graded), "--format", "csv", "-o", str(plain), check=True)
    assert plain.read_text(encoding="utf-8") == (graded / "gradebook.csv").read_text(encoding="utf-8")


def test_an_lms_file_that_is_not_utf8_is_refused(graded: Path, tmp_path: Path) -> None:
    lms = tmp_path / "latin1.csv"
    lms.write_bytes(CANVAS.replace("\ufeff", "").encode("latin-1"))
    done = run_grader("export", str(graded), "--format", "canvas", "--lms-file", str(lms), "-o", str(tmp_path / "x.csv"))
    assert done.returncode == 1 and "not UTF-8" in done.stderr
    assert not (tmp_path / "x.csv").exists()
