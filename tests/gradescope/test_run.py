"""``grader gradescope run`` in-process: placeholder first, atomic replace, failures (fast)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import grader.gradescope.run as run_module
from grader.gradescope.run import Paths, RunBudget, budget_from_env, run_autograder

from .helpers import validate, write_small_rubric


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A /autograder-like tree with the small rubric and its key, and an empty submission."""
    write_small_rubric(tmp_path / "source")
    (tmp_path / "submission").mkdir()
    return tmp_path


def _results(root: Path) -> dict:
    return json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))


def test_placeholder_is_written_first_then_replaced(root, monkeypatch):
    seen: dict = {}

    def fake_grade(paths, budget, started, out, state):
        seen["during"] = json.loads(paths.results.read_text(encoding="utf-8"))
        return {"score": 1.0, "tests": []}

    monkeypatch.setattr(run_module, "_grade", fake_grade)
    payload = run_autograder(root, out=io.StringIO())
    validate(seen["during"])
    assert seen["during"]["score"] == 0 and "did not finish" in seen["during"]["output"]
    assert payload["score"] == 1.0 and _results(root)["score"] == 1.0
    leftovers = [p.name for p in (root / "results").iterdir() if p.name != "results.json"]
    assert leftovers == []  # the temp file was renamed over results.json


def test_an_exception_midway_gives_a_needs_review_result(root, monkeypatch):
    def crash(paths, budget, started, out, state):
        from grader.rubric.load import load_rubric

        state["rubric"], state["sha"] = load_rubric(paths.rubric)
        raise RuntimeError("boom in the middle")

    monkeypatch.setattr(run_module, "_grade", crash)
    log = io.StringIO()
    doc = run_autograder(root, out=log)
    validate(doc)
    assert doc == _results(root)
    assert doc["score"] == 0 and "needs manual review" in doc["output"]
    assert [t["number"] for t in doc["tests"]] == ["0", "q1.a", "q1.b", "q2.a"]  # manual q1.c is no test
    assert all("manual review" in t["output"] for t in doc["tests"])
    assert "RuntimeError: boom in the middle" in doc["extra_data"]["error"]
    assert "Traceback" in log.getvalue()  # for staff, in /autograder/results/stdout


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other_rubric", "missing"])
def test_a_corrupt_key_gives_a_needs_review_result(root, damage):
    key = root / "source" / "key.json"
    text = key.read_text(encoding="utf-8")
    if damage == "garbage":
        key.write_bytes(b"\x00\xffnot json at all")
    elif damage == "truncated":
        key.write_text(text[: len(text) // 2], encoding="utf-8")
    elif damage == "other_rubric":
        data = json.loads(text)
        data["rubric_sha256"] = "0" * 64
        key.write_text(json.dumps(data), encoding="utf-8")
    else:
        key.unlink()
    doc = run_autograder(root, out=io.StringIO())
    validate(doc)
    assert doc["score"] == 0 and doc["extra_data"]["needs_review"] is True
    assert len(doc["tests"]) == 4  # the rubric still loads: one test per auto-graded part
    assert doc["extra_data"]["error"]


def test_a_missing_rubric_still_gives_a_valid_result(tmp_path):
    doc = run_autograder(tmp_path, out=io.StringIO())
    validate(doc)
    assert doc["score"] == 0 and "needs manual review" in doc["output"]
    assert len(doc["tests"]) == 1


def test_keyboard_interrupt_still_writes_then_reraises(root, monkeypatch):
    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(run_module, "_grade", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_autograder(root, out=io.StringIO())
    validate(_results(root))
    assert "manual review" in _results(root)["output"]


def test_budget_shrinks_with_many_answers_but_not_below_the_floor():
    budget = RunBudget(seconds=10, total_seconds=360, min_seconds=2)
    assert budget.per_answer(0) == 10 and budget.per_answer(10) == 10
    assert budget.per_answer(72) == 5
    assert budget.per_answer(10_000) == 2


def test_budget_from_env():
    assert budget_from_env({}) == RunBudget()
    got = budget_from_env({"GRADER_CHECK_SECONDS": "3", "GRADER_CHECK_MEMORY_MB": "256", "GRADER_TOTAL_SECONDS": "bad"})
    assert got.seconds == 3 and got.memory_mb == 256 and got.total_seconds == RunBudget().total_seconds
    assert budget_from_env({"GRADER_CHECK_SECONDS": "-1"}).seconds == RunBudget().seconds


def test_paths_layout(tmp_path):
    paths = Paths(tmp_path)
    assert paths.rubric == tmp_path / "source" / "rubric.yaml"
    assert paths.key == tmp_path / "source" / "key.json"
    assert paths.results == tmp_path / "results" / "results.json"
    assert paths.metadata == tmp_path / "submission_metadata.json"


# A meta-path finder that makes `import torch` fail loudly, then the real CLI.
_NO_TORCH = textwrap.dedent(
    """
    import sys

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("torch", "reference", "matplotlib"):
                raise ImportError("blocked import of " + name)
            return None

    sys.meta_path.insert(0, Blocker())
    from grader.cli import main
    try:
        main(["gradescope", "run", "--root", sys.argv[1]])
    except SystemExit:
        pass
    bad = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "reference", "matplotlib"))
    print("IMPORTED:" + ",".join(bad))
    """
)


def test_run_never_imports_torch_or_matplotlib(root):
    (root / "submission" / "answers.yaml").write_text("answers:\n  q1.a: 3/4\n  q1.b: 6)\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(run_module.__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-c", _NO_TORCH, str(root)], capture_output=True, text=True, timeout=120, env=env)
    assert "IMPORTED:\n" in done.stdout, done.stdout + done.stderr
    assert "blocked import" not in done.stdout + done.stderr
    doc = _results(root)
    validate(doc)
    assert "error" not in doc["extra_data"], doc["extra_data"]


def test_unreadable_submission_folder_is_the_students_problem(root):
    shutil.rmtree(root / "submission")
    doc = run_autograder(root, out=io.StringIO())
    validate(doc)
    assert doc["score"] == 0
    assert "error" not in doc["extra_data"]  # graded (0 with the reason), not an internal failure
    assert doc["tests"][0]["status"] == "failed"


def test_sigterm_midway_gives_a_needs_review_result(root, monkeypatch):
    import signal

    def terminated(paths, budget, started, out, state):
        from grader.rubric.load import load_rubric

        state["rubric"], state["sha"] = load_rubric(paths.rubric)
        os.kill(os.getpid(), signal.SIGTERM)
        raise AssertionError("SIGTERM did not stop grading")

    monkeypatch.setattr(run_module, "_grade", terminated)
    doc = run_autograder(root, out=io.StringIO())
    validate(doc)
    assert "GradingStopped" in doc["extra_data"]["error"] and len(doc["tests"]) == 4
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # restored


def test_a_pdf_only_upload_says_the_pdf_was_seen(root):
    (root / "submission" / "homework.pdf").write_bytes(b"%PDF-1.4 not really\n")
    (root / "submission" / "scan.png").write_bytes(b"\x89PNG")
    doc = run_autograder(root, out=io.StringIO())
    validate(doc)
    check = doc["tests"][0]
    assert check["status"] == "failed" and check["visibility"] == "visible"
    assert "seen and ignored: homework.pdf, scan.png" in check["output"]
    assert "a PDF cannot be graded automatically" in check["output"]


def test_ignored_files_are_named_beside_a_readable_answers_file(root):
    (root / "submission" / "answers.yaml").write_text("answers:\n  q1.a: 3/4\n", encoding="utf-8")
    (root / "submission" / "notes.pdf").write_bytes(b"%PDF")
    doc = run_autograder(root, out=io.StringIO())
    assert "seen and ignored (only answers files and .tex/.md write-ups are read): notes.pdf" in doc["tests"][0]["output"]


def test_the_metadata_file_is_named_as_it_is(root):
    meta = {"users": [{"email": "ada@example.org", "name": "Ada", "sid": "20201234"}]}
    (root / "submission_metadata.json").write_text(json.dumps(meta), encoding="utf-8")
    (root / "submission" / "answers.yaml").write_text("answers:\n  q1.a: 3/4\n", encoding="utf-8")
    doc = run_autograder(root, out=io.StringIO())
    output = doc["tests"][0]["output"]
    assert "student identified by submission_metadata.json" in output and ".yml" not in output
    assert doc["extra_data"]["student"] == "20201234"


def test_an_unreadable_answer_needs_review(root):
    (root / "submission" / "answers.yaml").write_text("answers:\n  q1.a: 3/4\n  q1.b: 6)\n", encoding="utf-8")
    doc = run_autograder(root, out=io.StringIO())
    assert doc["extra_data"]["needs_review"] is True and doc["extra_data"]["review_parts"] == ["q1.b"]
    assert "Needs review by course staff" in doc["tests"][0]["output"]


_UNITS = textwrap.dedent(
    """
    import sys
    from grader.check.startup import defer_sympy_units, UNITS_MODULE
    assert defer_sympy_units() and not defer_sympy_units()
    import sympy
    x = sympy.Symbol("x", positive=True)
    assert sympy.simplify(sympy.sin(x)**2 + sympy.cos(x)**2) == 1
    assert sympy.simplify(sympy.sqrt(x**2)) == x
    assert "sympy.physics.units.systems" not in sys.modules  # the real package was not loaded
    from sympy.physics.units import meter, Quantity  # something that needs units gets the real ones
    assert Quantity.__module__ == "sympy.physics.units.quantities"
    assert sympy.simplify(2 * meter + 3 * meter) == 5 * meter
    print("OK")
    """
)


def test_deferred_sympy_units_keep_simplify_and_real_units_working():
    env = {**os.environ, "PYTHONPATH": str(Path(run_module.__file__).resolve().parents[2])}
    done = subprocess.run([sys.executable, "-c", _UNITS], capture_output=True, text=True, timeout=120, env=env)
    assert done.stdout.strip() == "OK", done.stdout + done.stderr
