"""Written files honour the umask (mkstemp alone would make every output 0600)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = (
    "import os, sys\n"
    "os.umask(int(sys.argv[2], 8))\n"
    "from grader.files import stage_bytes, commit_staged, write_text_atomic\n"
    "write_text_atomic(sys.argv[1] + '/a.txt', 'a')\n"
    "commit_staged([stage_bytes(sys.argv[1] + '/b.txt', b'b')])\n"
)


@pytest.mark.parametrize(("umask", "mode"), [("022", 0o644), ("077", 0o600), ("002", 0o664)])
def test_outputs_honour_the_umask(tmp_path: Path, umask: str, mode: int) -> None:
    # a fresh process per umask: the umask is read once per process
    subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path), umask], check=True, timeout=120)
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == mode
    assert (tmp_path / "b.txt").stat().st_mode & 0o777 == mode
