"""results.json documents: visibility, format check, caps, NaN handling, schema validity (fast)."""

from __future__ import annotations

import json
import math

import pytest

from grader.check.verdict import Status, Verdict
from grader.gradescope.results import (
    FORMAT_CHECK_NAME,
    REVIEW_MESSAGE,
    TEST_OUTPUT_MAX,
    clip,
    dumps_results,
    enforce_caps,
    failure_results,
    finite,
    graded_results,
    most_restrictive,
    placeholder_results,
)
from grader.gradescope.samples import check_document
from grader.results import PartResult, Student, SubmissionResult
from grader.rubric.load import parse_rubric_text

from .helpers import SMALL_RUBRIC, validate


@pytest.fixture(scope="module")
def rubric():
    return parse_rubric_text(SMALL_RUBRIC)[0]


def _part(part_id: str, points: float, score: float, status: Status, feedback: str = "", answer: str | None = "x") -> PartResult:
    verdict = Verdict(score=score, status=status, feedback=feedback, shown=answer or "")
    return PartResult(part_id=part_id, points=round(score * points, 4), max_points=points, verdict=verdict, answer=answer)


def _result(parts: list[PartResult], problems: tuple[str, ...] = ()) -> SubmissionResult:
    return SubmissionResult(
        student=Student(id="s1"), assignment="gs-small", rubric_sha256="ab" * 32, parts=tuple(parts), problems=problems
    )


def _standard(rubric) -> dict:
    parts = [
        _part("q1.a", 2, 1.0, Status.CORRECT, "Correct."),
        _part("q1.b", 1, 0.0, Status.INVALID, "unexpected ')' at column 3", answer="6)"),
        _part("q1.c", 3, 0.0, Status.MANUAL, "left for a person", answer="because"),
        _part("q2.a", 1.5, 0.0, Status.MISSING, "No answer was given for this part.", answer=None),
    ]
    return graded_results(rubric, _result(parts), sources={"q1.a": "answers.yaml:3"}, notes=["found answers.yaml"],
                          execution_time=1.25, extra={"student": "s1"})


def test_graded_results_is_valid_and_scored(rubric):
    doc = _standard(rubric)
    validate(doc)
    assert check_document(doc) == []
    assert doc["score"] == 2
    assert doc["output_format"] == "md" and doc["test_output_format"] == "md"
    extra = doc["extra_data"]
    assert extra["rubric_sha256"] == "ab" * 32 and extra["assignment"] == "gs-small"
    assert extra["grader_version"] and extra["rubric_version"] == "3"
    assert extra["autograded_points"] == 4.5  # 2 + 1 + 1.5; the manual part is outside
    numbers = [test["number"] for test in doc["tests"]]
    assert numbers == ["0", "q1.a", "q1.b", "q2.a"]  # the manual part q1.c is not a test
    by_number = {test["number"]: test for test in doc["tests"]}
    assert by_number["q1.a"]["status"] == "passed" and by_number["q1.a"]["score"] == 2
    assert "answers.yaml:3" in by_number["q1.a"]["output"]
    assert by_number["q1.a"]["name"].startswith("q1.a: The value of 1/2")
    assert by_number["q1.b"]["status"] == "failed" and "Could not be read" in by_number["q1.b"]["output"]
    assert "`q1.c` (3 points)" in doc["output"] and "Graded by a person" in doc["output"]
    assert all(len(test["tags"]) == len(set(test["tags"])) for test in doc["tests"])


def test_visibility_follows_rubric_and_format_check_is_visible(rubric):
    doc = _standard(rubric)
    by_number = {test["number"]: test for test in doc["tests"]}
    assert by_number["q1.a"]["visibility"] == "after_due_date"  # defaults.visibility
    assert by_number["q1.b"]["visibility"] == "visible"  # part override
    assert by_number["q2.a"]["visibility"] == "hidden"
    assert by_number["0"]["visibility"] == "visible"
    assert doc["visibility"] == "hidden"  # the most restrictive of the graded parts


def test_most_restrictive_order():
    assert most_restrictive([]) == "visible"
    assert most_restrictive(["visible", "after_due_date"]) == "after_due_date"
    assert most_restrictive(["after_published", "after_due_date"]) == "after_published"
    assert most_restrictive(["visible", "hidden", "after_published"]) == "hidden"


def test_format_check_lists_unreadable_and_missing(rubric):
    doc = _standard(rubric)
    check = doc["tests"][0]
    assert check["name"] == FORMAT_CHECK_NAME
    assert check["max_score"] == 0 and check["score"] == 0 and check["status"] == "failed"
    assert "`q1.b`" in check["output"] and "unexpected ')'" in check["output"]
    assert "`q2.a`" in check["output"]
    assert "`q1.c`" not in check["output"]  # manual parts are never "missing"


def test_format_check_passes_when_everything_reads(rubric):
    parts = [
        _part("q1.a", 2, 0.0, Status.WRONG, "Not equal."),
        _part("q1.b", 1, 1.0, Status.CORRECT),
        _part("q1.c", 3, 0.0, Status.MANUAL),
        _part("q2.a", 1.5, 1.0, Status.CORRECT),
    ]
    doc = graded_results(rubric, _result(parts))
    assert doc["tests"][0]["status"] == "passed"
    assert "Not equal" not in doc["tests"][0]["output"]  # correctness is not leaked there
    validate(doc)


def test_problems_with_files_are_shown_in_the_format_check(rubric):
    parts = [_part(p, pts, 0.0, Status.MISSING, answer=None) for p, pts in (("q1.a", 2), ("q1.b", 1), ("q1.c", 3), ("q2.a", 1.5))]
    doc = graded_results(rubric, _result(parts, problems=("answers.yaml:4: bad indentation",)))
    assert "answers.yaml:4: bad indentation" in doc["tests"][0]["output"]
    assert doc["score"] == 0
    validate(doc)


def test_review_parts_are_flagged(rubric):
    parts = [
        _part("q1.a", 2, 0.0, Status.TIMEOUT, "ran out of time"),
        _part("q1.b", 1, 1.0, Status.CORRECT),
        _part("q1.c", 3, 0.0, Status.MANUAL),
        _part("q2.a", 1.5, 0.0, Status.UNDECIDED, "could not decide"),
    ]
    doc = graded_results(rubric, _result(parts))
    assert doc["extra_data"]["needs_review"] is True
    assert doc["extra_data"]["review_parts"] == ["q1.a", "q2.a"]
    assert "Left for a person" in doc["tests"][1]["output"]
    check = doc["tests"][0]
    assert check["visibility"] == "visible" and "Needs review by course staff" in check["output"]
    assert "`q1.a`, `q2.a`" in check["output"] and "Needs review" in doc["output"]


@pytest.mark.parametrize("status", [Status.INVALID, Status.UNDECIDED, Status.TIMEOUT, Status.ERROR])
def test_needs_review_for_each_unsure_status(rubric, status):
    parts = [
        _part("q1.a", 2, 0.0, status, "something"),
        _part("q1.b", 1, 1.0, Status.CORRECT),
        _part("q1.c", 3, 0.0, Status.MANUAL),
        _part("q2.a", 1.5, 1.0, Status.CORRECT),
    ]
    doc = graded_results(rubric, _result(parts))
    assert doc["extra_data"]["needs_review"] is True and doc["extra_data"]["review_parts"] == ["q1.a"]
    assert "Needs review" in doc["tests"][0]["output"]


def test_wrong_and_missing_answers_need_no_review(rubric):
    parts = [
        _part("q1.a", 2, 0.0, Status.WRONG, "Not equal."),
        _part("q1.b", 1, 0.0, Status.MISSING, answer=None),
        _part("q1.c", 3, 0.0, Status.MANUAL),  # manual parts are graded on Gradescope, not flagged here
        _part("q2.a", 1.5, 1.0, Status.CORRECT),
    ]
    doc = graded_results(rubric, _result(parts))
    assert doc["extra_data"]["needs_review"] is False and "Needs review" not in json.dumps(doc)


def test_a_manual_only_rubric_has_only_the_format_check():
    manual_only = parse_rubric_text(
        "assignment: {id: essay, title: Essay, version: '1'}\n"
        "questions:\n  - id: q1\n    parts:\n"
        "      - {id: q1.a, points: 4, prompt: Explain., answer: {kind: manual}}\n"
    )[0]
    doc = graded_results(manual_only, _result([_part("q1.a", 4, 0.0, Status.MANUAL, answer="because")]))
    validate(doc)
    assert [test["number"] for test in doc["tests"]] == ["0"]
    assert doc["score"] == 0 and doc["extra_data"]["autograded_points"] == 0
    assert doc["extra_data"]["needs_review"] is False and "`q1.a` (4 points)" in doc["output"]


def test_placeholder_and_failure_documents_are_valid(rubric):
    placeholder = placeholder_results()
    validate(placeholder)
    assert placeholder["score"] == 0 and "did not finish" in placeholder["output"]
    bare = failure_results("KeyError: 'parts'")
    validate(bare)
    assert "needs manual review" in bare["output"]
    full = failure_results("AnswerKeyError: bad key", rubric, rubric_sha256="cd" * 32, execution_time=0.5)
    validate(full)
    assert full["score"] == 0
    assert [test["number"] for test in full["tests"]] == ["0", "q1.a", "q1.b", "q2.a"]
    assert all(test["score"] == 0 and test["visibility"] == "visible" for test in full["tests"])
    assert full["tests"][0]["output"] == REVIEW_MESSAGE
    assert "bad key" in full["extra_data"]["error"] and "bad key" not in json.dumps(full["tests"])


def test_nan_and_infinity_become_zero_with_a_message():
    doc = {"score": math.nan, "tests": [{"name": "t", "score": math.inf, "max_score": 1.0, "output": "x"}],
           "extra_data": {"weird": -math.inf}}
    text = dumps_results(doc)
    parsed = json.loads(text)  # strict: json.loads accepts NaN, so check the text too
    assert "NaN" not in text and "Infinity" not in text
    assert parsed["score"] == 0 and parsed["tests"][0]["score"] == 0
    assert "counted as 0" in parsed["output"]
    assert parsed["extra_data"]["needs_review"] is True
    validate(parsed)


def test_finite_helper():
    notes: list[str] = []
    assert finite(1.5, notes) == 1.5 and notes == []
    assert finite(float("nan"), notes) == 0.0 and len(notes) == 1
    assert finite("junk", notes) == 0.0 and len(notes) == 2
    assert finite(None) == 0.0


def test_each_test_output_is_capped(rubric):
    parts = [
        _part("q1.a", 2, 0.0, Status.WRONG, "y" * 50_000, answer="z" * 200_000),
        _part("q1.b", 1, 1.0, Status.CORRECT),
        _part("q1.c", 3, 0.0, Status.MANUAL),
        _part("q2.a", 1.5, 0.0, Status.INVALID, "w" * 50_000, answer="v" * 200_000),
    ]
    text = dumps_results(graded_results(rubric, _result(parts)))
    doc = json.loads(text)
    validate(doc)
    assert all(len(test["output"]) <= TEST_OUTPUT_MAX for test in doc["tests"])
    assert "shortened" in doc["tests"][1]["output"]


def test_total_size_is_capped():
    tests = [{"name": f"t{i}", "score": 0, "max_score": 1, "output": "é" * 4000, "extra_data": {"blob": "b" * 5000}}
             for i in range(400)]
    doc = enforce_caps({"score": 0, "tests": tests, "extra_data": {"rubric_sha256": "x", "big": "q" * 2_000_000}})
    size = len(json.dumps(doc, ensure_ascii=False).encode("utf-8"))
    assert size <= 1_000_000
    assert doc["score"] == 0 and doc["extra_data"] == {"rubric_sha256": "x"}
    validate(doc)


def test_clip():
    assert clip("abc", 10) == "abc"
    cut = clip("a" * 100, 50)
    assert len(cut) <= 50 and cut.endswith("(output shortened)")


def test_check_document_catches_what_the_schema_catches():
    assert check_document([]) == ["results.json is not an object"]
    assert check_document({"tests": []}) == ["no score anywhere"]
    problems = check_document({"score": 1, "bogus": 1, "tests": [{"score": 1, "status": "ok", "visibility": "later"}]})
    assert any("bogus" in p for p in problems) and any("status" in p for p in problems)
    assert any("visibility" in p for p in problems)


def test_caret_diagrams_stay_aligned_in_a_fenced_block(rubric):
    feedback = "unexpected ')'\n6)\n ^"
    parts = [
        _part("q1.a", 2, 0.0, Status.INVALID, feedback, answer="6)"),
        _part("q1.b", 1, 1.0, Status.CORRECT),
        _part("q1.c", 3, 0.0, Status.MANUAL),
        _part("q2.a", 1.5, 1.0, Status.CORRECT),
    ]
    doc = graded_results(rubric, _result(parts))
    for output in (doc["tests"][0]["output"], doc["tests"][1]["output"]):
        assert "unexpected ')'\n\n  ~~~\n  6)\n   ^\n  ~~~" in output
