"""Numbers (tolerance modes exactly as documented) and arrays (shape, entries, diagnoses)."""

from __future__ import annotations

import math

import pytest

from grader.check.registry import checker_for
from grader.check.tolerance import within
from grader.check.verdict import Status
from grader.rubric.models import ArrayAnswer, NumberAnswer, Tolerance

from .helpers import make_ctx, needs_parser

CTX = make_ctx()

TOLERANCE_CASES = [
    # (name, submitted, expected, tolerance, accepted)
    ("rtol inside", 1.0009, 1.0, Tolerance(rtol=1e-3, atol=0), True),
    ("rtol edge", 1.001, 1.0, Tolerance(rtol=1e-3, atol=0), True),
    ("rtol outside", 1.0011, 1.0, Tolerance(rtol=1e-3, atol=0), False),
    ("rtol relative to expected, not submitted", 2.0, 1.0, Tolerance(rtol=0.6, atol=0), False),
    ("zero expected uses atol", 1e-9, 0.0, Tolerance(rtol=1e-3, atol=1e-8), True),
    ("zero expected beyond atol", 1e-7, 0.0, Tolerance(rtol=1e-3, atol=1e-8), False),
    ("near zero expected", 2e-6, 1e-6, Tolerance(rtol=1e-3, atol=1e-8), False),
    ("negative values", -0.9995, -1.0, Tolerance(rtol=1e-3, atol=0), True),
    ("sigfigs 3 ok", 0.667, 2 / 3, Tolerance(sigfigs=3), True),
    ("sigfigs 3 too coarse", 0.67, 2 / 3, Tolerance(sigfigs=3), False),
    ("sigfigs 5 needs 0.66667", 0.6667, 2 / 3, Tolerance(sigfigs=5), False),
    ("sigfigs large number", 96100, 96096, Tolerance(sigfigs=3), True),
    ("sigfigs large number wrong", 96200, 96096, Tolerance(sigfigs=3), False),
    ("sigfigs zero expected", 0.004, 0.0, Tolerance(sigfigs=2), True),
    ("sigfigs zero expected too big", 0.06, 0.0, Tolerance(sigfigs=2), False),
    ("decimals 2 ok", 3.14, math.pi, Tolerance(decimals=2), True),
    ("decimals 2 wrong", 3.15, math.pi, Tolerance(decimals=2), False),
    ("decimals 0", 3, math.pi, Tolerance(decimals=0), True),
    ("sigfigs wins over rtol", 0.6667, 2 / 3, Tolerance(sigfigs=5, rtol=0.5), False),
    ("decimals wins over rtol", 0.7, 2 / 3, Tolerance(decimals=3, rtol=0.5), False),
    ("nan never", math.nan, 1.0, Tolerance(rtol=1.0), False),
    ("inf never", math.inf, math.inf, Tolerance(rtol=1.0), False),
]


@pytest.mark.parametrize(("submitted", "expected", "tolerance", "accepted"), [c[1:] for c in TOLERANCE_CASES], ids=[c[0] for c in TOLERANCE_CASES])
def test_tolerance_modes(submitted: float, expected: float, tolerance: Tolerance, accepted: bool) -> None:
    assert within(submitted, expected, tolerance) is accepted


NUMBER_CASES = [
    ("int exact", 3, 3, Status.CORRECT),
    ("float close", 0.3333334, 1 / 3, Status.CORRECT),
    ("float far", 0.34, 1 / 3, Status.WRONG),
    ("bool is not a number", True, 1, Status.INVALID),
    ("list is not a number", [1], 1, Status.INVALID),
    ("named value", "K = 10", 10, Status.CORRECT),
    ("named value, LaTeX name", "\\lambda = 0.5", 0.5, Status.CORRECT),
    ("named wrong value", "K = 11", 10, Status.WRONG),
    ("chained equation is not a number", "x = y = 10", 10, Status.INVALID),
    ("comparison is not an assignment", "K == 10", 10, Status.INVALID),
    ("a sum's index is not a name", r"\sum_{i=1}^{4} i", 10, Status.CORRECT),
    ("subscripted name", "K_{out} = 10", 10, Status.CORRECT),
]


@pytest.mark.parametrize(("raw", "expected", "status"), [c[1:] for c in NUMBER_CASES], ids=[c[0] for c in NUMBER_CASES])
def test_number_json(raw, expected, status: Status) -> None:
    checker = checker_for("number")
    spec = NumberAnswer(kind="number", expected=expected, tolerance=Tolerance(rtol=1e-5))
    read = checker.read(spec, raw, CTX)
    if status is Status.INVALID:
        assert not hasattr(read, "value")
        return
    assert checker.compare(spec, expected, read, CTX).status is status


def test_number_rounding_hint() -> None:
    checker = checker_for("number")
    spec = NumberAnswer(kind="number", expected=0.0, tolerance=Tolerance(sigfigs=5))
    verdict = checker.compare(spec, 2 / 3, checker.read(spec, 0.6667, CTX), CTX)
    assert verdict.status is Status.WRONG
    assert "off by about 3e-05" in verdict.feedback and "5 significant figures" in verdict.feedback
    assert "0.66667" not in verdict.feedback


EXPECTED = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]

ARRAY_CASES = [
    # (name, raw, status, feedback fragment, diagnosis)
    ("exact", [[1, 2, 3], [4, 5, 6]], Status.CORRECT, "correct", None),
    ("within tolerance", [[1.0000001, 2, 3], [4, 5, 6]], Status.CORRECT, "correct", None),
    ("strings of numbers", [["1", "2", "3"], ["4", "5", "6"]], Status.CORRECT, "correct", None),
    ("transposed", [[1, 4], [2, 5], [3, 6]], Status.WRONG, "expected 2x3, got 3x2; it is the transpose", "transposed"),
    ("flat", [1, 2, 3, 4, 5, 6], Status.WRONG, "expected 2x3, got 6 values; it has the right entries in the wrong shape", "reshaped"),
    ("doubled", [[2, 4, 6], [8, 10, 12]], Status.WRONG, "off by a constant factor of 2", "scaled"),
    ("negated", [[-1, -2, -3], [-4, -5, -6]], Status.WRONG, "wrong sign", "negated"),
    ("one wrong entry", [[1, 2, 3], [4, 5, 7]], Status.WRONG, "1 of 6 entries wrong: [1, 2]", None),
    ("wrong shape", [[1, 2], [3, 4]], Status.WRONG, "expected 2x3, got 2x2", None),
]


@pytest.mark.parametrize(
    ("raw", "status", "fragment", "diagnosis"),
    [pytest.param(*c[1:], id=c[0], marks=[needs_parser] if "strings" in c[0] else []) for c in ARRAY_CASES],
)
def test_array_json(raw, status: Status, fragment: str, diagnosis: str | None) -> None:
    checker = checker_for("array")
    spec = ArrayAnswer(kind="array", expected=EXPECTED)
    verdict = checker.compare(spec, EXPECTED, checker.read(spec, raw, CTX), CTX)
    assert verdict.status is status
    assert fragment in verdict.feedback
    assert verdict.evidence.get("diagnosis") == diagnosis
    if status is not Status.CORRECT:
        assert "7" not in verdict.feedback.replace("[1, 2]", "") or raw == [[1, 2, 3], [4, 5, 7]]


def test_array_feedback_names_entries_not_values() -> None:
    checker = checker_for("array")
    spec = ArrayAnswer(kind="array", expected=[[10.5, 20.25]])
    verdict = checker.compare(spec, [[10.5, 20.25]], checker.read(spec, [[10.5, 99]], CTX), CTX)
    assert "[0, 1]" in verdict.feedback and "20.25" not in verdict.feedback


def test_array_partial_credit() -> None:
    checker = checker_for("array")
    spec = ArrayAnswer(kind="array", expected=EXPECTED, partial_credit=True)
    verdict = checker.compare(spec, EXPECTED, checker.read(spec, [[1, 2, 3], [4, 0, 0]], CTX), CTX)
    assert verdict.status is Status.PARTIAL and verdict.score == pytest.approx(4 / 6)


@pytest.mark.parametrize("raw", [[1, 2, 3], [[1], [2], [3]], [[1, 2, 3]]], ids=["flat", "column", "row"])
def test_array_accept_flat(raw) -> None:
    checker = checker_for("array")
    spec = ArrayAnswer(kind="array", expected=[[1], [2], [3]], accept_flat=True)
    assert checker.compare(spec, [[1], [2], [3]], checker.read(spec, raw, CTX), CTX).status is Status.CORRECT
    strict = ArrayAnswer(kind="array", expected=[[1], [2], [3]])
    if raw != [[1], [2], [3]]:
        assert checker.compare(strict, [[1], [2], [3]], checker.read(strict, raw, CTX), CTX).status is Status.WRONG


@pytest.mark.parametrize("raw", [[[1, 2], [3]], {"a": 1}, [[1, True]]], ids=["ragged", "mapping", "bool entry"])
def test_array_unreadable(raw) -> None:
    checker = checker_for("array")
    spec = ArrayAnswer(kind="array", expected=EXPECTED)
    assert not hasattr(checker.read(spec, raw, CTX), "value")


# A matrix of one row written as text keeps its outer brackets: [[a, b]] is 1x2 and
# [[a]] is 1x1, never a grouping bracket around a list (found by benchmarks/bench_compare.py).
ONE_ROW_TEXT = [
    ("one-by-one", [[-2.943]], "[[-2.943]]", "correct"),
    ("one-by-two", [[1.5, 2]], "[[1.5, 2]]", "correct"),
    ("one-by-two-latex", [[1.5, 2]], r"\left[\left[1.5, 2\right]\right]", "correct"),
    ("flat-for-a-row", [[1.5, 2]], "[1.5, 2]", "wrong"),
    ("row-for-a-flat-list", [1.5, 2], "[[1.5, 2]]", "wrong"),
    ("number-for-one-by-one", [[1.5]], "1.5", "wrong"),
    ("wrong-entry-one-by-one", [[-2.943]], "[[2.943]]", "wrong"),
]


@pytest.mark.parametrize(("expected", "answer", "status"), [c[1:] for c in ONE_ROW_TEXT], ids=[c[0] for c in ONE_ROW_TEXT])
def test_one_row_matrix_written_as_text(expected: object, answer: str, status: str) -> None:
    import json

    from grader.check.compare import run_batch_lines

    record = run_batch_lines([json.dumps({"id": "case", "kind": "array", "gold": expected, "answer": answer})])[0]
    assert record["status"] == status, record
    assert (record["score"] == 1.0) == (status == "correct")
