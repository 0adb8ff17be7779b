"""kill -9 during grading and during decisions, and two concurrent writers: no acknowledged
decision is lost and the database stays consistent (``PRAGMA integrity_check``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import REPO, run_grader

from grader.grading.db import ResultsDB
from tests.grading.dbsupport import CLASS, write_class, write_rubric

MINI = REPO / "tests" / "submission" / "fixtures" / "mini.yaml"

# A process that decides groups in a loop and prints each action id once it is committed.
DECIDER = """
import sys
from grader.grading.db import ResultsDB
out, who, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
db = ResultsDB.open(out, create=False)
groups = [g.group_id for g in db.queue(statuses=None) if g.status != "missing"]
for index in range(count):
    group = groups[index % len(groups)]
    if index % 5 == 4:
        action = db.undo(group, who)
    else:
        action = db.decide(group, (index % 4) / 4, f"{who} decision {index}", who)
    print(action, flush=True)
"""


def _decider(out: Path, who: str, count: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", DECIDER, str(out), who, str(count)], cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def _consistent(db: ResultsDB) -> None:
    assert db.integrity_check() == "ok"
    assert db.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    # every action is whole: a group action has one row per distinct answer text of its group
    for action, rows, parts in db.conn.execute(
        "SELECT action_id, count(*), count(DISTINCT part_id) FROM decisions GROUP BY action_id"
    ):
        assert parts == 1 and rows >= 1, action


@pytest.fixture
def graded(tmp_path: Path) -> Path:
    run_grader("grade", str(write_rubric(tmp_path)), str(write_class(tmp_path, CLASS)), "-o", str(tmp_path / "out"),
               "--quiet", check=True)
    return tmp_path / "out"


def test_two_concurrent_writers_lose_nothing(graded: Path) -> None:
    first, second = _decider(graded, "ta1", 40), _decider(graded, "ta2", 40)
    outputs = [process.communicate(timeout=300) for process in (first, second)]
    for process, (_, err) in zip((first, second), outputs, strict=True):
        assert process.returncode == 0, err
    acknowledged = [int(line) for out, _ in outputs for line in out.split() if line != "None"]
    with ResultsDB.open(graded, create=False) as db:
        _consistent(db)
        stored = {row.action_id for row in db.decision_rows()}
        assert set(acknowledged) <= stored and len(set(acknowledged)) == len(acknowledged)
        assert {row.who for row in db.decision_rows()} == {"ta1", "ta2"}


def test_kill_9_during_decisions_loses_no_committed_decision(graded: Path) -> None:
    process = _decider(graded, "ta", 100000)
    assert process.stdout is not None
    acknowledged: list[int] = []
    deadline = time.monotonic() + 120
    while len(acknowledged) < 30 and time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.strip() and line.strip() != "None":
            acknowledged.append(int(line))
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert len(acknowledged) >= 30
    with ResultsDB.open(graded, create=False) as db:
        _consistent(db)
        stored = {row.action_id for row in db.decision_rows()}
        assert set(acknowledged) <= stored
    # the folder still renders and grades
    result = run_grader("review", "export", str(graded), "-o", str(graded.parent / "d.csv"))
    assert result.returncode == 0, result.stderr


def test_kill_9_during_grading_keeps_decisions_and_consistency(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "benchmarks"))
    from make_class import make_class

    subs = make_class(MINI, tmp_path / "class", 600, seed=5)
    out = tmp_path / "out"
    run_grader("grade", str(MINI), str(subs), "-o", str(out), "--quiet", check=True)
    with ResultsDB.open(out, create=False) as db:
        queue = db.queue()
        assert queue, "the class has answers that need a person"
        for group in queue:
            db.decide(group.group_id, 0.5, "half", "ta")
        decided = db.decision_rows()
    from grader.output.render import render_outputs

    render_outputs(out)
    reference = (out / "gradebook.csv").read_text()
    rows = [line.split(",") for line in reference.splitlines()]
    pending = rows[0].index("Pending")
    assert {row[pending] for row in rows[1:]} == {"0"}, "every waiting group was decided"

    # regrade (not resume), killed while it records chunks
    (out / "gradebook.csv").unlink()
    process = subprocess.Popen(
        [sys.executable, "-m", "grader.cli", "grade", str(MINI), str(subs), "-o", str(out), "--quiet", "--chunk-size", "20"],
        cwd=REPO, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    with ResultsDB.open(out, create=False) as watcher:
        while time.monotonic() < deadline and watcher.meta("run_state") != "grading":
            time.sleep(0.01)
    time.sleep(0.5)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (out / "gradebook.csv").exists(), "the run finished before it could be killed"
    with ResultsDB.open(out, create=False) as db:
        _consistent(db)
        assert db.decision_rows() == decided
        assert db.meta("run_state") == "grading"
    resumed = run_grader("grade", str(MINI), str(subs), "-o", str(out), "--quiet", "--resume", check=True)
    assert "resumed" in resumed.stdout
    assert (out / "gradebook.csv").read_text() == reference
