"""What the results database costs: grading with it vs without, and deciding a big group.

1. Grading: ``grader grade RUBRIC CLASS --key KEY --quiet --workers W`` on a synthetic class
   of N students, with this checkout and with a baseline checkout that has no database
   (``--baseline DIR``, e.g. ``git archive <commit> | tar -x -C DIR``; run with the same
   interpreter through PYTHONPATH). Runs alternate (baseline, current, baseline, ...) and
   the best of ``--repeat`` is kept for each, which filters out the noise of a busy machine.
   The in-process cost of the database steps is printed too (recording the class, the end
   of run, reading the results back), measured on the graded folder.
2. Deciding: a class of ``--group`` students who all wrote the same proof; the time of
   ``ResultsDB.decide`` on that one group (the decision is committed when it returns), and
   the time to re-render the folder afterwards.

    python benchmarks/bench_results_db.py --baseline /tmp/grader-baseline [--students 1000]

Figures only; nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from make_class import make_class  # noqa: E402


def grade(rubric: Path, key: Path, class_dir: Path, out: Path, workers: int, pythonpath: Path | None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, the grader and its workers) of one run."""
    if out.exists():
        shutil.rmtree(out)
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    command = [sys.executable, "-m", "grader.cli", "grade", str(rubric), str(class_dir), "-o", str(out),
               "--key", str(key), "--workers", str(workers), "--quiet"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(command, cwd=REPO, env=env, check=True, capture_output=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def database_steps(out: Path) -> dict[str, float]:
    """Seconds of each database step, replayed in this process on a graded folder."""
    from grader.grading.db import ResultsDB, StudentRecord

    with ResultsDB.open(out, create=False) as db:
        rubric = db.rubric()
        started = time.perf_counter()
        graded = db.graded()
        read = time.perf_counter() - started
    copy = out.parent / "replay"
    if copy.exists():
        shutil.rmtree(copy)
    copy.mkdir()
    records = [StudentRecord(g.stem, g.result, g.submission_sha256, g.sources, g.notes) for g in graded]
    from grader.key.model import load_key

    key = load_key(Path(os.environ["BENCH_KEY"]))
    with ResultsDB.open(copy) as db:
        started = time.perf_counter()
        db.begin_run(rubric, db.meta("rubric_sha256"), key)
        for index in range(0, len(records), 500):
            db.record(records[index : index + 500])
        recorded = time.perf_counter() - started
        started = time.perf_counter()
        db.finish_run([r.student_key for r in records])
        finished = time.perf_counter() - started
    return {"record": recorded, "finish_run (groups)": finished, "read back": read}


PROOF_RUBRIC = """\
assignment: {id: bench-group, title: Group decision benchmark}
questions:
  - id: q1
    parts:
      - id: q1.value
        points: 1
        prompt: "A value."
        answer: {kind: number, expected: 2}
      - id: q1.proof
        points: 4
        prompt: "Prove it."
        answer: {kind: manual}
"""


def decide_big_group(work: Path, size: int) -> dict[str, float]:
    from grader.grading.db import ResultsDB
    from grader.output.render import render_outputs

    root = work / f"group-{size}"
    if root.exists():
        shutil.rmtree(root)
    subs = root / "subs"
    for index in range(size):
        folder = subs / f"s{index:05d}"
        folder.mkdir(parents=True)
        doc = {"student": {"id": f"s{index:05d}"}, "answers": {"q1.value": 2, "q1.proof": "By induction on t."}}
        (folder / "answers.yaml").write_text(json.dumps(doc))
    rubric = root / "group.yaml"
    rubric.write_text(PROOF_RUBRIC)
    subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(rubric), str(subs), "-o", str(root / "out"),
                    "--quiet", "--workers", "2"], cwd=REPO, check=True, capture_output=True)
    with ResultsDB.open(root / "out", create=False) as db:
        group = max(db.queue(), key=lambda g: g.count)
        assert group.count == size, group
        started = time.perf_counter()
        db.decide(group.group_id, 0.75, "Right idea; the base case is missing.", "bench")
        decided = time.perf_counter() - started
        started = time.perf_counter()
        detail = db.group(group.group_id)
        shown = time.perf_counter() - started
        assert detail.summary.state == "decided"
    started = time.perf_counter()
    render_outputs(root / "out")
    rendered = time.perf_counter() - started
    return {"decide": decided, "group detail": shown, "re-render folder": rendered}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rubric", type=Path, default=REPO / "rubrics" / "ift6135-w2020-a2.yaml")
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--group", type=int, default=500)
    parser.add_argument("--baseline", type=Path, help="A checkout without the results database.")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "grader-bench")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    key = args.work / (args.rubric.stem + ".key.json")
    if not key.is_file():
        subprocess.run([sys.executable, "-m", "grader.cli", "key", "build", str(args.rubric), "-o", str(key)],
                       cwd=REPO, check=True)
    os.environ["BENCH_KEY"] = str(key)
    class_dir = args.work / f"class-{args.rubric.stem}-{args.students}"
    if not class_dir.is_dir() or len(os.listdir(class_dir)) != args.students:
        make_class(args.rubric, class_dir, args.students)

    current: list[tuple[float, float]] = []
    baseline: list[tuple[float, float]] = []
    for _ in range(args.repeat):
        if args.baseline is not None:
            baseline.append(grade(args.rubric, key, class_dir, args.work / "out-base", args.workers, args.baseline))
        current.append(grade(args.rubric, key, class_dir, args.work / "out-db", args.workers, None))
    print(f"grading {args.students} students ({args.rubric.name}, {args.workers} workers), best of {args.repeat}:")

    def line(name: str, runs: list[tuple[float, float]]) -> None:
        print(f"  {name:<27} wall {min(r[0] for r in runs):6.2f} s  cpu {min(r[1] for r in runs):6.2f} s"
              f"   (runs: {', '.join(f'{w:.1f}/{c:.1f}' for w, c in runs)})")

    line("with the results database:", current)
    if baseline:
        line("baseline, no database:", baseline)
        wall = 100 * (min(r[0] for r in current) / min(r[0] for r in baseline) - 1)
        cpu = 100 * (min(r[1] for r in current) / min(r[1] for r in baseline) - 1)
        print(f"  overhead: wall {wall:+.1f}%, cpu {cpu:+.1f}%")
    for step, seconds in database_steps(args.work / "out-db").items():
        print(f"  database step {step:<22} {seconds * 1000:8.1f} ms")
    print(f"deciding one answer group of {args.group} students:")
    for step, seconds in decide_big_group(args.work, args.group).items():
        print(f"  {step:<18} {seconds * 1000:8.1f} ms")


if __name__ == "__main__":
    main()
