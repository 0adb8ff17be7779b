"""Sample submissions bundled in the autograder, and the check that grades them.

- the *correct* sample: for each part, the answer of its first self-test with score 1
  (parts without one are left out), as ``answers.json`` (JSON keeps every answer exactly
  as written in the rubric: no YAML typing surprises);
- the *blank* sample: the ``answers.yaml`` template a student starts from.

``selfcheck`` (run by ``setup.sh`` at image build, and by ``grader gradescope build``)
grades both with the real ``grader gradescope run`` command in a scratch /autograder-like
tree and checks the outcome: full marks on every sampled part, and a valid 0 for the
blank one.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from grader.rubric.models import Rubric

__all__ = ["correct_answers", "correct_answers_json", "blank_answers_yaml", "check_document", "selfcheck"]

SAMPLES_DIR = "samples"
TOP_KEYS = {
    "score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
    "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard",
}
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags", "visibility", "extra_data"}
FORMATS = {"text", "html", "simple_format", "md", "ansi"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


def correct_answers(rubric: Rubric) -> dict[str, Any]:
    """Part id -> the answer of its first self-test with score 1 (parts without one omitted)."""
    answers: dict[str, Any] = {}
    for part in rubric.parts():
        for test in part.tests:
            if test.score == 1:
                answers[part.id] = test.answer
                break
    return answers


def correct_answers_json(rubric: Rubric) -> str:
    """The correct sample as an answers.json text."""
    document = {  # no student block: whoever uploads it is identified by Gradescope's metadata
        "assignment": rubric.assignment.id,
        "answers": correct_answers(rubric),
    }
    return json.dumps(document, indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def blank_answers_yaml(rubric: Rubric) -> str:
    """The blank sample: the answers.yaml template students fill in."""
    from grader.submission.template import yaml_template

    return yaml_template(rubric)


# --------------------------------------------------------------------------- checking results


def _number_ok(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_document(doc: Any) -> list[str]:
    """Structural problems of a results.json document (Gradescope's documented fields only).

    A small stand-in for the JSON Schema the tests use, so the image needs no jsonschema.
    """
    if not isinstance(doc, dict):
        return ["results.json is not an object"]
    problems = [f"unknown top-level key {key!r}" for key in sorted(set(doc) - TOP_KEYS)]
    for key in ("score", "execution_time"):
        if key in doc and not _number_ok(doc[key]):
            problems.append(f"{key} is not a finite number")
    for key in ("output_format", "test_output_format", "test_name_format"):
        if key in doc and doc[key] not in FORMATS:
            problems.append(f"{key} {doc[key]!r} is not a format")
    for key in ("visibility", "stdout_visibility"):
        if key in doc and doc[key] not in VISIBILITIES:
            problems.append(f"{key} {doc[key]!r} is not a visibility")
    tests = doc.get("tests", [])
    if not isinstance(tests, list):
        return [*problems, "tests is not a list"]
    if "score" not in doc and not any(isinstance(t, dict) and "score" in t for t in tests):
        problems.append("no score anywhere")
    for index, test in enumerate(tests):
        if not isinstance(test, dict):
            problems.append(f"tests[{index}] is not an object")
            continue
        problems += [f"tests[{index}]: unknown key {key!r}" for key in sorted(set(test) - TEST_KEYS)]
        for key in ("score", "max_score"):
            if key in test and not _number_ok(test[key]):
                problems.append(f"tests[{index}].{key} is not a finite number")
        if "status" in test and test["status"] not in ("passed", "failed"):
            problems.append(f"tests[{index}].status {test['status']!r}")
        if "visibility" in test and test["visibility"] not in VISIBILITIES:
            problems.append(f"tests[{index}].visibility {test['visibility']!r}")
        for key in ("name", "number", "output"):
            if key in test and not isinstance(test[key], str):
                problems.append(f"tests[{index}].{key} is not a string")
    return problems


def _failed_run(doc: dict[str, Any]) -> list[str]:
    raw = doc.get("extra_data")
    extra: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if extra.get("placeholder"):
        return ["grading did not finish (the placeholder is still there)"]
    if "error" in extra:
        return [f"grading failed: {extra['error']}"]
    return []


def _run_sample(grader_cmd: list[str], source: Path, sample: Path, timeout: float) -> tuple[dict[str, Any] | None, str]:
    """Grade one sample folder in a scratch root; returns (results document, log)."""
    with tempfile.TemporaryDirectory(prefix="grader-selfcheck-") as scratch:
        root = Path(scratch)
        (root / "source").symlink_to(source.resolve(), target_is_directory=True)
        shutil.copytree(sample, root / "submission")
        run = subprocess.run(
            [*grader_cmd, "gradescope", "run", "--root", str(root)],
            capture_output=True, text=True, timeout=timeout, check=False,
        )
        log = run.stdout + run.stderr
        try:
            return json.loads((root / "results" / "results.json").read_text(encoding="utf-8")), log
        except (OSError, ValueError) as exc:
            return None, log + f"\nresults.json unreadable: {exc}"


def default_grader_command() -> list[str]:
    """The ``grader`` console script next to this interpreter, else ``python -m grader.cli``."""
    script = Path(sys.executable).with_name("grader")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "grader.cli"]


def selfcheck(root: Path, grader_cmd: list[str] | None = None, timeout: float = 300) -> tuple[bool, str]:
    """Grade the bundled samples of ``root/source``; returns (all good, report)."""
    source = root / "source"
    cmd = grader_cmd or default_grader_command()
    lines: list[str] = []
    ok = True

    correct_dir = source / SAMPLES_DIR / "correct"
    expected = json.loads((correct_dir / "answers.json").read_text(encoding="utf-8"))["answers"]
    doc, log = _run_sample(cmd, source, correct_dir, timeout)
    problems = check_document(doc) if doc is not None else ["no results.json"]
    if doc is not None and not problems:
        problems += _failed_run(doc)
        tests = {t.get("number"): t for t in doc.get("tests", [])}
        for part_id in expected:
            test = tests.get(part_id)
            if test is None:
                problems.append(f"{part_id}: no test in results.json")
            elif test.get("score") != test.get("max_score"):
                problems.append(f"{part_id}: {test.get('score')} / {test.get('max_score')} (expected full marks)")
    lines.append(f"correct sample: {len(expected)} answered part(s), score {doc.get('score') if doc else None}: "
                 + ("ok" if not problems else "FAILED"))
    lines += [f"  - {problem}" for problem in problems]
    if problems:
        ok = False
        lines.append(log[-4000:])

    doc, log = _run_sample(cmd, source, source / SAMPLES_DIR / "blank", timeout)
    problems = check_document(doc) if doc is not None else ["no results.json"]
    if doc is not None and not problems:
        if doc.get("score") != 0:
            problems.append(f"score {doc.get('score')} (expected 0)")
        problems += _failed_run(doc)
    lines.append(f"blank sample: score {doc.get('score') if doc else None}: " + ("ok" if not problems else "FAILED"))
    lines += [f"  - {problem}" for problem in problems]
    if problems:
        ok = False
        lines.append(log[-4000:])
    return ok, "\n".join(lines) + "\n"
