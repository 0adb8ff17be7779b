"""Benchmark the Gradescope autograder: zip size, setup.sh time, run_autograder per submission.

    .venv/bin/python benchmarks/bench_gradescope.py [--rubric R ...] [--examples DIR] [--repeat N]
                                                    [--this-env] [--imports]

For each rubric (default: every bundled rubric) builds the zip with the real CLI, unpacks
it into a scratch /autograder-like tree, runs its setup.sh (fresh venv from the base
Python, pinned requirements, grader's wheel; pip's cache is allowed, so a second run
measures a warm cache; ``--this-env`` links this environment's venv instead, which skips
pip but measures the same code), then times ``run_autograder`` for each bundled sample and
example submission, pinned to one core (``taskset -c 0`` when available; Gradescope gives
half a vCPU), interpreter start included. Targets (issue 13): median <= 1 s and 95th
percentile <= 3 s over all submissions. ``--imports`` prints the slowest imports of one run
(``python -X importtime``). Other load on the machine adds to every figure: note the load
average printed at the end.
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
TARGET_MEDIAN = 1.0
TARGET_P95 = 3.0


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


def time_submission(root: Path, folder: Path | None, pin: list[str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds of the run's processes, score) of one run_autograder call.

    CPU time (user + system of run_autograder and its children, from getrusage) is what
    the run costs a core; on a busy machine the wall time also holds the waits for it."""
    import resource

    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    if folder is None:
        submission.mkdir()
    else:
        shutil.copytree(folder, submission)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([*pin, str(root / "run_autograder")], cwd=root, env=env_for(root), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    score = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))["score"]
    return seconds, cpu, float(score)


def percentile(values: list[float], share: float) -> float:
    """The ``share`` quantile (nearest rank) of ``values``."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-share * len(ordered) // 1))))
    return ordered[rank - 1]


def setup_image(rubric: Path, tmp: Path, this_env: bool) -> tuple[Path, float, float, float] | None:
    """Build and set up the image of ``rubric``: (root, zip KB, build s, setup s), None on failure."""
    grader_cli = Path(sys.executable).with_name("grader")
    zip_path = tmp / "autograder.zip"
    started = time.perf_counter()
    subprocess.run([str(grader_cli), "gradescope", "build", str(rubric), "-o", str(zip_path), "--no-verify"],
                   check=True, stdout=subprocess.DEVNULL)
    build_seconds = time.perf_counter() - started
    root = tmp / "autograder"
    unpack(zip_path, root)
    started = time.perf_counter()
    if this_env:
        (root / "venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    else:
        setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], cwd=root, env=env_for(root),
                               capture_output=True, text=True)
        if setup.returncode != 0:
            print(setup.stdout[-3000:], setup.stderr[-3000:], sep="\n", file=sys.stderr)
            print(f"setup.sh failed after {time.perf_counter() - started:.1f}s (see above)", file=sys.stderr)
            return None
    return root, zip_path.stat().st_size / 1024, build_seconds, time.perf_counter() - started


def slowest_imports(root: Path, folder: Path, count: int = 15) -> list[str]:
    """The ``count`` slowest imports (cumulative) of one run, from ``python -X importtime``."""
    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    shutil.copytree(folder, submission)
    python = root / "venv" / "bin" / "python"
    done = subprocess.run([str(python), "-X", "importtime", "-m", "grader.cli", "gradescope", "run", "--root", str(root)],
                          cwd=root, env=env_for(root), capture_output=True, text=True)
    rows = []
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    return [f"{micro / 1e6:7.3f} s  {name}" for micro, name in sorted(rows, reverse=True)[:count]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rubric", type=Path, action="append", default=None,
                        help="A rubric (repeatable; default: every rubrics/*.yaml).")
    parser.add_argument("--examples", type=Path, default=None,
                        help="Folder of example submissions (default: submissions_example/<assignment id>).")
    parser.add_argument("--repeat", type=int, default=3, help="Runs per submission (the median is reported).")
    parser.add_argument("--limit", type=int, default=20, help="At most this many example submissions per rubric.")
    parser.add_argument("--this-env", action="store_true", help="Use this venv in the image instead of running setup.sh.")
    parser.add_argument("--imports", action="store_true", help="Print the slowest imports of one run per rubric.")
    args = parser.parse_args()

    rubrics = args.rubric or sorted((REPO / "rubrics").glob("*.yaml"))
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    rows: list[tuple[str, str, float, float, float]] = []
    for rubric in rubrics:
        with tempfile.TemporaryDirectory(prefix="bench-gradescope-") as scratch:
            image = setup_image(rubric, Path(scratch), args.this_env)
            if image is None:
                return 1
            root, zip_kb, build_seconds, setup_seconds = image
            how = "this venv linked" if args.this_env else "fresh venv, pip cache allowed, self-check"
            print(f"{rubric.name}: zip {zip_kb:.1f} KB; build {build_seconds:.1f} s; setup {setup_seconds:.1f} s ({how})")
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
            for name, folder in submissions:
                times, cpus, score = [], [], 0.0
                for _ in range(max(1, args.repeat)):
                    seconds, cpu, score = time_submission(root, folder, pin)
                    times.append(seconds)
                    cpus.append(cpu)
                rows.append((rubric.stem, name, statistics.median(times), statistics.median(cpus), score))
            if args.imports:
                print("  slowest imports (cumulative) of the correct sample:")
                for line in slowest_imports(root, root / "source" / "samples" / "correct"):
                    print("   ", line)

    width = max(len(name) for _, name, *_ in rows)
    rubric_width = max(len(stem) for stem, *_ in rows)
    print(f"\npinned to {' '.join(pin) or 'no taskset: all cores'}; interpreter start included")
    print(f"{'rubric'.ljust(rubric_width)}  {'submission'.ljust(width)}  wall s   CPU s   score")
    for stem, name, wall, cpu, score in rows:
        print(f"{stem.ljust(rubric_width)}  {name.ljust(width)}  {wall:6.2f}  {cpu:6.2f}  {score:6g}")
    for label, column in (("wall", 2), ("CPU", 3)):
        values = [row[column] for row in rows]
        print(f"{len(values)} submissions, {label} time: median {statistics.median(values):.2f} s "
              f"(target <= {TARGET_MEDIAN:g} s), 95th percentile {percentile(values, 0.95):.2f} s "
              f"(target <= {TARGET_P95:g} s), slowest {max(values):.2f} s")
    print(f"load average while measuring: {' '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
