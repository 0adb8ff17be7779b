"""check_part: missing, invalid, manual, mistakes, policy, key errors; context_for."""

from __future__ import annotations

import pytest

from grader.check.engine import check_part, context_for
from grader.check.verdict import Status
from grader.key import KeyPart
from grader.rubric.models import Part, Rubric

from .helpers import make_ctx


def _part(answer: dict, mistakes: list[dict] | None = None) -> Part:
    return Part.model_validate({"id": "q1.a", "points": 2, "prompt": "p", "answer": answer, "mistakes": mistakes or []})


ARRAY_PART = _part(
    {"kind": "array", "expected": [[1, 2], [3, 4]]},
    [
        {"id": "transposed", "transform": "transpose", "score": 0.5, "feedback": "you transposed it"},
        {"id": "doubled", "match": [[2, 4], [6, 8]], "score": 0, "feedback": "forgot the 1/2", "note": "half"},
    ],
)
ARRAY_KEY = KeyPart(kind="array", expected=[[1, 2], [3, 4]], mistakes={"transposed": [[1, 3], [2, 4]], "doubled": [[2, 4], [6, 8]]})

ENGINE_CASES = [
    # (name, raw, status, score, rule)
    ("correct", [[1, 2], [3, 4]], Status.CORRECT, 1.0, None),
    ("mistake with credit", [[1, 3], [2, 4]], Status.PARTIAL, 0.5, "transposed"),
    ("mistake without credit", [[2, 4], [6, 8]], Status.WRONG, 0.0, "doubled"),
    ("plain wrong", [[9, 9], [9, 9]], Status.WRONG, 0.0, None),
    ("missing", None, Status.MISSING, 0.0, None),
    ("blank", "   ", Status.MISSING, 0.0, None),
    ("empty list", [], Status.MISSING, 0.0, None),
    ("unreadable", [[1, 2], [3]], Status.INVALID, 0.0, None),
]


@pytest.mark.parametrize(("raw", "status", "score", "rule"), [c[1:] for c in ENGINE_CASES], ids=[c[0] for c in ENGINE_CASES])
def test_check_part_array(raw, status: Status, score: float, rule: str | None) -> None:
    verdict = check_part(ARRAY_PART, ARRAY_KEY, raw, make_ctx())
    assert verdict.status is status
    assert verdict.score == score
    assert verdict.rule == rule
    if status is Status.INVALID:
        assert "not graded as wrong" in verdict.feedback
    if rule == "doubled":
        assert verdict.note == "half" and verdict.feedback == "forgot the 1/2"


def test_manual_part() -> None:
    part = _part({"kind": "manual"})
    verdict = check_part(part, KeyPart(kind="manual", expected=None), "It is because ...", make_ctx())
    assert verdict.status is Status.MANUAL and verdict.score == 0


def test_bad_key_is_error_not_wrong() -> None:
    part = _part({"kind": "array", "expected": [[1, 2]]})
    verdict = check_part(part, KeyPart(kind="array", expected=[[1, 2], [3]]), [[1, 2]], make_ctx())
    assert verdict.status is Status.ERROR


def test_context_for_merges_rubric_defaults() -> None:
    rubric = Rubric.model_validate(
        {
            "assignment": {"id": "a1", "title": "A1"},
            "defaults": {"symbols": {"d": {"domain": "positive"}}, "undecided": "reject", "tolerance": {"rtol": 0.01}},
            "questions": [{"id": "q1", "parts": [
                {"id": "q1.a", "points": 1, "prompt": "p", "answer": {"kind": "expression", "expected": "d", "symbols": {"n": {"domain": "positive_integer"}}}},
                {"id": "q1.b", "points": 1, "prompt": "p", "answer": {"kind": "number", "expected": 1, "tolerance": {"sigfigs": 3}}},
            ]}],
        }
    )
    first, second = rubric.parts()
    ctx = context_for(rubric, first, seed=3)
    assert set(ctx.symbols) == {"d", "n"} and ctx.undecided.value == "reject" and ctx.part_id == "q1.a"
    assert context_for(rubric, second).tolerance.sigfigs == 3
    assert context_for(rubric, first, 3).seed == ctx.seed != context_for(rubric, second, 3).seed


def test_a_rule_with_full_credit_is_correct_with_its_note() -> None:
    part = _part(
        {"kind": "number", "expected": 2.0},
        [{"id": "other_convention", "match": -2.0, "score": 1, "feedback": "sign convention accepted"}],
    )
    key = KeyPart(kind="number", expected=2.0, mistakes={"other_convention": -2.0})
    verdict = check_part(part, key, "-2", make_ctx())
    assert verdict.status is Status.CORRECT and verdict.score == 1.0
    assert verdict.rule == "other_convention" and verdict.feedback == "sign convention accepted"
