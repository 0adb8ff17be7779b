"""Writers: number format, gradebook CSV, feedback JSON/Markdown, summary, atomic writes."""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
from pathlib import Path

import pytest

from grader import files as atomic
from grader.check.verdict import Status, Verdict
from grader.files import clean_temp_files, write_text_atomic
from grader.output.feedback import feedback_json, feedback_markdown
from grader.output.formats import dumps_json, fmt_number
from grader.output.gradebook import gradebook_csv
from grader.output.summary import summarize, summary_table
from grader.results import (
    Graded,
    PartResult,
    Review,
    Student,
    SubmissionResult,
    file_stem,
    graded_from_json,
)
from grader.rubric.load import load_rubric

FIXTURES = Path(__file__).resolve().parent.parent / "submission" / "fixtures"
RUBRIC, SHA = load_rubric(FIXTURES / "mini.yaml")
PART_IDS = [part.id for part in RUBRIC.parts()]


@pytest.mark.parametrize(
    "value,text",
    [(3.0, "3"), (2.5, "2.5"), (1 / 3, "0.3333"), (0.66666, "0.6667"), (0.0, "0"), (-0.0, "0"),
     (-1e-9, "0"), (1234.5, "1234.5"), (0.1 + 0.2, "0.3"), (float("nan"), "0"), (10.0, "10")],
)
def test_fmt_number(value: float, text: str) -> None:
    assert fmt_number(value) == text


def _verdict(status: Status, score: float, feedback: str = "", **extra: object) -> Verdict:
    return Verdict(score=score, status=status, feedback=feedback, **extra)  # type: ignore[arg-type]


def _result(sid: str, name: str, statuses: list[tuple[Status, float, str | None]]) -> SubmissionResult:
    parts = []
    for part, (status, score, answer) in zip(RUBRIC.parts(), statuses, strict=True):
        parts.append(
            PartResult(part.id, round(score * part.points, 4), part.points, _verdict(status, score, f"{status.value}!"), answer)
        )
    return SubmissionResult(Student(sid, name, f"{sid}@x.org", sid), RUBRIC.assignment.id, SHA, tuple(parts))


ALL_RIGHT = [(Status.CORRECT, 1.0, "sqrt(2/d)"), (Status.CORRECT, 1.0, "4640"), (Status.CORRECT, 1.0, "[[1,2],[3,4]]"),
             (Status.CORRECT, 1.0, "after"), (Status.MANUAL, 0.0, "because")]
MIXED = [(Status.PARTIAL, 0.5, "1/sqrt(d)"), (Status.WRONG, 0.0, "4608"), (Status.INVALID, 0.0, "[[1,2],[3"),
         (Status.MISSING, 0.0, None), (Status.UNDECIDED, 0.0, "hmm")]
WRONG = [(Status.WRONG, 0.0, "2/d"), (Status.WRONG, 0.0, "4608"), (Status.WRONG, 0.0, "[[1,3],[2,4]]"),
         (Status.WRONG, 0.0, "before"), (Status.MISSING, 0.0, None)]


def test_gradebook_columns_order_and_numbers() -> None:
    results = [_result("200", "Zed, Jr.", MIXED), _result("100", "Ada", ALL_RIGHT)]
    text = gradebook_csv(PART_IDS, results)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["SID", "Name", "Email", "Total", "Max", "Pending", *PART_IDS]
    # a part waiting for a person (manual, undecided) is counted in Pending, its cell empty
    assert rows[1] == ["100", "Ada", "100@x.org", "5.5", "6.5", "1", "2", "1", "1.5", "1", ""]
    assert rows[2] == ["200", "Zed, Jr.", "200@x.org", "1", "6.5", "1", "1", "0", "0", "0", ""]
    assert text == gradebook_csv(PART_IDS, list(reversed(results)))  # order-independent


def _graded(result: SubmissionResult) -> Graded:
    return Graded(result, "ab" * 32, {"q1.he_std": "answers.yaml:3"}, ("student identified by folder name",), result.student.id)


def test_feedback_json_round_trip_is_byte_identical() -> None:
    graded = _graded(_result("100", "Ada", MIXED))
    text = feedback_json(graded)
    again = feedback_json(graded_from_json(json.loads(text)))
    assert again == text
    data = json.loads(text)
    assert data["submission_sha256"] == "ab" * 32 and data["total"] == 1.0
    assert list(data) == sorted(data)


def test_feedback_markdown_marks_invalid_manual_missing() -> None:
    text = feedback_markdown(_graded(_result("100", "Ada", MIXED)), RUBRIC)
    assert "**Total so far: 1 / 6.5** (1 part still to be graded by a person)" in text
    assert "## q1.he_std: 1 / 2 (partly correct)" in text
    assert "Your answer (answers.yaml:3): `1/sqrt(d)`" in text
    assert "**Could not be read:** invalid!" in text
    assert "No answer was found for this part." in text
    assert "**Left for a person**" in text
    manual = feedback_markdown(_graded(_result("1", "", ALL_RIGHT)), RUBRIC)
    assert "## q2.why: 0 / 1 (left for a person)" in manual


def _decided(result: SubmissionResult, part_id: str, fraction: float, comment: str) -> SubmissionResult:
    parts = tuple(
        dataclasses.replace(part, points=round(fraction * part.max_points, 4),
                            review=Review("decided", fraction, comment, "ta", 7))
        if part.part_id == part_id else part
        for part in result.parts
    )
    return dataclasses.replace(result, parts=parts)


def test_decisions_show_in_gradebook_feedback_and_summary() -> None:
    result = _decided(_result("100", "Ada", ALL_RIGHT), "q2.why", 1.0, "Clear   argument.")
    result = _decided(result, "q1.he_std", 0.5, "Half: the constant is off.")  # overrides 'correct'
    rows = list(csv.reader(io.StringIO(gradebook_csv(PART_IDS, [result]))))
    assert rows[1] == ["100", "Ada", "100@x.org", "5.5", "6.5", "0", "1", "1", "1.5", "1", "1"]
    text = feedback_markdown(_graded(result), RUBRIC)
    assert "**Total: 5.5 / 6.5**" in text
    assert "## q2.why: 1 / 1 (graded by a person)" in text
    assert "- Grader's comment: Clear argument." in text
    assert "Left for a person" not in text
    assert "- Automatic check: correct!" in text
    again = feedback_json(graded_from_json(json.loads(feedback_json(_graded(result)))))
    assert again == feedback_json(_graded(result))
    summary = summarize(RUBRIC, SHA, [result])
    assert summary.overrides == [{"student": "100", "part_id": "q1.he_std", "status": "correct",
                                  "automatic_points": 2.0, "points": 1.0, "comment": "Half: the constant is off."}]
    assert summary.to_json()["review"] == {"pending": 0, "reconfirm": 0, "decided": 2}
    assert "review: 2 answer(s) decided by a person, 0 waiting; 1 override(s)" in summary_table(summary)


def test_json_never_writes_nan() -> None:
    text = dumps_json({"b": float("nan"), "a": (1, float("inf"))})
    assert json.loads(text) == {"a": [1, "inf"], "b": "nan"}


def test_summary_statistics() -> None:
    results = [_result("1", "", ALL_RIGHT), _result("2", "", MIXED), _result("3", "", WRONG), _result("4", "", WRONG)]
    summary = summarize(RUBRIC, SHA, results, ["a problem"])
    assert summary.n_students == 4 and summary.max_total == 6.5
    by_id = {part.part_id: part for part in summary.parts}
    assert by_id["q1.he_std"].pct_correct == 25.0
    assert by_id["q1.count"].common_wrong == [("4608", 3)]
    assert by_id["q1.he_std"].common_wrong == [("2/d", 2), ("1/sqrt(d)", 1)]
    assert by_id["q2.mean"].pct_invalid == 25.0
    assert by_id["q2.where"].pct_missing == 25.0
    assert by_id["q2.why"].pct_review == 50.0  # manual + undecided
    assert summary.histogram[0] == 2  # WRONG twice: 0 points
    assert summary.histogram[1] == 1  # 1 / 6.5 = 15%
    assert summary.histogram[8] == 1  # 5.5 / 6.5 = 85%
    assert summary.dumps() == summarize(RUBRIC, SHA, list(reversed(results)), ["a problem"]).dumps()
    table = summary_table(summary)
    assert "q1.count" in table and "4608 (x3)" in table


def test_file_stem() -> None:
    assert file_stem("ada@uni.edu") == "ada@uni.edu"
    assert file_stem("../etc/passwd") == "_etc_passwd"
    assert file_stem("  ") == "student"


# --------------------------------------------------------------------------- atomic


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "f.txt"
    write_text_atomic(target, "one\n")
    write_text_atomic(target, "two\n")
    assert target.read_text() == "two\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["f.txt"]


def test_atomic_write_failure_keeps_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "f.txt"
    write_text_atomic(target, "old\n")

    def boom(src: str, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(OSError):
        write_text_atomic(target, "new\n")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]


def test_clean_temp_files(tmp_path: Path) -> None:
    (tmp_path / ".f.json.abc.tmp").write_text("partial")
    (tmp_path / "keep.json").write_text("{}")
    assert clean_temp_files(tmp_path) == 1
    assert os.listdir(tmp_path) == ["keep.json"]


def test_feedback_part_sections_shared_between_students_never_stale() -> None:
    """A part's Markdown is rendered once per distinct (answer, verdict, source, review, ...):
    two students with the same answer get the same text, and anything that differs (a
    person's decision, another source, other feedback) gives its own text."""
    ada, bob = _graded(_result("100", "Ada", MIXED)), _graded(_result("200", "Bob", MIXED))
    first, second = feedback_markdown(ada, RUBRIC), feedback_markdown(bob, RUBRIC)
    assert first.split("\n", 1)[1].replace("Ada (100)", "Bob (200)") == second.split("\n", 1)[1]
    decided = dataclasses.replace(ada.result.parts[4], review=Review("decided", 1.0, "good argument", "ta"))
    reviewed = dataclasses.replace(ada, result=dataclasses.replace(ada.result, parts=(*ada.result.parts[:4], decided)))
    text = feedback_markdown(reviewed, RUBRIC)
    assert "Grader's comment: good argument" in text and "Grader's comment" not in first
    moved = dataclasses.replace(ada, sources={"q1.he_std": "hw.tex:9"})
    assert "Your answer (hw.tex:9): `1/sqrt(d)`" in feedback_markdown(moved, RUBRIC)
    other = _graded(_result("300", "Cy", [(Status.PARTIAL, 0.5, "1/sqrt(d)"), *MIXED[1:]]))
    renamed = dataclasses.replace(other.result.parts[0], verdict=_verdict(Status.PARTIAL, 0.5, "other words"))
    changed = dataclasses.replace(other, result=dataclasses.replace(other.result, parts=(renamed, *other.result.parts[1:])))
    assert "- Feedback: other words" in feedback_markdown(changed, RUBRIC)
    assert feedback_markdown(ada, RUBRIC) == first  # and the first text is unchanged
