"""Faults around a running ``grader grade``: SIGTERM and SIGKILL of the supervisor leave no
worker behind (checked in the process table), whatever the workers are doing."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.key.build import build_key
from grader.rubric.load import load_rubric

REPO = Path(__file__).resolve().parents[2]
MINI = REPO / "tests" / "submission" / "fixtures" / "mini.yaml"
RUBRIC, SHA = load_rubric(MINI)

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the Linux process table")


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process from /proc, or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None and stat[1] == pid and stat[0] != "Z":
                found.append(int(entry.name))
    return found


def _alive(pids: list[int]) -> list[int]:
    """Those still running (a zombie waiting for a reaper has stopped running)."""
    return [pid for pid in pids if (stat := _stat(pid)) is not None and stat[0] != "Z"]


def _start(tmp_path: Path, students: int = 600) -> tuple[subprocess.Popen[str], Path, list[int]]:
    sys.path.insert(0, str(REPO / "benchmarks"))
    from make_class import make_class

    subs = make_class(MINI, tmp_path / "class", students, seed=5)
    key = tmp_path / "mini.key.json"
    key.write_text(build_key(RUBRIC, SHA).dumps())
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "grader.cli", "grade", str(MINI), str(subs), "-o", str(out), "--key", str(key),
         "--quiet", "--workers", "2", "--chunk-size", "25"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 120
    workers: list[int] = []
    while time.monotonic() < deadline and process.poll() is None:
        workers = _children(process.pid)
        if len(workers) >= 2:
            break
        time.sleep(0.02)
    if process.poll() is not None or len(workers) < 2:
        process.kill()
        pytest.fail("the run ended (or never started its workers) before it could be signalled")
    return process, out, workers


def _gone_soon(pids: list[int], seconds: float = 20) -> list[int]:
    deadline = time.monotonic() + seconds
    while _alive(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return _alive(pids)


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_signalled_supervisor_leaves_no_worker_behind(tmp_path: Path, signum: int) -> None:
    process, out, workers = _start(tmp_path)
    process.send_signal(signum)  # the supervisor only, not its process group
    _, stderr = process.communicate(timeout=60)
    assert _gone_soon(workers) == [], "workers outlived their supervisor"
    if signum == signal.SIGTERM:
        assert process.returncode == 143
        assert "Traceback" not in stderr
        assert stderr.strip().splitlines()[-1].startswith("error: terminated: the students already graded are kept in")
    if signum == signal.SIGTERM:  # a terminated run cleans up: no staged leftovers, OUT free again
        assert not list(out.rglob(".*.tmp")) and not (out / ".grader.lock").exists()
