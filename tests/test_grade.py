"""Grading: pure steps (normalize, plan, score), the batch with the real engine and pool,
workers-independence, resume after a SIGKILL, no torch, and the click commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.check.verdict import Status, Verdict
from grader.grade import normalize_answer, plan_checks, score_extraction
from grader.results import Student
from grader.rubric.load import load_rubric
from grader.submission.commands import extract as extract_command
from grader.submission.commands import grade_command, template
from grader.submission.extract import Extraction

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "submission" / "fixtures"
MINI = FIXTURES / "mini.yaml"
RUBRIC, SHA = load_rubric(MINI)


# --------------------------------------------------------------------------- pure steps

NORMALIZE_CASES = [
    ("text stripped and collapsed", "  x  +\n y ", ("x + y", "x + y")),
    ("empty text", "  \n", None),
    ("none", None, None),
    ("integer", 3, ("3", 3)),
    ("float", 0.5, ("0.5", 0.5)),
    ("list canonical", [[1, 2], [3, 4]], ("[[1,2],[3,4]]", [[1, 2], [3, 4]])),
    ("mapping key order", {"b": 1, "a": [2]}, ('{"a":[2],"b":1}', {"a": [2], "b": 1})),
]


@pytest.mark.parametrize("name,raw,expected", NORMALIZE_CASES, ids=[c[0] for c in NORMALIZE_CASES])
def test_normalize_answer(name: str, raw: object, expected: object) -> None:
    assert normalize_answer(raw) == expected


def _extraction(sid: str, answers: dict[str, object], **extra: object) -> Extraction:
    return Extraction(answers=answers, student=Student(sid, folder=sid), **extra)  # type: ignore[arg-type]


def test_plan_checks_deduplicates_across_students_in_rubric_order() -> None:
    extractions = [
        _extraction("a", {"q2.where": "after", "q1.count": "4640"}),
        _extraction("b", {"q1.count": " 4640 ", "q2.where": "after", "q2.mean": [[1, 2], [3, 4]]}),
        _extraction("c", {"q2.mean": [[1, 2], [3, 4]], "unknown": "x"}),
        _extraction("d", {"q1.count": "1"}, wrong_assignment="other"),
    ]
    checks = plan_checks(RUBRIC, extractions)
    assert list(checks) == [("q1.count", "4640"), ("q2.mean", "[[1,2],[3,4]]"), ("q2.where", "after")]


def test_score_extraction_points_missing_and_wrong_assignment() -> None:
    verdicts = {
        ("q1.he_std", "1/sqrt(d)"): Verdict(0.5, Status.PARTIAL, "half", rule="xavier"),
        ("q1.count", "4640"): Verdict(1.0, Status.CORRECT, "ok"),
        ("q2.mean", "[[1,2],[3,4]]"): Verdict(1 / 3, Status.PARTIAL, "a third"),
    }
    graded = score_extraction(
        RUBRIC, SHA, _extraction("a", {"q1.he_std": "1/sqrt(d)", "q1.count": 4640, "q2.mean": [[1, 2], [3, 4]]}), verdicts
    )
    points = {part.part_id: part.points for part in graded.result.parts}
    assert points == {"q1.he_std": 1.0, "q1.count": 1.0, "q2.mean": 0.5, "q2.where": 0.0, "q2.why": 0.0}
    statuses = {part.part_id: part.verdict.status for part in graded.result.parts}
    assert statuses["q2.where"] is Status.MISSING
    assert graded.result.total == 2.5 and graded.stem == "a"
    other = score_extraction(RUBRIC, SHA, _extraction("b", {"q1.count": 4640}, wrong_assignment="hw9"), verdicts)
    assert other.result.total == 0 and "hw9" in other.result.parts[1].verdict.feedback


# --------------------------------------------------------------------------- commands without the engine


def test_template_yaml_lists_every_part_and_reads_back_empty(tmp_path: Path) -> None:
    result = CliRunner().invoke(template, [str(MINI)])
    assert result.exit_code == 0, result.output
    from grader.submission.answers_file import parse_answers_yaml

    doc = parse_answers_yaml(result.output)
    assert doc.problems == [] and doc.answers == {} and doc.assignment == "mini-hw"
    for part in RUBRIC.parts():
        assert f'  {part.id}: ""' in result.output
        assert part.prompt in result.output


def test_template_tex_round_trips_through_the_scanner(tmp_path: Path) -> None:
    out = tmp_path / "hw.tex"
    result = CliRunner().invoke(template, [str(MINI), "--format", "tex", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "\\newcommand{\\answer}[2]" in text
    from grader.submission.writeup import scan_writeup

    doc = scan_writeup(text, "hw.tex")
    assert [tag.part_id for tag in doc.tagged] == [part.id for part in RUBRIC.parts()]
    assert all(tag.body == "" for tag in doc.tagged)


def test_template_bad_rubric_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("assignment: [\n")
    result = CliRunner().invoke(template, [str(bad)])
    assert result.exit_code == 1


def test_extract_command_lists_sources_and_missing(tmp_path: Path) -> None:
    folder = tmp_path / "jdoe"
    folder.mkdir()
    (folder / "answers.yaml").write_text("answers:\n  q1.count: 4640\n  q1.he-std: x\n")
    result = CliRunner().invoke(extract_command, [str(folder), "--rubric", str(MINI), "--no-read"])
    assert result.exit_code == 0, result.output
    assert "q1.count  [answers.yaml:2]  (number)" in result.output
    assert "missing (4): q1.he_std, q2.mean, q2.where, q2.why" in result.output
    assert "did you mean q1.he_std?" in result.output


def test_grade_usage_error_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(grade_command, [str(MINI), str(tmp_path / "does-not-exist")])
    assert result.exit_code == 2
