"""Piecewise functions (issue 9, item 3): max, min, abs, sign, Heaviside, relu, clip
evaluate numerically, are proved by cases where possible, and are probed on both sides of
every kink. Right and wrong answers, through ``grader compare``'s library."""

from __future__ import annotations

import pytest

from grader.check.compare import CompareCase, compare_case

from .helpers import needs_parser

REAL = {"x": "real", "y": "real"}
WIDE = {"x": "interval(0, 1000)", "y": "interval(0, 1)"}  # x > y at all but 1 in 2000 random points

CASES = [
    # (name, expected, answer, symbols, status)
    ("relu as max vs abs form", r"\max(0, x)", "(x + |x|)/2", REAL, "correct"),
    ("ReLU operator vs max", r"\operatorname{ReLU}(x)", "max(x, 0)", REAL, "correct"),
    ("relu vs abs form", "relu(x)", "(x + abs(x))/2", REAL, "correct"),
    ("relu odd part", "relu(x) - relu(-x)", "x", REAL, "correct"),
    ("relu even part", "relu(x) + relu(-x)", "|x|", REAL, "correct"),
    ("relu as x times step", "relu(x)", "x*Heaviside(x)", REAL, "correct"),
    ("Heaviside vs sign", "Heaviside(x)", "(1 + sign(x))/2", REAL, "correct"),
    ("sign times abs", "x", "sign(x)*|x|", REAL, "correct"),
    ("leaky relu", "max(x, 0.1*x)", "(1.1*x + 0.9*|x|)/2", REAL, "correct"),
    ("max of two", "max(x, y)", "(x + y + |x - y|)/2", REAL, "correct"),
    ("min of two", r"\min(x, y)", "(x + y - |x - y|)/2", REAL, "correct"),
    ("max of three", "max(x, y, 0)", "max(max(x, y), 0)", REAL, "correct"),
    ("clip vs nested max/min", "clip(x, 0, 1)", "min(max(x, 0), 1)", REAL, "correct"),
    ("clip vs abs form", "clip(x, 0, 1)", "(|x| - |x - 1| + 1)/2", REAL, "correct"),
    ("squared relu", "max(x, 0)^2", "x*max(x, 0)", REAL, "correct"),
    ("abs of product", "|x y|", "|x| |y|", REAL, "correct"),
    # wrong answers
    ("relu is not x", "relu(x)", "x", REAL, "wrong"),
    ("relu is not abs", "relu(x)", "|x|", REAL, "wrong"),
    ("relu with the wrong factor", r"\max(0, x)", "(x + |x|)/3", REAL, "wrong"),
    ("relu with a shifted step", "relu(x)", "x*Heaviside(x - 1)", REAL, "wrong"),
    ("leaky relu with the wrong slope", "max(x, 0.1*x)", "max(x, 0.01*x)", REAL, "wrong"),
    ("clip is not relu", "clip(x, 0, 1)", "max(x, 0)", REAL, "wrong"),
    ("clip with a wrong bound", "clip(x, 0, 1)", "min(max(x, 0), 2)", REAL, "wrong"),
    ("max is not min", "max(x, y)", "min(x, y)", REAL, "wrong"),
    ("abs(x) vs x, mostly positive interval", "|x|", "x", {"x": "interval(-0.001, 3)"}, "wrong"),
    ("abs(x) vs x, mostly positive interval 2", "abs(x)", "x", {"x": "interval(-0.5, 100)"}, "wrong"),
    ("kink away from 0", "|x - 2|", "x - 2", {"x": "interval(1.99, 50)"}, "wrong"),
    ("step shifted a little", "Heaviside(x)", "Heaviside(x - 0.001)", REAL, "wrong"),
    ("differ only between two close kinks", "|x - 0.5| + |x - 0.6|", "|2x - 1.1|", REAL, "wrong"),
    ("two kinks, same function", "|x - 0.5| + |x - 0.6|", "max(|2x - 1.1|, 0.1)", REAL, "correct"),
    ("abs(x) vs x on a positive interval", "abs(x)", "x", {"x": "interval(0, 3)"}, "correct"),
    ("abs(x) vs -x on a negative interval", "abs(x)", "-x", {"x": "interval(-3, -0.01)"}, "correct"),
    ("relu vs x on positive x", "relu(x)", "x", {"x": "positive"}, "correct"),
    # kinks of several symbols: random points almost never have x < y here, so the
    # sampler moves one symbol across the kink (never accepted on the common side alone)
    ("|x - y| vs x - y, x mostly above y", "|x - y|", "x - y", WIDE, "wrong"),
    ("max(x, y) vs x, x mostly above y", "max(x, y)", "x", WIDE, "wrong"),
    ("min(x, y) vs y, x mostly above y", "min(x, y)", "y", WIDE, "wrong"),
    ("relu of a pre-activation vs the pre-activation", "relu(2x - 3y + 1)", "2x - 3y + 1", WIDE, "wrong"),
    ("max(xy, 1) vs xy", "max(x y, 1)", "x y", WIDE, "wrong"),
    ("max(x, y) vs its abs form, wide domains", "max(x, y)", "(x + y + |x - y|)/2", WIDE, "correct"),
    ("|x - y| vs sqrt((x - y)^2), wide domains", "|x - y|", "sqrt((x - y)^2)", WIDE, "correct"),
    ("|x - y| vs x - y where x > y always", "|x - y|", "x - y", {"x": "interval(2, 5)", "y": "interval(0, 1)"}, "correct"),
]


@needs_parser
@pytest.mark.parametrize(("expected", "answer", "symbols", "status"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_piecewise(expected: str, answer: str, symbols: dict[str, str], status: str) -> None:
    result = compare_case(CompareCase(expected=expected, submitted=answer, symbols=symbols))
    assert result["status"] == status, result
