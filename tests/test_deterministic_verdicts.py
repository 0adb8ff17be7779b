"""The same class graded twice, once on a quiet machine and once under artificial CPU load
(busy-loop processes started by the test), gives byte-identical outputs: the symbolic
steps' budgets are CPU time, not wall-clock time (``grader.check.timing``)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from grader.key.build import build_key
from grader.rubric.load import parse_rubric_text, rubric_hash
from grader.workflow import grade_class

RUBRIC_TEXT = """
assignment: {id: det, title: Deterministic verdicts}
defaults:
  symbols:
    x: {domain: positive}
    y: {domain: positive}
questions:
  - id: q
    parts:
      - id: q.tanh
        points: 1
        prompt: tanh
        answer: {kind: expression, expected: "tanh(x)"}
      - id: q.trig
        points: 1
        prompt: trig
        answer: {kind: expression, expected: "1"}
      - id: q.log
        points: 1
        prompt: log
        answer: {kind: expression, expected: "log(x*y)"}
      - id: q.rational
        points: 1
        prompt: rational
        answer: {kind: expression, expected: "(x^3 - y^3)/(x - y)"}
"""

# answers that need proof steps (rewrite, trigsimp, expand_log, cancel), numbers that do
# not, and wrong answers
ANSWERS = [
    {"q.tanh": "2/(1 + exp(-2x)) - 1", "q.trig": "sin(x)^2 + cos(x)^2", "q.log": "log(x) + log(y)", "q.rational": "x^2 + x y + y^2"},
    {"q.tanh": "(exp(x) - exp(-x))/(exp(x) + exp(-x))", "q.trig": "cos(2x) + 2 sin(x)^2", "q.log": "log(x) - log(1/y)", "q.rational": "x^2 + y^2"},
    {"q.tanh": "sinh(x)/cosh(x)", "q.trig": "sec(x)^2 - tan(x)^2", "q.log": "2 log(sqrt(x y))", "q.rational": "(x + y)^2 - x y"},
    {"q.tanh": "tanh(2x)", "q.trig": "sin(x)^2 - cos(x)^2", "q.log": "log(x + y)", "q.rational": "x^2 + 2 x y + y^2"},
    {"q.tanh": "1 - 2/(exp(2x) + 1)", "q.trig": "(1 + cos(2x))/(2 cos(x)^2)", "q.log": "log(x^2 y^2)/2", "q.rational": "((x+y)^2 + x^2 + y^2)/2"},
]

BUSY_LOOP = "import time\nend = time.monotonic() + 300\nwhile time.monotonic() < end:\n    pass\n"


def _class(root: Path) -> Path:
    for index in range(12):
        folder = root / f"s{index:02d}"
        folder.mkdir(parents=True)
        answers = ANSWERS[index % len(ANSWERS)]
        body = "".join(f"  {part_id}: {text!r}\n" for part_id, text in answers.items())
        (folder / "answers.yaml").write_text(f"student: {{id: s{index:02d}}}\nanswers:\n{body}", encoding="utf-8")
    return root


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_loaded_machine_gives_byte_identical_outputs(tmp_path: Path) -> None:
    rubric, _ = parse_rubric_text(RUBRIC_TEXT)
    sha = rubric_hash(RUBRIC_TEXT)
    key = build_key(rubric, sha)
    subs = _class(tmp_path / "subs")
    grade_class(rubric, sha, key, subs, tmp_path / "quiet", workers=2, quiet=True)
    hogs = [subprocess.Popen([sys.executable, "-c", BUSY_LOOP]) for _ in range(2 * (os.cpu_count() or 2))]
    try:
        grade_class(rubric, sha, key, subs, tmp_path / "loaded", workers=2, quiet=True)
    finally:
        for hog in hogs:
            hog.kill()
        for hog in hogs:
            hog.wait()
    quiet, loaded = _tree(tmp_path / "quiet"), _tree(tmp_path / "loaded")
    assert sorted(quiet) == sorted(loaded)
    for name in quiet:
        assert quiet[name] == loaded[name], name
    # the class exercised the proof steps: right answers proved, wrong ones rejected
    stages = set()
    for path in (tmp_path / "quiet" / "feedback").glob("*.json"):
        for part in json.loads(path.read_text(encoding="utf-8"))["parts"]:
            stages.add((part["status"], part["evidence"].get("stage")))
    assert {("correct", "symbolic"), ("correct", "identity test"), ("wrong", "fast numeric")} <= stages, stages
