"""Shared test helpers (importable as `support`): run the real ``grader`` console script."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
GRADER = Path(sys.executable).with_name("grader")


def needs_torch(rubric: Path) -> bool:
    """True when building the rubric's answer key calls a reference implementation (torch)."""
    return any(line.lstrip().startswith(("ref:", "expected: {ref:", "match: {ref:")) or "{ref: " in line
               for line in rubric.read_text(encoding="utf-8").splitlines())


def rubric_params(rubrics: list[Path]) -> list[object]:
    """pytest parameters for rubric files, marked ``torch`` where building the key needs it."""
    import pytest

    return [pytest.param(path, id=path.stem, marks=[pytest.mark.torch] if needs_torch(path) else []) for path in rubrics]


def run_grader(*args: str, cwd: Path | None = None, timeout: float = 300, env: dict[str, str] | None = None,
               check: bool = False) -> subprocess.CompletedProcess[str]:
    """Run the installed ``grader`` console script (the real CLI) and capture its output."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    result = subprocess.run(
        [str(GRADER), *args], cwd=cwd or REPO, capture_output=True, text=True, timeout=timeout, env=full_env
    )
    if check and result.returncode != 0:
        raise AssertionError(f"grader {' '.join(args)} exited {result.returncode}\n{result.stdout}\n{result.stderr}")
    return result


