"""``grader compare``: single pairs, JSON output, usage errors, and hostile batches."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.check.compare import parse_domain, run_batch_lines
from grader.cli.compare import compare

from .helpers import needs_parser

pytestmark = needs_parser

REPO = Path(__file__).resolve().parents[2]


def _json(args: list[str]) -> dict:
    result = CliRunner().invoke(compare, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


CLI_CASES = [
    ("tanh identity", ["tanh(x)", "2*sigma(2x) - 1", "--function", "sigma=1/(1+exp(-x))"], "correct"),
    ("sqrt for real x", ["x", "sqrt(x^2)", "--symbol", "x:real"], "wrong"),
    ("sqrt for positive x", ["x", "sqrt(x^2)", "--symbol", "x:positive"], "correct"),
    ("interval domain", ["log(p) - log(1-p)", "log(p/(1-p))", "--symbol", "p:interval(0,1)"], "correct"),
    ("matrix symbols", ["g^T H", "(H g)^T", "--symbol", "g:matrix(3,1)", "--symbol", "H:matrix(3,3)"], "wrong"),
    ("number sigfigs", ["2/3", "0.6667", "--kind", "number", "--sigfigs", "5"], "wrong"),
    ("number rtol", ["2/3", "0.667", "--kind", "number", "--rtol", "0.001"], "correct"),
    ("array transposed", ["[[1, 2], [3, 4]]", "[[1, 3], [2, 4]]", "--kind", "array"], "wrong"),
    ("set", ["{1, 2}", "{2, 1}", "--kind", "set"], "correct"),
    ("abstract function", ["f(2x)", "2 f(x)", "--function", "f"], "wrong"),
]


@pytest.mark.parametrize(("args", "status"), [c[1:] for c in CLI_CASES], ids=[c[0] for c in CLI_CASES])
def test_compare_pairs(args: list[str], status: str) -> None:
    assert _json(args)["status"] == status


def test_human_output_shows_reading_and_verdict() -> None:
    result = CliRunner().invoke(compare, [r"\frac{1}{2}", "0.5", "--kind", "number"])
    assert result.exit_code == 0
    assert "read as:" in result.output and "status:   correct" in result.output


@pytest.mark.parametrize(
    "args",
    [[], ["x"], ["x", "y", "--symbol", "x:bogus"], ["x", "y", "--symbol", "nocolon"], ["x", "y", "--kind", "shape"], ["--batch", "nonexistent.jsonl"]],
    ids=["nothing", "one argument", "bad domain", "bad symbol", "bad kind", "missing batch file"],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    assert CliRunner().invoke(compare, args).exit_code == 2


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        ("positive", {"domain": "positive"}),
        ("positive integer", {"domain": "positive_integer"}),
        ("interval(0, 1)", {"domain": "interval", "low": 0.0, "high": 1.0}),
        ("matrix(3,1)", {"shape": (3, 1)}),
    ],
)
def test_parse_domain(text: str, fields: dict) -> None:
    assert parse_domain(text) == fields


def test_python_dash_m_and_console_script() -> None:
    command = [sys.executable, "-m", "grader.cli.compare", "x^2", "x*x", "--json"]
    done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "correct"
    script = Path(sys.executable).with_name("grader")
    if not script.exists():
        pytest.skip("the grader console script is not installed")
    done = subprocess.run([str(script), "compare", "x^2", "x*x", "--json"], capture_output=True, text=True, cwd=REPO, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == "correct"


def test_batch_mixed_hostile_and_benign(tmp_path: Path) -> None:
    marker = Path(f"/tmp/pwned_{uuid.uuid4().hex}")
    cases = [
        {"id": "ok", "kind": "expression", "gold": "x^2", "answer": "x*x"},
        {"id": "inject", "kind": "expression", "gold": "x^2", "answer": f"__import__('os').system('touch {marker}')"},
        {"id": "inject-gold", "kind": "expression", "gold": f"__import__('os').system('touch {marker}')", "answer": "x"},
        {"id": "tower", "kind": "expression", "gold": "x", "answer": "9**9**9**9"},
        {"id": "power", "kind": "expression", "gold": "x", "answer": "(x+1)**(10**9)"},
        {"id": "wrong", "kind": "expression", "gold": "x^2", "answer": "x^2 + 0.0005"},
        {"id": "tiny", "kind": "expression", "gold": "0", "answer": "1e-4*x"},
        {"id": "sqrt", "kind": "expression", "gold": "x", "answer": "sqrt(x^2)", "symbols": {"x": "real"}},
        {"id": "sqrt+", "kind": "expression", "gold": "x", "answer": "sqrt(x^2)", "symbols": {"x": "positive"}},
        {"id": "num", "kind": "number", "gold": "1/3", "answer": "0.3333", "rtol": 1e-3},
        {"id": "arr", "kind": "array", "gold": [[1, 2], [3, 4]], "answer": [[1, 2], [3, 4]]},
        {"id": "sigma", "kind": "expression", "gold": "tanh(x)", "answer": "2 sigma(2x) - 1", "functions": {"sigma": "1/(1+exp(-x))"}},
        {"id": "n", "kind": "expression", "gold": "n (n+1)/2", "answer": r"\sum_{i=1}^{n} i", "symbols": {"n": "positive integer"}},
        {"id": "bad-kind", "kind": "poem", "gold": "x", "answer": "x"},
    ]
    lines = [json.dumps(case) for case in cases] + ["{not json", "", "[1, 2]"]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n")
    target = tmp_path / "out.jsonl"
    result = CliRunner().invoke(compare, ["--batch", str(source), "--output", str(target), "--workers", "2", "--timeout", "10"])
    assert result.exit_code == 0, result.output
    records = [json.loads(line) for line in target.read_text().splitlines()]
    assert len(records) == len(lines)
    by_id = {record["id"]: record for record in records if record["id"]}
    assert [record["id"] for record in records[: len(cases)]] == [case["id"] for case in cases]
    assert not marker.exists()
    expected_status = {
        "ok": "correct", "inject": "invalid", "inject-gold": "error", "tower": "invalid", "power": "invalid",
        "wrong": "wrong", "tiny": "wrong", "sqrt": "wrong", "sqrt+": "correct", "num": "correct", "arr": "correct",
        "sigma": "correct", "n": "correct", "bad-kind": "invalid",
    }
    assert {key: by_id[key]["status"] for key in expected_status} == expected_status
    assert [record["status"] for record in records[len(cases):]] == ["invalid", "invalid", "invalid"]
    for record in records:
        assert set(record) == {"id", "score", "status", "feedback", "parsed", "seconds"}
        if record["status"] != "correct":
            assert record["score"] == 0


def test_batch_timeout_costs_only_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    import grader.check.compare as compare_module

    original = compare_module.compare_case

    def slow(case):
        if case.case_id == "slow":
            import time

            time.sleep(60)
        return original(case)

    monkeypatch.setattr(compare_module, "compare_case", slow)
    lines = [
        json.dumps({"id": "slow", "kind": "expression", "gold": "x", "answer": "x"}),
        json.dumps({"id": "fast", "kind": "expression", "gold": "x", "answer": "x"}),
    ]
    records = run_batch_lines(lines, workers=1, timeout=1.0)
    assert [record["status"] for record in records] == ["timeout", "correct"]
    assert records[0]["id"] == "slow" and "time limit" in records[0]["feedback"]


def test_no_pwned_file_left_anywhere() -> None:
    assert not [name for name in os.listdir("/tmp") if name.startswith("pwned_check_text")]
