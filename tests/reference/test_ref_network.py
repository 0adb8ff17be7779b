"""network: truth tables against Python's own bit operators, and submitted networks
(the seed student's inconsistent Hamming net, a correct Hamming net, XOR)."""

from __future__ import annotations

import itertools
import re

import pytest

from grader.errors import ReferenceCallError
from reference.network import check, run, truth_table

HAMMING = ["D1 xor D2 xor D4", "D1 xor D3 xor D4", "D2 xor D3 xor D4"]
DATA = ["D1", "D2", "D3", "D4"]
PARITY_SETS = [(0, 1, 3), (0, 2, 3), (1, 2, 3)]  # bit indices of each parity bit


def test_hamming_truth_table() -> None:
    table = truth_table(HAMMING, DATA)
    rows = [list(bits) for bits in itertools.product((0, 1), repeat=4)]
    assert table["inputs"] == rows
    assert table["outputs"] == [[sum(row[i] for i in s) % 2 for s in PARITY_SETS] for row in rows]
    assert table["inputs"][5] == [0, 1, 0, 1]  # first variable is the most significant bit


def test_mixed_expression_truth_table() -> None:
    table = truth_table(["(A or not B) xor (not C or not D)"], ["A", "B", "C", "D"])
    for row, (value,) in zip(table["inputs"], table["outputs"], strict=True):
        a, b, c, d = row
        assert value == int((a or not b) != (not c or not d))


def test_precedence_and_keywords() -> None:
    names = ["a", "b", "c"]
    cases = {
        "a or b and c": lambda a, b, c: a | (b & c),
        "a xor b and c": lambda a, b, c: a ^ (b & c),
        "a or b xor c": lambda a, b, c: a | (b ^ c),
        "not a xor b": lambda a, b, c: (1 - a) ^ b,
        "not (a xor b)": lambda a, b, c: 1 - (a ^ b),
        "a AND NOT b Or 0": lambda a, b, c: a & (1 - b),
        "not not c and 1": lambda a, b, c: c,
    }
    table = truth_table(list(cases), names)
    for row, values in zip(table["inputs"], table["outputs"], strict=True):
        assert values == [fn(*row) for fn in cases.values()]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("a and", "unexpected end"),
        ("a b", "missing operator"),
        ("a and E", "unknown variable 'E'"),
        ("(a or b", "missing '\\)'"),
        ("a & b", "unexpected character '&'"),
        ("2", "unexpected character '2'"),
        ("__import__", "unknown variable"),
    ],
)
def test_boolean_parser_errors(expression: str, message: str) -> None:
    with pytest.raises(ReferenceCallError, match=message):
        truth_table([expression], ["a", "b"])


def test_truth_table_argument_errors() -> None:
    with pytest.raises(ReferenceCallError, match="repeated name"):
        truth_table(["a"], ["a", "a"])
    with pytest.raises(ReferenceCallError, match="'and' is not a valid variable name"):
        truth_table(["a"], ["a", "and"])
    with pytest.raises(ReferenceCallError, match="outputs must be a non-empty list"):
        truth_table("a", ["a"])  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- networks


def detectors(bits: tuple[int, int, int]) -> tuple[list[list[int]], list[float]]:
    """Four step units firing on the odd-parity patterns of three of the four data bits."""
    rows, biases = [], []
    for pattern in itertools.product((0, 1), repeat=3):
        if sum(pattern) % 2 == 0:
            continue
        row = [0, 0, 0, 0]
        for bit, want in zip(bits, pattern, strict=True):
            row[bit] = 1 if want else -1
        rows.append(row)
        biases.append(0.5 - sum(pattern))
    return rows, biases


def correct_hamming_net() -> list[dict]:
    hidden_w: list[list[int]] = []
    hidden_b: list[float] = []
    for bits in PARITY_SETS:
        rows, biases = detectors(bits)
        hidden_w += rows
        hidden_b += biases
    out_w = [[1 if k // 4 == j else 0 for k in range(12)] for j in range(3)]  # OR of own 4 units
    return [
        {"weight": hidden_w, "bias": hidden_b, "activation": "step"},
        {"weight": out_w, "bias": [-0.5, -0.5, -0.5], "activation": "step"},
    ]


def student_hamming_net() -> list[dict]:
    hidden_w = correct_hamming_net()[0]["weight"]  # 12 x 4, entries ±1 / 0
    return [
        {"weight": hidden_w, "bias": -0.5, "activation": "step"},
        {
            "weight": [[1, 1, 1, 1]] * 3,
            "bias": -0.5,
            "activation": "step",
        },  # 3 x 4: expects 4 inputs
    ]


def test_student_hamming_net_reports_the_shape_mismatch() -> None:
    result = check(student_hamming_net(), HAMMING, DATA)
    assert result["ok"] is False
    assert result["error"] == "layer 2: weight is 3x4 but its input has 12 values"
    assert result["failing_inputs"] == []


def test_correct_hamming_net_passes() -> None:
    net = correct_hamming_net()
    assert len(net[0]["weight"]) == 12 and len(net[0]["weight"][0]) == 4
    result = check(net, HAMMING, DATA)
    assert result == {"ok": True, "failing_inputs": [], "error": None, "checked": 16}


def test_xor_with_two_step_layers() -> None:
    xor = [
        {"weight": [[1, 1], [-1, -1]], "bias": [-0.5, 1.5]},  # OR, NAND
        {"weight": [[1, 1]], "bias": [-1.5]},  # AND
    ]
    assert check(xor, ["a xor b"], ["a", "b"])["ok"] is True
    assert run(xor, [[0, 0], [0, 1], [1, 0], [1, 1]])["outputs"] == [[0.0], [1.0], [1.0], [0.0]]
    # same network, but it answers OR: the failing row is reported
    result = check(xor[:1] + [{"weight": [[1, 0]], "bias": [-0.5]}], ["a xor b"], ["a", "b"])
    assert result["ok"] is False and result["error"] is None
    assert result["failing_inputs"] == [
        {"input": [1, 1], "expected": [0], "got": [1], "raw": [1.0]}
    ]


def test_step_is_one_at_zero_and_sign_reads_as_bits() -> None:
    assert run([{"weight": [[1.0]], "bias": [0.0]}], [[0.0], [-1e-9]])["outputs"] == [[1.0], [0.0]]
    sign_net = [{"weight": [[2.0]], "bias": [-1.0], "activation": "sign"}]
    assert run(sign_net, [[0], [1]])["outputs"] == [[-1.0], [1.0]]
    assert check(sign_net, ["a"], ["a"])["ok"] is True


def test_sigmoid_outputs_are_thresholded_only_in_check() -> None:
    and_net = [{"weight": [[10.0, 10.0]], "bias": [-15.0], "activation": "sigmoid"}]
    raw = run(and_net, [[1, 1]])["outputs"][0][0]
    assert 0.99 < raw < 1.0
    assert check(and_net, ["a and b"], ["a", "b"])["ok"] is True
    # with a threshold above every output nothing counts as 1
    strict = check(and_net, ["a and b"], ["a", "b"], threshold=0.9999)
    assert strict["failing_inputs"][0]["input"] == [1, 1]


@pytest.mark.parametrize(
    ("layers", "message"),
    [
        (
            [{"weight": [[1, 1, 1]], "bias": [0]}],
            "layer 1: weight is 1x3 but its input has 2 values",
        ),
        (
            [{"weight": [[1, 1]], "bias": [0, 1]}],
            "layer 1: bias has 2 values but weight has 1 rows",
        ),
        ([{"weight": [[1, 1], [1]], "bias": 0}], "layer 1: weight: rows have different lengths"),
        ([{"weight": [[1, "x"]]}], "layer 1: weight\\[1\\]: 'x' is not a number"),
        ([{"weight": [[1, 1]], "activation": "softmax"}], "layer 1: unknown activation 'softmax'"),
        ([{"bias": [0]}], 'layer 1: must be a dict with a "weight"'),
        ([], "non-empty list of layers"),
    ],
)
def test_malformed_networks_are_reported_not_raised(layers: list, message: str) -> None:
    result = run(layers, [[0, 1]])
    assert result["ok"] is False and result["outputs"] == []
    assert result["error"] is not None
    assert re.search(message, result["error"])


def test_output_count_mismatch_and_rubric_errors() -> None:
    two_outputs = [{"weight": [[1, 0], [0, 1]], "bias": [-0.5, -0.5]}]
    result = check(two_outputs, ["a xor b"], ["a", "b"])
    assert result["ok"] is False
    assert result["error"] == "the network has 2 output(s) but 1 are expected"
    with pytest.raises(ReferenceCallError, match="inputs must be a non-empty list"):
        run(two_outputs, [])
    with pytest.raises(ReferenceCallError, match="threshold must be a finite number"):
        check(two_outputs, ["a"], ["a", "b"], threshold="half")  # type: ignore[arg-type]
