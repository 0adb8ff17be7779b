"""The import-linter contracts in pyproject.toml hold, and they catch a broken layer.

The broken cases run ``lint-imports`` on a temporary copy of the package with one
deliberately added import (a lazy, function-level one: those count too)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _lint_imports() -> str:
    found = Path(sys.executable).parent / "lint-imports"
    if found.is_file():
        return str(found)
    which = shutil.which("lint-imports")
    if which is None:
        pytest.fail("lint-imports is not installed (it is in the dev extra: bash scripts/setup.sh)")
    return which


def _run(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [_lint_imports(), "--no-cache"], cwd=root, env=env, capture_output=True, text=True, timeout=300
    )


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "checkout"
    root.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("grader", "reference"):
        shutil.copytree(REPO / name, root / name, ignore=ignore)
    shutil.copy(REPO / "pyproject.toml", root / "pyproject.toml")
    return root


def _append(path: Path, code: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + code + "\n", encoding="utf-8")


def test_contracts_hold_on_the_checkout(tmp_path: Path) -> None:
    result = _run(_copy(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 kept, 0 broken" in result.stdout


BROKEN = [
    (
        "checker-imports-a-renderer",
        "grader/check/engine.py",
        "def _upward() -> None:\n    from grader.output.summary import summarize  # noqa: F401\n",
        "grader.check.engine -> grader.output.summary",
    ),
    (
        "schema-imports-the-checker",
        "grader/rubric/models.py",
        "def _upward() -> None:\n    import grader.check.registry  # noqa: F401\n",
        "grader.rubric.models -> grader.check.registry",
    ),
    (
        "pipeline-imports-torch",
        "grader/grading/score.py",
        "def _heavy() -> None:\n    import torch  # noqa: F401\n",
        "grader.grading.score -> torch",
    ),
    (
        "pipeline-builds-a-key",
        "grader/grading/plan.py",
        "def _build() -> None:\n    from grader.key.build import build_key  # noqa: F401\n",
        "grader.grading.plan -> grader.key.build",
    ),
]


@pytest.mark.parametrize(("module", "code", "named"), [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN])
def test_a_deliberate_wrong_import_breaks_a_contract(tmp_path: Path, module: str, code: str, named: str) -> None:
    root = _copy(tmp_path)
    _append(root / module, code)
    result = _run(root)
    assert result.returncode != 0, result.stdout
    assert "BROKEN" in result.stdout
    assert named in result.stdout, result.stdout
