"""Throughput of ``grader grade``: wall time and peak memory for synthetic classes.

For each class size N (default 100, 1000, 5000), generator style (``--styles``, default
realistic: students' own forms and own numbers, about 43% of the auto-graded answers
distinct; simple: the former generator, 2% distinct) and worker count (1, 2), generate a
class with ``make_class.py`` (cached under the work folder), then run ``grader grade RUBRIC
CLASS -o OUT --key KEY --quiet`` as a subprocess. Peak memory is sampled from /proc as
the largest sum of the resident set sizes of the grader process and its workers; the
largest single process (``/usr/bin/time -f %M``, else ``getrusage(RUSAGE_CHILDREN)``)
is shown too.

    python benchmarks/bench_grade.py [--rubric rubrics/ift6135-w2020-a2.yaml] [--sizes 100 1000]
        [--styles realistic simple] [--workers 2]

The key is built once beforehand (that needs torch); grading itself does not.
Targets (issue 9): 1000 students x every part of the IFT6135 W2020 rubric with 2 workers,
under 1 GB peak memory: realistic class <= 20 s, simple class <= 5 s. Time per distinct
check by answer kind: ``benchmarks/bench_checks.py``.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from make_class import STYLES, Census, make_class  # noqa: E402


def _children(pid: int) -> list[int]:
    found = [pid]
    index = 0
    while index < len(found):
        current = found[index]
        index += 1
        try:
            with open(f"/proc/{current}/task/{current}/children", encoding="ascii") as handle:
                found.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return found


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class TreeSampler(threading.Thread):
    """Samples the summed RSS of a process tree every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            total = sum(_rss_kb(pid) for pid in _children(self.pid))
            self.peak_kb = max(self.peak_kb, total)
            time.sleep(self.interval)


def run_once(rubric: Path, key: Path, class_dir: Path, out: Path, workers: int) -> tuple[float, float, float, float, int]:
    """Wall seconds, CPU seconds (the grader and its workers), peak tree MB, largest process MB,
    exit code. CPU seconds depend little on other processes loading the machine: on a shared
    machine compare those."""
    if out.exists():
        shutil.rmtree(out)
    # grading makes its files durable with syncfs, which also flushes whatever else is dirty on
    # the file system: the class make_class.py just wrote, the previous run's removal. Flush
    # those first, so that the run pays for its own writes only.
    os.sync()
    command = [
        sys.executable, "-m", "grader.cli", "grade", str(rubric), str(class_dir),
        "-o", str(out), "--key", str(key), "--workers", str(workers), "--quiet",
    ]
    timer = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)
    if timer:
        command = [timer, "-f", "maxrss_kb=%M", *command]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = TreeSampler(process.pid)
    sampler.start()
    stdout, stderr = process.communicate()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    sampler.stopped.set()
    sampler.join()
    largest_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # cumulative fallback
    for line in stderr.splitlines()[::-1]:
        if line.startswith("maxrss_kb="):
            largest_mb = int(line.split("=")[1]) / 1024
            break
    if process.returncode != 0:
        print(stdout, stderr, file=sys.stderr)
    return wall, cpu, sampler.peak_kb / 1024, largest_mb, process.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description="Benchmark grader grade on synthetic classes.")
    parser.add_argument("--rubric", type=Path, default=REPO / "rubrics" / "ift6135-w2020-a2.yaml")
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 5000])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--styles", nargs="+", choices=STYLES, default=["realistic"])
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "grader-bench")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    key = args.work / (args.rubric.stem + ".key.json")
    subprocess.run(
        [sys.executable, "-m", "grader.cli", "key", "build", str(args.rubric), "-o", str(key)], cwd=REPO, check=True
    )
    rows = []
    for style in args.styles:
        for size in args.sizes:
            class_dir = args.work / f"class-{args.rubric.stem}-{style}-{size}"
            census = Census()
            make_class(args.rubric, class_dir, size, style=style, census=census)  # cheap next to grading
            print(f"{style} class of {size}: {census}", flush=True)
            for workers in args.workers:
                wall, cpu, tree_mb, largest_mb, code = run_once(args.rubric, key, class_dir, args.work / "out", workers)
                rows.append((style, size, workers, wall, cpu, tree_mb, largest_mb, code))
                print(f"{style} N={size:5d} workers={workers}  {wall:7.1f}s wall  {cpu:7.1f}s CPU  peak {tree_mb:7.0f} MB "
                      f"(largest process {largest_mb:5.0f} MB)  exit {code}", flush=True)
    print(f"\nload average (1, 5, 15 min): {' '.join(f'{value:.2f}' for value in os.getloadavg())} on {os.cpu_count()} CPUs")
    print(f"{'style':>9}  {'students':>8}  {'workers':>7}  {'wall s':>7}  {'CPU s':>7}  {'students/s':>10}  {'peak MB':>8}  {'max proc MB':>11}")
    for style, size, workers, wall, cpu, tree_mb, largest_mb, code in rows:
        flag = "" if code == 0 else f"  (exit {code})"
        print(f"{style:>9}  {size:>8}  {workers:>7}  {wall:>7.1f}  {cpu:>7.1f}  {size / wall:>10.1f}  {tree_mb:>8.0f}  {largest_mb:>11.0f}{flag}")


if __name__ == "__main__":
    main()
