"""Constraint answers (issue 9, item 6): domains, values given twice, values in terms of
their own variable. Right and wrong answers, through a real rubric and ``check_part``."""

from __future__ import annotations

from typing import Any

import pytest

from grader.check.engine import check_part, context_for
from grader.check.verdict import Status
from grader.key import KeyPart
from grader.rubric.models import Rubric

from .helpers import needs_parser

INIT = {
    "kind": "constraint",
    "variables": ["c", "mu", "sigma"],
    "conditions": [{"holds": "c = 0"}, {"holds": "mu^2 + sigma^2 = 1/d"}],
}
INIT_POSITIVE_SIGMA = {**INIT, "symbols": {"sigma": {"domain": "positive"}}}
UNIFORM = {
    "kind": "constraint",
    "variables": ["alpha", "beta"],
    "conditions": [{"holds": "alpha < beta"}, {"holds": "alpha^2 + alpha*beta + beta^2 = 3/d"}],
}
PROBABILITY = {
    "kind": "constraint",
    "variables": ["p", "k"],
    "conditions": [{"holds": "p*k = 1"}],
    "symbols": {"p": {"domain": "interval", "low": 0, "high": 1}, "k": {"domain": "positive_integer"}},
}


def grade(answer: dict[str, Any], raw: Any) -> tuple[Status, str]:
    rubric = Rubric.model_validate(
        {
            "assignment": {"id": "a", "title": "constraints"},
            "defaults": {"symbols": {"d": {"domain": "positive_integer"}}},
            "questions": [{"id": "q", "parts": [{"id": "q.p", "points": 1, "prompt": "p", "answer": answer}]}],
        }
    )
    part = rubric.parts()[0]
    verdict = check_part(part, KeyPart(kind="constraint", expected=None), raw, context_for(rubric, part))
    return verdict.status, verdict.feedback


RIGHT, WRONG = Status.CORRECT, Status.WRONG

CASES = [
    # (name, answer spec, raw answer, status, words the feedback must contain)
    ("usual answer", INIT, "c = 0, mu = 0, sigma^2 = 1/d", RIGHT, ""),
    ("nonzero mu", INIT, "c = 0, mu = 1/sqrt(2*d), sigma = 1/sqrt(2*d)", RIGHT, ""),
    ("mapping", INIT, {"c": 0, "mu": "0", "sigma": "1/sqrt(d)"}, RIGHT, ""),
    ("negative variance", INIT, "c = 0, mu = sqrt(2/d), sigma^2 = -1/d", WRONG, "not a real number"),
    ("imaginary root", INIT, "c = 0, mu = sqrt(2/d), sigma = sqrt(-1/d)", WRONG, "not a real number"),
    ("imaginary constant", INIT, "c = 0, mu = 0, sigma = sqrt(-1)", WRONG, "not a real number"),
    ("declared positive, negative value", INIT_POSITIVE_SIGMA, "c = 0, mu = 0, sigma = -1/sqrt(d)", WRONG, "not positive"),
    ("declared positive, positive value", INIT_POSITIVE_SIGMA, "c = 0, mu = 0, sigma = 1/sqrt(d)", RIGHT, ""),
    ("declared positive, zero", {**INIT_POSITIVE_SIGMA, "conditions": [{"holds": "c = 0"}]}, "c = 0, mu = 0, sigma = 0", WRONG, "not positive"),
    ("hedge: c given twice", INIT, "c = 1, c = 0, mu = 0, sigma^2 = 1/d", WRONG, "two different values"),
    ("hedge: last value wrong", INIT, "c = 0, c = 1, mu = 0, sigma^2 = 1/d", WRONG, "two different values"),
    ("same value twice is fine", INIT, "c = 0, c = 0, mu = 0, sigma^2 = 1/d", RIGHT, ""),
    ("same value in two forms is fine", INIT, "c = 0, mu = 0, sigma = 1/sqrt(d), sigma^2 = 1/d", RIGHT, ""),
    ("value in terms of itself", INIT, "c = 0, mu = mu, sigma^2 = 1/d - mu^2", WRONG, "in terms of mu itself"),
    ("sigma in terms of itself", INIT, "c = 0, mu = 0, sigma = sigma", WRONG, "in terms of sigma itself"),
    ("circular values", UNIFORM, "alpha = -beta, beta = -alpha", WRONG, "in terms of each other"),
    ("values using another value", UNIFORM, "beta = sqrt(3/d), alpha = -beta", RIGHT, ""),
    ("uniform bounds reversed", UNIFORM, "alpha = sqrt(3/d), beta = -sqrt(3/d)", WRONG, ""),
    ("interval domain respected", PROBABILITY, "p = 1/2, k = 2", RIGHT, ""),
    ("interval domain violated", PROBABILITY, "p = 2, k = 1/2", WRONG, "outside (0, 1)"),
    ("integer domain violated", PROBABILITY, "p = 2/3, k = 3/2", WRONG, "not an integer"),
]


@needs_parser
@pytest.mark.parametrize(("answer", "raw", "status", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_constraint_answers(answer: dict[str, Any], raw: Any, status: Status, words: str) -> None:
    got, feedback = grade(answer, raw)
    assert got is status, feedback
    assert words in feedback
