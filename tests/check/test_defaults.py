"""Defaults a TA can trust (issue 9, item 1): integer counts exact, no absolute floor,
rtol relative to the expected value, exact boundaries, tuples/sets without partial credit.

Every case goes through a real rubric (pydantic models), ``context_for`` and ``check_part``,
so the defaults are the ones a rubric without a tolerance gets.
"""

from __future__ import annotations

from typing import Any

import pytest

from grader.check.engine import check_part, context_for
from grader.check.verdict import Status
from grader.key import KeyPart
from grader.rubric.models import Rubric

from .helpers import needs_parser


def grade(answer: dict[str, Any], raw: Any, defaults: dict[str, Any] | None = None) -> tuple[Status, float, str]:
    rubric = Rubric.model_validate(
        {
            "assignment": {"id": "a", "title": "defaults"},
            "defaults": defaults or {},
            "questions": [{"id": "q", "parts": [{"id": "q.p", "points": 1, "prompt": "p", "answer": answer}]}],
        }
    )
    part = rubric.parts()[0]
    verdict = check_part(part, KeyPart(kind=answer["kind"], expected=answer["expected"]), raw, context_for(rubric, part))
    return verdict.status, verdict.score, verdict.feedback


RIGHT, WRONG = Status.CORRECT, Status.WRONG

NUMBER_DEFAULT_CASES = [
    # (name, answer spec, raw answer, rubric defaults, status)
    ("count: exact answer", {"kind": "number", "expected": 96096}, "96096", None, RIGHT),
    ("count: without its bias terms", {"kind": "number", "expected": 96096}, "96000", None, WRONG),
    ("count: off by one", {"kind": "number", "expected": 96096}, 96095, None, WRONG),
    ("count: as a float", {"kind": "number", "expected": 96096}, "96096.0", None, RIGHT),
    ("count: scientific notation", {"kind": "number", "expected": 96096}, r"9.6096 \times 10^{4}", None, RIGHT),
    ("count: as a product", {"kind": "number", "expected": 96096}, "96*1001", None, RIGHT),
    ("count: exact text in the key", {"kind": "number", "expected": "96096"}, "96000", None, WRONG),
    ("count: rubric default tolerance does not relax it", {"kind": "number", "expected": 96096}, "96000", {"tolerance": {"rtol": 0.01}}, WRONG),
    ("count: the part's own tolerance relaxes it", {"kind": "number", "expected": 96096, "tolerance": {"rtol": 0.01}}, "96000", None, RIGHT),
    ("count: a big exact value, off by one", {"kind": "number", "expected": 2**150}, "2^150 + 1", None, WRONG),
    ("count: a big exact value", {"kind": "number", "expected": 2**150}, "2^150", None, RIGHT),
    ("computed float 2.0 keeps rtol", {"kind": "number", "expected": 2.0}, "1.9995", None, RIGHT),
    ("computed float 2.0 outside rtol", {"kind": "number", "expected": 2.0}, "1.99", None, WRONG),
    ("tiny expected: no absolute floor", {"kind": "number", "expected": 3e-9}, "1e-9", None, WRONG),
    ("tiny expected: zero answer", {"kind": "number", "expected": 3e-9}, "0", None, WRONG),
    ("tiny expected: relative agreement", {"kind": "number", "expected": 3e-9}, "3.002e-9", None, RIGHT),
    ("rtol is relative to the expected value", {"kind": "number", "expected": 1.0, "tolerance": {"rtol": 0.6}}, "2", None, WRONG),
    ("boundary above (1.05 vs 1, rtol .05)", {"kind": "number", "expected": 1.0, "tolerance": {"rtol": 0.05}}, "1.05", None, RIGHT),
    ("boundary below (0.95 vs 1, rtol .05)", {"kind": "number", "expected": 1.0, "tolerance": {"rtol": 0.05}}, "0.95", None, RIGHT),
    ("just beyond the boundary", {"kind": "number", "expected": 1.0, "tolerance": {"rtol": 0.05}}, "1.0500001", None, WRONG),
    ("boundary with atol (0.3 vs 0.1, atol .2)", {"kind": "number", "expected": 0.1, "tolerance": {"atol": 0.2, "rtol": 0}}, "0.3", None, RIGHT),
    ("boundary as a JSON float", {"kind": "number", "expected": 1.0, "tolerance": {"rtol": 0.05}}, 1.05, None, RIGHT),
    ("decimals boundary is strict", {"kind": "number", "expected": 0.5, "tolerance": {"decimals": 2}}, "0.5051", None, WRONG),
    ("decimals inside", {"kind": "number", "expected": 0.5, "tolerance": {"decimals": 2}}, "0.505", None, RIGHT),
    ("exact fraction key, decimal answer", {"kind": "number", "expected": "1/3"}, "0.3333", None, RIGHT),
    ("exact fraction key, coarse answer", {"kind": "number", "expected": "1/3"}, "0.33", None, WRONG),
    ("irrational key", {"kind": "number", "expected": "sqrt(2)"}, "1.4142", None, RIGHT),
    ("irrational key, wrong", {"kind": "number", "expected": "sqrt(2)"}, "1.41", None, WRONG),
    ("integer key, irrational answer equal to it", {"kind": "number", "expected": 1}, "(sqrt(2)+1)*(sqrt(2)-1)", None, RIGHT),
    ("integer key, irrational answer close to it", {"kind": "number", "expected": 3}, "pi", None, WRONG),
    ("array boundary (1.05 vs 1, rtol .05)", {"kind": "array", "expected": [1.0, 2.0], "tolerance": {"rtol": 0.05}}, [1.05, 2.1], None, RIGHT),
    ("array just beyond the boundary", {"kind": "array", "expected": [1.0, 2.0], "tolerance": {"rtol": 0.05}}, [1.05, 2.1000001], None, WRONG),
    ("array: tiny entries, no absolute floor", {"kind": "array", "expected": [3e-9, 1.0]}, [1e-9, 1.0], None, WRONG),
    ("zero key with atol", {"kind": "number", "expected": 0.0, "tolerance": {"atol": 1e-6}}, "1e-7", None, RIGHT),
    ("zero key beyond atol", {"kind": "number", "expected": 0.0, "tolerance": {"atol": 1e-6}}, "1e-5", None, WRONG),
    # atol set alone is the whole tolerance (no default rtol added): |3.14 - pi| = 0.0016
    ("atol alone is absolute only", {"kind": "number", "expected": "pi", "tolerance": {"atol": 0.001}}, "3.14", None, WRONG),
    ("atol alone, inside", {"kind": "number", "expected": "pi", "tolerance": {"atol": 0.001}}, "3.1412", None, RIGHT),
    ("atol alone on a large value", {"kind": "number", "expected": 1000.5, "tolerance": {"atol": 0.01}}, "1000", None, WRONG),
    ("atol with rtol adds up", {"kind": "number", "expected": "pi", "tolerance": {"atol": 0.001, "rtol": 0.001}}, "3.14", None, RIGHT),
    ("defaults.tolerance atol alone", {"kind": "number", "expected": 1000.5}, "1000", {"tolerance": {"atol": 0.01}}, WRONG),
]


@needs_parser
@pytest.mark.parametrize(("answer", "raw", "defaults", "status"), [c[1:] for c in NUMBER_DEFAULT_CASES], ids=[c[0] for c in NUMBER_DEFAULT_CASES])
def test_number_defaults(answer: dict[str, Any], raw: Any, defaults: dict[str, Any] | None, status: Status) -> None:
    got, score, feedback = grade(answer, raw, defaults)
    assert got is status, feedback
    assert score == (1.0 if status is RIGHT else 0.0)


def test_integer_feedback_says_the_value_must_be_exact() -> None:
    _status, _score, feedback = grade({"kind": "number", "expected": 96096}, "96000")
    assert "exact" in feedback and "96096" not in feedback


COLLECTION_DEFAULT_CASES = [
    # (name, answer spec, raw answer, status, score)
    ("tuple: extra element", {"kind": "tuple", "expected": ["a", "b"]}, "(a, b, c)", WRONG, 0.0),
    ("tuple: missing element", {"kind": "tuple", "expected": ["a", "b", "c"]}, "(a, b)", WRONG, 0.0),
    ("tuple: right", {"kind": "tuple", "expected": ["a", "b"]}, "(a, b)", RIGHT, 1.0),
    ("set: extra element", {"kind": "set", "expected": ["1", "2"]}, "{1, 2, 3}", WRONG, 0.0),
    ("set: missing element", {"kind": "set", "expected": ["1", "2", "3"]}, "{1, 3}", WRONG, 0.0),
    ("set: repeated element counts once", {"kind": "set", "expected": ["1", "2"]}, "{2, 1, 1}", RIGHT, 1.0),
    ("set: repeated element cannot stand for another", {"kind": "set", "expected": ["1", "2"]}, "{1, 1}", WRONG, 0.0),
    ("set: partial credit when asked", {"kind": "set", "expected": ["1", "2", "3"], "partial_credit": True}, "{1, 3}", Status.PARTIAL, 2 / 3),
    ("set: repeated items with partial credit", {"kind": "set", "expected": ["1", "2"], "partial_credit": True}, "{1, 1, 1}", Status.PARTIAL, 0.5),
    ("tuple: integer items exact", {"kind": "tuple", "expected": [96096, 10]}, "(96000, 10)", WRONG, 0.0),
    ("tuple: numeric items use rtol", {"kind": "tuple", "expected": ["1/3", "a"], "tolerance": {"rtol": 0.01}}, "(0.332, a)", RIGHT, 1.0),
    ("tuple: numeric items outside rtol", {"kind": "tuple", "expected": ["1/3", "a"], "tolerance": {"rtol": 0.001}}, "(0.332, a)", WRONG, 0.0),
]


@needs_parser
@pytest.mark.parametrize(("answer", "raw", "status", "score"), [c[1:] for c in COLLECTION_DEFAULT_CASES], ids=[c[0] for c in COLLECTION_DEFAULT_CASES])
def test_collection_defaults(answer: dict[str, Any], raw: Any, status: Status, score: float) -> None:
    got, got_score, feedback = grade({**answer, "symbols": {"a": {}, "b": {}, "c": {}}}, raw)
    assert got is status, feedback
    assert got_score == pytest.approx(score)
