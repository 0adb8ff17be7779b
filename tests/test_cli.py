"""Every command of the real ``grader`` console script has --help; --version works; grader's
own errors are one line on stderr, not a traceback."""

from __future__ import annotations

import pytest
from support import run_grader

from grader import __version__

COMMANDS = [
    "rubric check", "rubric schema", "rubric new", "rubric test",
    "key build", "key show", "key refs",
    "compare", "grade", "template", "extract",
    "gradescope build", "gradescope run", "gradescope selfcheck",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str) -> None:
    result = run_grader(*command.split(), "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: grader " + command)


def test_top_level_help_lists_every_group_without_importing_them() -> None:
    result = run_grader("--help")
    assert result.returncode == 0
    for name in ("compare", "extract", "grade", "gradescope", "key", "rubric", "template"):
        assert f"  {name} " in result.stdout


def test_version() -> None:
    result = run_grader("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"grader, version {__version__}"


def test_grader_errors_are_one_line_without_traceback(tmp_path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("assignment: {id: a, title: t}\nquestions: []\n", encoding="utf-8")
    result = run_grader("key", "build", str(broken))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and "questions" in result.stderr


@pytest.mark.parametrize(("given", "expected"), [(None, "1"), ("3", "3")])
def test_cli_keeps_numpy_to_one_blas_thread_unless_told(given: str | None, expected: str) -> None:
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    code = "import grader.cli.main, os; print(os.environ['OPENBLAS_NUM_THREADS'])"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == expected
