"""Benchmark the Gradescope autograder: zip size, setup.sh time, run_autograder per submission.

    .venv/bin/python benchmarks/bench_gradescope.py [--rubric R] [--examples DIR] [--repeat N]

Builds the zip with the real CLI, unpacks it into a scratch /autograder-like tree, runs its
setup.sh (fresh venv from the base Python, pinned requirements, grader's wheel; pip's
cache is allowed, so a second run measures a warm cache), then times ``run_autograder``
for each submission, pinned to one core (``taskset -c 0`` when available, Gradescope
gives half a vCPU), interpreter start included. Target: under 2 s per submission.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from grader.gradescope.build import unpack  # lays the zip out as Gradescope does

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 2.0


def base_python() -> str:
    """The interpreter the project venv came from (the image must not reuse the venv)."""
    for candidate in (getattr(sys, "_base_executable", None), shutil.which("python3.11"), shutil.which("python3")):
        if candidate and ".venv" not in Path(candidate).resolve().parts:
            return str(candidate)
    return sys.executable


def env_for(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env.update({"AUTOGRADER_ROOT": str(root), "GRADER_SKIP_APT": "1", "GRADER_PYTHON": base_python(), "GRADER_PIP_CACHE": "1"})
    return env


def time_submission(root: Path, folder: Path | None, pin: list[str]) -> tuple[float, float]:
    """(wall seconds, score) of one run_autograder call on ``folder``."""
    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    if folder is None:
        submission.mkdir()
    else:
        shutil.copytree(folder, submission)
    started = time.perf_counter()
    subprocess.run([*pin, str(root / "run_autograder")], cwd=root, env=env_for(root), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    score = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))["score"]
    return seconds, float(score)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rubric", type=Path, default=REPO / "rubrics" / "sharif-ml-ps03.yaml")
    parser.add_argument("--examples", type=Path, default=None,
                        help="Folder of example submissions (default: submissions_example/<assignment id>).")
    parser.add_argument("--repeat", type=int, default=3, help="Runs per submission (the median is reported).")
    parser.add_argument("--limit", type=int, default=5, help="At most this many example submissions.")
    args = parser.parse_args()

    grader_cli = Path(sys.executable).with_name("grader")
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    with tempfile.TemporaryDirectory(prefix="bench-gradescope-") as scratch:
        tmp = Path(scratch)
        zip_path = tmp / "autograder.zip"
        started = time.perf_counter()
        subprocess.run([str(grader_cli), "gradescope", "build", str(args.rubric), "-o", str(zip_path), "--no-verify"],
                       check=True, stdout=subprocess.DEVNULL)
        build_seconds = time.perf_counter() - started
        zip_kb = zip_path.stat().st_size / 1024
        root = tmp / "autograder"
        unpack(zip_path, root)
        started = time.perf_counter()
        setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], cwd=root, env=env_for(root),
                               capture_output=True, text=True)
        setup_seconds = time.perf_counter() - started
        if setup.returncode != 0:
            print(setup.stdout[-3000:], setup.stderr[-3000:], sep="\n", file=sys.stderr)
            print(f"setup.sh failed after {setup_seconds:.1f}s (see above)", file=sys.stderr)
            return 1

        assignment = json.loads((root / "source" / "build-info.json").read_text(encoding="utf-8"))["assignment"]
        examples = args.examples or REPO / "submissions_example" / assignment
        submissions: list[tuple[str, Path | None]] = [
            ("correct (bundled)", root / "source" / "samples" / "correct"),
            ("blank (bundled)", root / "source" / "samples" / "blank"),
            ("empty folder", None),
        ]
        if examples.is_dir():
            folders = sorted(p for p in examples.iterdir() if p.is_dir())[: args.limit]
            submissions += [(folder.name, folder) for folder in folders]

        rows = []
        for name, folder in submissions:
            times, score = [], 0.0
            for _ in range(max(1, args.repeat)):
                seconds, score = time_submission(root, folder, pin)
                times.append(seconds)
            rows.append((name, statistics.median(times), max(times), score))

    width = max(len(name) for name, *_ in rows)
    print(f"rubric          {args.rubric.name}")
    print(f"zip size        {zip_kb:.1f} KB")
    print(f"build           {build_seconds:.1f} s (key with the reference implementations, wheel, zip)")
    print(f"setup.sh        {setup_seconds:.1f} s (fresh venv, pip with its cache allowed, self-check)")
    print(f"pinned to       {' '.join(pin) or 'no taskset: all cores'} (other load on that core adds to the times)")
    print()
    print(f"{'submission'.ljust(width)}  median s   max s   score")
    for name, median, worst, score in rows:
        flag = "" if median < TARGET_SECONDS else "  (over the 2 s target)"
        print(f"{name.ljust(width)}  {median:8.2f}  {worst:6.2f}  {score:6g}{flag}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
