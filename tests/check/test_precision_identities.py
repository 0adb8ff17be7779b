"""Precision and identities (issue 9, item 4): float cancellation is never evidence of a
wrong answer, exact boundary answers are accepted, and more identities are proved
(inverse trigonometric/hyperbolic rewrites, radical denesting, arctangent constants).
Right and wrong answers through ``grader compare``'s library."""

from __future__ import annotations

import pytest

from grader.check.compare import CompareCase, compare_case

from .helpers import needs_parser

P = {"x": "positive"}
R = {"x": "real"}

CASES = [
    # (name, expected, answer, symbols, kind, tolerance, status)
    ("cancelling denominator", "1/(sqrt(2)-1)^20", "1/(22619537 - 15994428*sqrt(2))", {}, "expression", None, "correct"),
    ("cancelling denominator times x", "x/(sqrt(2)-1)^20", "x/(22619537 - 15994428*sqrt(2))", P, "expression", None, "correct"),
    ("cancelling log", "log((sqrt(2)-1)^20)", "log(22619537 - 15994428*sqrt(2))", {}, "expression", None, "correct"),
    ("cancelling, but off by one", "x/(sqrt(2)-1)^20", "x/(22619537 - 15994428*sqrt(2)) + 1", P, "expression", None, "wrong"),
    ("cancelling, wrong coefficient", "1/(sqrt(2)-1)^20", "1/(22619537 - 15994427*sqrt(2))", {}, "expression", None, "wrong"),
    ("nested radical", "sqrt(5 + 2*sqrt(6))", "sqrt(2) + sqrt(3)", {}, "expression", None, "correct"),
    ("nested radical, wrong", "sqrt(5 + 2*sqrt(6))", "sqrt(2) + sqrt(3.0001)", {}, "expression", None, "wrong"),
    ("nested radical in x", "x*sqrt(3 + 2*sqrt(2))", "x*(1 + sqrt(2))", P, "expression", None, "correct"),
    ("arctangent complement", "atan(1/2)", "pi/2 - atan(2)", {}, "expression", None, "correct"),
    ("arctangent complement, wrong", "atan(1/2)", "pi/2 - atan(3)", {}, "expression", None, "wrong"),
    ("Euler's pi/4", "pi/4", "atan(1/2) + atan(1/3)", {}, "expression", None, "correct"),
    ("Machin's formula", "pi/4", "4*atan(1/5) - atan(1/239)", {}, "expression", None, "correct"),
    ("Machin's formula, wrong", "pi/4", "4*atan(1/5) - atan(1/238)", {}, "expression", None, "wrong"),
    ("acot as atan", "acot(2)", "atan(1/2)", {}, "expression", None, "correct"),
    ("asinh log form", "asinh(x)", "log(x + sqrt(x^2 + 1))", R, "expression", None, "correct"),
    ("asinh log form, wrong", "asinh(x)", "log(x + sqrt(x^2 + 2))", R, "expression", None, "wrong"),
    ("acosh log form", "acosh(x + 1)", "log(x + 1 + sqrt((x + 1)^2 - 1))", P, "expression", None, "correct"),
    ("atanh constant", "atanh(1/3)", "log(2)/2", {}, "expression", None, "correct"),
    ("atanh log form", "atanh(x/(x + 1))", "log(2*x + 1)/2", P, "expression", None, "correct"),
    ("atan(x) + atan(1/x) for x > 0", "atan(x) + atan(1/x)", "pi/2", P, "expression", None, "correct"),
    ("atan(x) + atan(1/x) on an interval", "atan(x) + atan(1/x)", "pi/2", {"x": "interval(0.5, 3)"}, "expression", None, "correct"),
    ("atan(x) + atan(1/x) for real x", "atan(x) + atan(1/x)", "pi/2", R, "expression", None, "wrong"),
    ("asin as atan", "asin(x)", "atan(x/sqrt(1 - x^2))", {"x": "interval(-1, 1)"}, "expression", None, "correct"),
    ("asin as atan, wrong", "asin(x)", "atan(x/sqrt(1 + x^2))", {"x": "interval(-1, 1)"}, "expression", None, "wrong"),
    ("acos complement", "acos(x)", "pi/2 - asin(x)", {"x": "interval(-1, 1)"}, "expression", None, "correct"),
    ("a step is never proved by its derivative", "atan(x) + atan(1/x)", "pi/2 + Heaviside(x - 100)/1000", P, "expression", None, "wrong"),
    ("huge constant plus one", "exp(100)", "exp(100) + 1", {}, "expression", None, "wrong"),
    ("constant plus a tiny rational", "pi", "pi + 10^(-60)", {}, "expression", None, "wrong"),
    ("huge multiple plus one", "exp(100)*x", "exp(100)*x + 1", P, "expression", None, "wrong"),
    ("acoth log form", "acoth(x)", "log((x + 1)/(x - 1))/2", {"x": "interval(1.5, 10)"}, "expression", None, "correct"),
    ("acoth log form, wrong", "acoth(x)", "log((x + 1)/(x - 1))/3", {"x": "interval(1.5, 10)"}, "expression", None, "wrong"),
    ("boundary 1.05 vs 1 at rtol .05", "1", "1.05", {}, "number", {"rtol": 0.05}, "correct"),
    ("boundary 0.95 vs 1 at rtol .05", "1", "0.95", {}, "number", {"rtol": 0.05}, "correct"),
    ("beyond the boundary", "1", "1.0500001", {}, "number", {"rtol": 0.05}, "wrong"),
    ("expression boundary", "1", "1.05", {}, "expression", {"rtol": 0.05}, "correct"),
]


@needs_parser
@pytest.mark.parametrize(("expected", "answer", "symbols", "kind", "tolerance", "status"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_precision_and_identities(expected: str, answer: str, symbols: dict[str, str], kind: str, tolerance: dict | None, status: str) -> None:
    case = CompareCase(expected=expected, submitted=answer, symbols=symbols, kind=kind, **(tolerance or {}))
    result = compare_case(case)
    assert result["status"] == status, result
