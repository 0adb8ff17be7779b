"""``grader compare`` and its batch contract take the part options a rubric has (issue 9,
item 9): undecided, partial_credit, element, sigfigs, decimals; bad values are reported."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from grader.check.compare import run_batch_lines
from grader.cli.compare import compare

from .helpers import needs_parser

# the receptive field of a CNN: only numerically confirmed when k(1) is split off
RF = {
    "kind": "expression",
    "gold": "1 + Sum((k(i) - 1)*Product(s(j), (j, 1, i - 1)), (i, 1, n))",
    "symbols": {"n": "positive integer", "i": "positive integer", "j": "positive integer"},
    "functions": {"k": None, "s": None},
}
RF_SPLIT = r"k(1) + \sum_{i=2}^{n} \left((k(i) - 1) \prod_{j=1}^{i-1} s(j)\right)"

BATCH_CASES = [
    # (name, line fields, status, score)
    ("set: no partial credit by default", {"kind": "set", "gold": ["1", "2", "3"], "answer": "{1, 2}"}, "wrong", 0.0),
    ("set: partial credit asked", {"kind": "set", "gold": ["1", "2", "3"], "answer": "{1, 2}", "partial_credit": True}, "partial", 2 / 3),
    ("tuple: partial credit off", {"kind": "tuple", "gold": ["1", "2"], "answer": "(1, 3)", "partial_credit": False}, "wrong", 0.0),
    ("array: partial credit asked", {"kind": "array", "gold": [[1, 2], [3, 4]], "answer": [[1, 2], [3, 5]], "partial_credit": True}, "partial", 0.75),
    ("array: no partial credit by default", {"kind": "array", "gold": [[1, 2], [3, 4]], "answer": [[1, 2], [3, 5]]}, "wrong", 0.0),
    ("element number with sigfigs", {"kind": "tuple", "gold": [0.6666667, 0.5], "answer": "(0.667, 0.5)", "element": "number", "sigfigs": 3}, "correct", 1.0),
    ("element number, too coarse", {"kind": "tuple", "gold": [0.6666667, 0.5], "answer": "(0.67, 0.5)", "element": "number", "sigfigs": 3}, "wrong", 0.0),
    ("sigfigs on a number", {"kind": "number", "gold": 96096, "answer": "96100", "sigfigs": 3}, "correct", 1.0),
    ("integer count is exact", {"kind": "number", "gold": 96096, "answer": "96100"}, "wrong", 0.0),
    ("decimals on a number", {"kind": "number", "gold": 3.14159, "answer": "3.14", "decimals": 2}, "correct", 1.0),
    ("decimals on a number, wrong", {"kind": "number", "gold": 3.14159, "answer": "3.15", "decimals": 2}, "wrong", 0.0),
    ("undecided: manual review by default", {**RF, "answer": RF_SPLIT}, "undecided", 0.0),
    ("undecided accept_if_numeric", {**RF, "answer": RF_SPLIT, "undecided": "accept_if_numeric"}, "correct", 1.0),
    ("undecided reject", {**RF, "answer": RF_SPLIT, "undecided": "reject"}, "wrong", 0.0),
    ("accept_if_numeric never accepts a wrong answer", {**RF, "answer": RF_SPLIT + " + floor(n/9)", "undecided": "accept_if_numeric"}, "wrong", 0.0),
    ("bad undecided", {"kind": "expression", "gold": "x", "answer": "x", "undecided": "maybe"}, "invalid", 0.0),
    ("bad element", {"kind": "tuple", "gold": ["1"], "answer": "(1)", "element": "string"}, "invalid", 0.0),
    ("element on an expression", {"kind": "expression", "gold": "x", "answer": "x", "element": "number"}, "invalid", 0.0),
    ("partial_credit on a number", {"kind": "number", "gold": 1, "answer": "1", "partial_credit": True}, "invalid", 0.0),
    ("partial_credit not a flag", {"kind": "set", "gold": ["1"], "answer": "{1}", "partial_credit": "yes"}, "invalid", 0.0),
    ("sigfigs not whole", {"kind": "number", "gold": 1.5, "answer": "1.5", "sigfigs": 2.5}, "invalid", 0.0),
    ("decimals out of range", {"kind": "number", "gold": 1.5, "answer": "1.5", "decimals": 99}, "invalid", 0.0),
]


@needs_parser
@pytest.mark.parametrize(("fields", "status", "score"), [c[1:] for c in BATCH_CASES], ids=[c[0] for c in BATCH_CASES])
def test_batch_options(fields: dict[str, Any], status: str, score: float) -> None:
    record = run_batch_lines([json.dumps({"id": "c1", **fields})], workers=0)[0]
    assert record["status"] == status, record
    assert record["score"] == pytest.approx(score)
    assert record["id"] == "c1"


CLI_CASES = [
    # (name, arguments, status)
    ("set partial credit flag", ["--kind", "set", "--partial-credit", "--", "[1, 2, 3]", "{1, 2}"], "partial"),
    ("set without the flag", ["--kind", "set", "--", "[1, 2, 3]", "{1, 2}"], "wrong"),
    ("element number and decimals", ["--kind", "tuple", "--element", "number", "--decimals", "2", "--", "[3.14159, 1]", "(3.14, 1)"], "correct"),
    ("decimals on a number", ["--kind", "number", "--decimals", "1", "--", "2.04", "2.0"], "correct"),
    ("undecided reject", ["--undecided", "reject", "--", "x", "x"], "correct"),
]


@needs_parser
@pytest.mark.parametrize(("arguments", "status"), [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES])
def test_cli_options(arguments: list[str], status: str) -> None:
    result = CliRunner().invoke(compare, ["--json", *arguments])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["status"] == status


@pytest.mark.parametrize(
    "arguments",
    [["--element", "number", "x", "x"], ["--kind", "number", "--partial-credit", "1", "1"], ["--decimals", "99", "1", "1"]],
    ids=["element on an expression", "partial credit on a number", "decimals out of range"],
)
def test_cli_rejects_options_that_do_not_apply(arguments: list[str]) -> None:
    assert CliRunner().invoke(compare, arguments).exit_code == 2


@needs_parser
def test_batch_file_round_trip(tmp_path: Path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        json.dumps({"id": "a", "kind": "set", "gold": ["1", "2"], "answer": "{1}", "partial_credit": True}) + "\n"
        + json.dumps({"id": "b", "kind": "set", "gold": ["1", "2"], "answer": "{2, 1, 1}"}) + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(compare, ["--batch", str(cases), "--output", str(out), "--workers", "0"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["status"], r["score"]) for r in records] == [("a", "partial", 0.5), ("b", "correct", 1.0)]
