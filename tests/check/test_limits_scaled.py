"""Limits scaled to what is cheap (issue 9, item 5): polynomial exponents up to 10000 and
factorials up to 300! are read and checked; what would be expensive is still refused
before any work (the hostile suite in tests/parse/test_hostile.py covers the rest)."""

from __future__ import annotations

import pytest

from grader.check.compare import CompareCase, compare_case
from grader.parse import ParseContext, parse_answer
from grader.parse.values import Invalid

from .helpers import needs_parser

SYMBOLS = {"a": "real", "x": "real"}

VERDICTS = [
    # (name, expected, answer, status)
    ("big power, same", "(a-x)^6000", "(x-a)^6000", "correct"),
    ("big power, split", "(a-x)^6000", "(a-x)^5999*(a-x)", "correct"),
    ("big power, off by one", "(a-x)^6000", "(a-x)^6001", "wrong"),
    ("big power, sign", "(a-x)^6000", "(x-a)^5999*(a-x)", "wrong"),
    ("power of 3000", "(x+1)^3000", "(1+x)^3000", "correct"),
    ("150 factorial", "150!", "150*149!", "correct"),
    ("150 factorial, wrong", "150!", "151*149!", "wrong"),
    ("300 factorial", "300!", "300*299!", "correct"),
]


@needs_parser
@pytest.mark.parametrize(("expected", "answer", "status"), [c[1:] for c in VERDICTS], ids=[c[0] for c in VERDICTS])
def test_scaled_limits_verdicts(expected: str, answer: str, status: str) -> None:
    assert compare_case(CompareCase(expected=expected, submitted=answer, symbols=SYMBOLS))["status"] == status


REFUSED = [
    # (name, text, code)
    ("exponent above 10000", "x^10001", "exponent_too_large"),
    ("factorial above 300", "301!", "factorial_too_large"),
    ("product of big factorials", "300!*300!", "too_many_digits"),
    ("numeric power with many digits", "2^1000", "exponent_too_large"),
    ("literal exponent above 1000", "1e1001", "exponent_too_large"),
    ("huge literal exponent", "1e9999", "exponent_too_large"),
]


@needs_parser
@pytest.mark.parametrize(("text", "code"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_still_refused(text: str, code: str) -> None:
    result = parse_answer(text, ParseContext())
    assert isinstance(result, Invalid) and result.code == code, result
