"""Integer-valued symbols and sum bounds (issue 9, item 6): numeric confirmation draws
integers beyond the probe set, and a difference that is a nonzero polynomial is wrong, so
``undecided: accept_if_numeric`` never accepts a term that vanishes on the probes."""

from __future__ import annotations

from typing import Any

import pytest

from grader.check.engine import check_part, context_for
from grader.check.verdict import Status
from grader.key import KeyPart
from grader.rubric.models import Rubric

from .helpers import needs_parser

RECEPTIVE_FIELD = {
    "kind": "expression",
    "undecided": "accept_if_numeric",
    "expected": "1 + Sum((k(i) - 1)*Product(s(j), (j, 1, i - 1)), (i, 1, n))",
    "symbols": {"n": {"domain": "positive_integer"}, "i": {"domain": "positive_integer"}, "j": {"domain": "positive_integer"}},
    "functions": {"k": {"args": ["i"]}, "s": {"args": ["i"]}},
    "integer_checks": [1, 2, 3, 5, 8],
}
TRIANGLE = {
    "kind": "expression",
    "undecided": "accept_if_numeric",
    "expected": "n*(n+1)/2",
    "symbols": {"n": {"domain": "positive_integer"}, "i": {"domain": "positive_integer"}},
    "integer_checks": [1, 2, 3, 5, 8],
}
COUNT = {
    "kind": "expression",
    "undecided": "accept_if_numeric",
    "expected": "n^2",
    "symbols": {"n": {"domain": "positive_integer"}},
}
VANISHING = "(n-1)*(n-2)*(n-3)*(n-5)*(n-8)"


def grade(answer: dict[str, Any], raw: str) -> tuple[Status, str]:
    rubric = Rubric.model_validate(
        {
            "assignment": {"id": "a", "title": "integers"},
            "questions": [{"id": "q", "parts": [{"id": "q.rf", "points": 1, "prompt": "p", "answer": answer}]}],
        }
    )
    part = rubric.parts()[0]
    verdict = check_part(part, KeyPart(kind="expression", expected=answer["expected"]), raw, context_for(rubric, part))
    return verdict.status, verdict.feedback


RIGHT, WRONG = Status.CORRECT, Status.WRONG

CASES = [
    ("rf: the key", RECEPTIVE_FIELD, r"1 + \sum_{i=1}^{n} (k(i) - 1) \prod_{j=1}^{i-1} s(j)", RIGHT),
    ("rf: k_1 split off", RECEPTIVE_FIELD, r"k(1) + \sum_{i=2}^{n} \left((k(i) - 1) \prod_{j=1}^{i-1} s(j)\right)", RIGHT),
    ("rf: plus a term vanishing on the probes", RECEPTIVE_FIELD, r"1 + \sum_{i=1}^{n} (k(i) - 1) \prod_{j=1}^{i-1} s(j) + " + VANISHING, WRONG),
    ("rf: plus floor(n/9)", RECEPTIVE_FIELD, r"1 + \sum_{i=1}^{n} (k(i) - 1) \prod_{j=1}^{i-1} s(j) + \lfloor n/9 \rfloor", WRONG),
    ("rf: plus floor(n/9), plain", RECEPTIVE_FIELD, "1 + Sum((k(i) - 1)*Product(s(j), (j, 1, i - 1)), (i, 1, n)) + floor(n/9)", WRONG),
    ("triangle: the sum", TRIANGLE, r"\sum_{i=1}^{n} i", RIGHT),
    ("triangle: closed form", TRIANGLE, "(n^2 + n)/2", RIGHT),
    ("triangle: sum plus a vanishing term", TRIANGLE, r"\sum_{i=1}^{n} i + " + VANISHING, WRONG),
    ("triangle: closed form plus a vanishing term", TRIANGLE, "n*(n+1)/2 + " + VANISHING, WRONG),
    ("count: plus a polynomial vanishing on 1..12", COUNT, "n^2 + " + "*".join(f"(n-{m})" for m in range(1, 13)), WRONG),
    ("count: plus floor(n/13)", COUNT, "n^2 + floor(n/13)", WRONG),
    ("count: right", COUNT, "n*n", RIGHT),
]


@needs_parser
@pytest.mark.parametrize(("answer", "raw", "status"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_integer_probes(answer: dict[str, Any], raw: str, status: Status) -> None:
    got, feedback = grade(answer, raw)
    assert got is status, feedback
