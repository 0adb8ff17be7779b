"""Tuples/sets, choices, networks and manual parts (inputs that need no parser)."""

from __future__ import annotations

import pytest
import sympy as sp

from grader.check.registry import checker_for
from grader.check.verdict import Status
from grader.parse.values import TupleValue
from grader.rubric.models import (
    ChoiceAnswer,
    ChoiceOption,
    ManualAnswer,
    NetworkAnswer,
    RefCall,
    Tolerance,
    TupleAnswer,
)

from .helpers import make_ctx, needs_parser, parsed

CTX = make_ctx({"x": "real"})
x = sp.Symbol("x", real=True)

TUPLE_CASES = [
    # (name, kind, expected, submitted items, partial_credit, status, score)
    ("tuple exact", "tuple", [1, 2, 3], [1, 2, 3], False, Status.CORRECT, 1.0),
    ("tuple swapped: no credit by default", "tuple", [1, 2, 3], [2, 1, 3], False, Status.WRONG, 0.0),
    ("tuple short: no credit by default", "tuple", [1, 2, 3], [1, 2], False, Status.WRONG, 0.0),
    ("tuple extra: no credit by default", "tuple", [1, 2], [1, 2, 3], False, Status.WRONG, 0.0),
    ("tuple swapped, partial credit asked", "tuple", [1, 2, 3], [2, 1, 3], True, Status.PARTIAL, 1 / 3),
    ("tuple short, partial credit asked", "tuple", [1, 2, 3], [1, 2], True, Status.PARTIAL, 2 / 3),
    ("set any order", "set", [1, 2, 3], [3, 1, 2], False, Status.CORRECT, 1.0),
    ("set repeated item counts once", "set", [1, 2], [1, 1, 2], False, Status.CORRECT, 1.0),
    ("set repeated item does not fill a missing one", "set", [1, 2], [1, 1], False, Status.WRONG, 0.0),
    ("set repeated item, partial credit", "set", [1, 2], [1, 1], True, Status.PARTIAL, 0.5),
    ("set extra item: no credit by default", "set", [1, 2], [1, 2, 5], False, Status.WRONG, 0.0),
    ("set extra item, partial credit asked", "set", [1, 2], [1, 2, 5], True, Status.PARTIAL, 2 / 3),
    ("set missing item", "set", [1, 2, 3], [1, 2], False, Status.WRONG, 0.0),
    ("set all wrong", "set", [1, 2], [7, 8], True, Status.WRONG, 0.0),
    ("integer items are exact", "tuple", [96096, 3], [96000, 3], False, Status.WRONG, 0.0),
    ("float items use the tolerance", "tuple", [0.5, 0.25], [0.5004, 0.25], False, Status.CORRECT, 1.0),
    ("float items outside the tolerance", "tuple", [0.5, 0.25], [0.51, 0.25], False, Status.WRONG, 0.0),
    ("set: two close values both given", "set", [1.0, 1.0005], [1.0005, 1.0], False, Status.CORRECT, 1.0),
    ("set: one close value given twice", "set", [1.0, 1.0005], [1.0, 1.0], False, Status.WRONG, 0.0),
]


@pytest.mark.parametrize(("kind", "expected", "items", "partial", "status", "score"), [c[1:] for c in TUPLE_CASES], ids=[c[0] for c in TUPLE_CASES])
def test_tuple_numbers(kind: str, expected, items, partial: bool, status: Status, score: float) -> None:
    checker = checker_for(kind)
    spec = TupleAnswer(kind=kind, expected=expected, element="number", partial_credit=partial)
    read = checker.read(spec, items, CTX)
    verdict = checker.compare(spec, expected, read, CTX)
    assert verdict.status is status
    assert verdict.score == pytest.approx(score)


TUPLE_TOLERANCE_CASES = [
    # (name, element, expected, submitted text, tolerance, status): numeric items use the part's tolerance
    ("expression items: numbers with rtol", "expression", ["1/3", "x"], "(0.3334, x)", Tolerance(rtol=1e-3), Status.CORRECT),
    ("expression items: numbers outside rtol", "expression", ["1/3", "x"], "(0.34, x)", Tolerance(rtol=1e-3), Status.WRONG),
    ("expression items: atol", "expression", ["0", "x"], "(0.004, x)", Tolerance(atol=0.01), Status.CORRECT),
    ("expression items: beyond atol", "expression", ["0", "x"], "(0.02, x)", Tolerance(atol=0.01), Status.WRONG),
    ("number items: sigfigs", "number", [2 / 3, 0.5], "(0.667, 0.5)", Tolerance(sigfigs=3), Status.CORRECT),
    ("number items: sigfigs too coarse", "number", [2 / 3, 0.5], "(0.67, 0.5)", Tolerance(sigfigs=3), Status.WRONG),
    ("integer item with a part tolerance", "number", [96096], "(96000)", Tolerance(rtol=1e-2), Status.CORRECT),
]


@needs_parser
@pytest.mark.parametrize(("element", "expected", "text", "tolerance", "status"), [c[1:] for c in TUPLE_TOLERANCE_CASES], ids=[c[0] for c in TUPLE_TOLERANCE_CASES])
def test_tuple_items_use_the_part_tolerance(element: str, expected, text: str, tolerance: Tolerance, status: Status) -> None:
    checker = checker_for("tuple")
    spec = TupleAnswer(kind="tuple", expected=expected, element=element, tolerance=tolerance)  # type: ignore[arg-type]
    verdict = checker.compare(spec, expected, checker.read(spec, text, CTX), CTX)
    assert verdict.status is status, verdict


def test_set_of_expressions_is_matched_by_equivalence() -> None:
    checker = checker_for("set")
    spec = TupleAnswer(kind="set", expected=["unused"])
    answer = parsed(TupleValue(items=(x**2 - 1, (x + 1) * (x - 1) + 1)))
    verdict = checker.compare(spec, [x**2, (x - 1) * (x + 1)], answer, CTX)
    assert verdict.status is Status.CORRECT


def test_tuple_without_partial_credit() -> None:
    checker = checker_for("tuple")
    spec = TupleAnswer(kind="tuple", expected=[1, 2], element="number", partial_credit=False)
    verdict = checker.compare(spec, [1, 2], checker.read(spec, [1, 3], CTX), CTX)
    assert verdict.status is Status.WRONG and verdict.score == 0


CHOICE = ChoiceAnswer(
    kind="choice",
    options=(
        ChoiceOption(id="a", text="Batch norm", synonyms=("BN", "batchnorm")),
        ChoiceOption(id="b", text="Layer norm"),
        ChoiceOption(id="c", text="Instance norm"),
    ),
    expected="b",
)

CHOICE_CASES = [
    ("id", "b", "b", Status.CORRECT),
    ("id with brackets", "(B)", "b", Status.CORRECT),
    ("id with dot", " b. ", "b", Status.CORRECT),
    ("option text", "layer   NORM", "b", Status.CORRECT),
    ("synonym", "bn", "a", Status.CORRECT),
    ("wrong option", "a", "b", Status.WRONG),
    ("two when one expected", "a, b", "b", Status.WRONG),
    ("set of options", "a and c", ["a", "c"], Status.CORRECT),
    ("set as list", ["c", "a"], ["a", "c"], Status.CORRECT),
    ("incomplete set", "a", ["a", "c"], Status.WRONG),
    ("unknown option", "d", "b", Status.INVALID),
]


@pytest.mark.parametrize(("raw", "expected", "status"), [c[1:] for c in CHOICE_CASES], ids=[c[0] for c in CHOICE_CASES])
def test_choice(raw, expected, status: Status) -> None:
    checker = checker_for("choice")
    read = checker.read(CHOICE, raw, CTX)
    if status is Status.INVALID:
        assert not hasattr(read, "value") and "not one of the options" in read.reason
        return
    assert checker.compare(CHOICE, expected, read, CTX).status is status


XOR = {"inputs": [[0, 0], [0, 1], [1, 0], [1, 1]], "outputs": [[0], [1], [1], [0]]}
XOR_NET = {
    "layers": [
        {"weight": [[1, 1], [-1, -1]], "bias": [-0.5, 1.5]},
        {"weight": [[1, 1]], "bias": -1.5},
    ]
}

NETWORK_CASES = [
    ("xor right", XOR_NET, Status.CORRECT, 1.0, "correct"),
    ("xor as or", {"layers": [{"weight": [1, 1], "bias": -0.5}]}, Status.PARTIAL, 0.75, "wrong output for 1 of 4 inputs: [1, 1]"),
    ("string entries", {"layers": [{"weight": [["1", "1"], ["-1", "-1"]], "bias": ["-1/2", "3/2"]}, {"weight": [[1, 1]], "bias": "-3/2"}]}, Status.CORRECT, 1.0, "correct"),
    ("shape mismatch", {"layers": [{"weight": [[1, 1, 1]], "bias": 0}]}, Status.WRONG, 0.0, "layer 1: weight is 1x3 but its input has 2 values"),
    ("bias mismatch", {"layers": [{"weight": [[1, 1], [1, 1]], "bias": [1, 2, 3]}, {"weight": [[1, 1]], "bias": 0}]}, Status.WRONG, 0.0, "bias has 3 values but the layer has 2 units"),
    ("transposed in x out accepted", {"layers": [{"weight": [[1, 1], [-1, -1]], "bias": [-0.5, 1.5]}, {"weight": [[1], [1]], "bias": -1.5}]}, Status.CORRECT, 1.0, "correct"),
]


@pytest.mark.parametrize(
    ("raw", "status", "score", "fragment"),
    [pytest.param(*c[1:], id=c[0], marks=[needs_parser] if "string" in c[0] else []) for c in NETWORK_CASES],
)
def test_network(raw, status: Status, score: float, fragment: str) -> None:
    checker = checker_for("network")
    spec = NetworkAnswer(kind="network", expected=RefCall(ref="network.truth_table"))
    verdict = checker.compare(spec, XOR, checker.read(spec, raw, CTX), CTX)
    assert verdict.status is status
    assert verdict.score == pytest.approx(score)
    assert fragment in verdict.feedback


@pytest.mark.parametrize("raw", [{"layers": []}, {"layers": [{"bias": 1}]}, {"layers": [{"weight": [[1]], "activation": "softmax"}]}, "text"], ids=["empty", "no weight", "bad activation", "text"])
def test_network_unreadable(raw) -> None:
    checker = checker_for("network")
    spec = NetworkAnswer(kind="network", expected=RefCall(ref="network.truth_table"))
    assert not hasattr(checker.read(spec, raw, CTX), "value")


def test_manual() -> None:
    checker = checker_for("manual")
    spec = ManualAnswer(kind="manual")
    verdict = checker.compare(spec, None, checker.read(spec, "Because the gradient vanishes.", CTX), CTX)
    assert verdict.status is Status.MANUAL and verdict.score == 0 and "person" in verdict.feedback
