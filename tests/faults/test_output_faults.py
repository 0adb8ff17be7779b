"""Faults of the output folder, through the real ``grader grade``: a second run into the
same OUT refuses at once (naming the first run's pid) and the first completes; a full disk,
a read-only OUT, a file where OUT should be, and a file-size limit give one-line errors
naming the file and the cause, never a traceback."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from grader.key.build import build_key
from grader.rubric.load import load_rubric

REPO = Path(__file__).resolve().parents[2]
MINI = REPO / "tests" / "submission" / "fixtures" / "mini.yaml"
RUBRIC, SHA = load_rubric(MINI)


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("key") / "mini.key.json"
    path.write_text(build_key(RUBRIC, SHA).dumps(), encoding="utf-8")
    return path


def _class(root: Path, students: int) -> Path:
    sys.path.insert(0, str(REPO / "benchmarks"))
    from make_class import make_class

    return make_class(MINI, root / "class", students, seed=7)


def _grade(subs: Path, out: Path, key: Path, **popen: object) -> list[str]:
    return [sys.executable, "-m", "grader.cli", "grade", str(MINI), str(subs), "-o", str(out), "--key", str(key), "--quiet"]


def _assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_second_run_into_the_same_out_refuses_and_the_first_completes(tmp_path: Path, key: Path) -> None:
    subs = _class(tmp_path, 400)
    out = tmp_path / "out"
    first = subprocess.Popen(_grade(subs, out, key) + ["--chunk-size", "20"], cwd=REPO, text=True,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not (out / ".grader.lock").exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert first.poll() is None, "the first run ended before the second could start"
    second = subprocess.run(_grade(subs, out, key), cwd=REPO, capture_output=True, text=True, timeout=120)
    first_out, first_err = first.communicate(timeout=600)
    _assert_one_line_error(second, f"another grader is writing to {out} (pid {first.pid})")
    assert first.returncode == 0, first_err
    assert "graded 400 students" in first_out
    assert len(list((out / "feedback").glob("*.json"))) == 400
    assert not (out / ".grader.lock").exists() and not list(out.rglob(".*.tmp"))
    again = subprocess.run(_grade(subs, out, key) + ["--resume"], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "400 resumed" in again.stdout  # the lock is free again


@pytest.fixture
def small_mount(tmp_path: Path) -> Iterator[Path]:
    """A 256 KB tmpfs (a disk that fills up), or a skip where mounting is not allowed."""
    target = tmp_path / "small"
    target.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(target)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        yield target
    finally:
        subprocess.run(["umount", str(target)], capture_output=True)


def test_full_disk_gives_one_line_naming_the_file(tmp_path: Path, key: Path, small_mount: Path) -> None:
    subs = _class(tmp_path, 150)
    result = subprocess.run(_grade(subs, small_mount / "out", key), cwd=REPO, capture_output=True, text=True, timeout=600)
    # one line naming the file in OUT that could not be written (feedback, or the results database)
    _assert_one_line_error(result, str(small_mount / "out"))
    assert not list((small_mount / "out").rglob(".*.tmp"))  # no half-written leftovers


def test_read_only_out_is_refused_before_any_grading(tmp_path: Path, key: Path) -> None:
    subs = _class(tmp_path, 3)
    target = tmp_path / "ro"
    target.mkdir()
    mounted = False
    if os.geteuid() == 0:
        mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(target)],
                                 capture_output=True).returncode == 0
        if not mounted:
            pytest.skip("root ignores permissions and cannot mount a read-only folder here")
    else:
        target.chmod(0o555)
    try:
        result = subprocess.run(_grade(subs, target, key), cwd=REPO, capture_output=True, text=True, timeout=300)
    finally:
        if mounted:
            subprocess.run(["umount", str(target)], capture_output=True)
        target.chmod(0o755)
    _assert_one_line_error(result, "cannot write to the output folder", str(target / ".grader.lock"))


def test_a_file_where_out_should_be(tmp_path: Path, key: Path) -> None:
    subs = _class(tmp_path, 3)
    (tmp_path / "out").write_text("not a folder")
    result = subprocess.run(_grade(subs, tmp_path / "out", key), cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2 and "Traceback" not in result.stderr  # a usage error, caught by the option itself
    assert f"Directory '{tmp_path / 'out'}' is a file" in result.stderr
    nested = subprocess.run(_grade(subs, tmp_path / "out" / "inner", key), cwd=REPO, capture_output=True, text=True,
                            timeout=300)
    _assert_one_line_error(nested, "cannot use the output folder")


def test_write_failure_midway_gives_one_line(tmp_path: Path, key: Path) -> None:
    # a kernel-enforced file-size limit (RLIMIT_FSIZE; Python ignores SIGXFSZ, so writes fail
    # with EFBIG): the run gets as far as the first feedback file, then fails on one line
    subs = _class(tmp_path, 5)
    out = tmp_path / "out"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (300, 300))

    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    result = subprocess.run(_grade(subs, out, key), cwd=REPO, capture_output=True, text=True, timeout=300,
                            preexec_fn=limit, env=env)
    _assert_one_line_error(result, str(out))
    assert "File too large" in result.stderr or "disk I/O error" in result.stderr, result.stderr
    assert not list(out.rglob(".*.tmp")) and not (out / ".grader.lock").exists()


def test_report_and_review_import_refuse_while_another_run_holds_out(tmp_path: Path, key: Path) -> None:
    from grader.files import exclusive_output

    subs = _class(tmp_path, 3)
    out = tmp_path / "out"
    done = subprocess.run(_grade(subs, out, key), cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    report_before = (out / "report.html").read_bytes()
    csv_file = tmp_path / "decisions.csv"
    exported = subprocess.run([sys.executable, "-m", "grader.cli", "review", "export", str(out), "-o", str(csv_file)],
                              cwd=REPO, capture_output=True, text=True, timeout=120)
    assert exported.returncode == 0, exported.stderr
    commands = {
        "report": [sys.executable, "-m", "grader.cli", "report", str(out)],
        "review import": [sys.executable, "-m", "grader.cli", "review", "import", str(out), str(csv_file)],
    }
    with exclusive_output(out):  # as a running `grader grade` holds it
        for command in commands.values():
            result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120)
            _assert_one_line_error(result, f"another grader is writing to {out} (pid {os.getpid()})")
    assert (out / "report.html").read_bytes() == report_before  # nothing was written meanwhile
    for name, command in commands.items():  # free again
        assert subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120).returncode == 0, name
