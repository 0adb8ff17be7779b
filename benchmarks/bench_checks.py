"""Time per distinct check, by answer kind and outcome, in one process (no pool).

Generates the answers of the class ``make_class.py`` writes (same seed; no files written),
keeps the distinct (part, answer) pairs, exactly the checks ``grader grade`` would run,
and times ``check_part`` on each (CPU time of this process: other processes loading the machine
change it little). Prints count, mean, median, 90th percentile and total time per kind and
per (kind, status), and the whole; ``--profile FILE`` writes a cProfile
of the checks.

    python benchmarks/bench_checks.py [--rubric rubrics/ift6135-w2020-a2.yaml] [-n 1000]
        [--style realistic|simple] [--key KEY.json] [--profile /tmp/checks.prof]

Without ``--key`` the key is built first (needs torch). Times are CPU-bound and depend on
the machine and its load: compare figures taken in the same conditions.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import random
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from make_class import FIRST, LAST, STYLES, answer_for  # noqa: E402
from realistic_answers import RealisticAnswers  # noqa: E402

from grader.check.engine import check_part, context_for  # noqa: E402
from grader.grading.plan import normalize_answer  # noqa: E402
from grader.grading.worker import warm_up  # noqa: E402
from grader.key.build import build_key  # noqa: E402
from grader.key.model import load_key  # noqa: E402
from grader.rubric.load import load_rubric  # noqa: E402


def distinct_checks(rubric_path: Path, count: int, style: str, seed: int) -> tuple[object, dict[tuple[str, str], object]]:
    rubric, sha = load_rubric(rubric_path)
    answerer = RealisticAnswers(rubric, fallback=answer_for).answer if style == "realistic" else answer_for
    rng = random.Random(seed)
    checks: dict[tuple[str, str], object] = {}
    for _student in range(count):  # the draws of make_class.write_student: the same class
        rng.choice(FIRST), rng.choice(LAST)
        answers = [(part, answerer(part, rng)) for part in rubric.parts()]
        rng.random()
        for part, raw in answers:
            if part.answer.kind == "manual" or raw is None:
                continue
            normalized = normalize_answer(raw)
            if normalized is not None:
                checks.setdefault((part.id, normalized[0]), normalized[1])
    return (rubric, sha), checks


def _row(label: str, seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return (f"{label:32} {len(seconds):6d} {1e3 * statistics.fmean(seconds):9.2f} {1e3 * statistics.median(seconds):9.2f}"
            f" {1e3 * p90:9.2f} {sum(seconds):9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rubric", type=Path, default=REPO / "rubrics" / "ift6135-w2020-a2.yaml")
    parser.add_argument("-n", "--count", type=int, default=1000)
    parser.add_argument("--style", choices=STYLES, default="realistic")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--key", type=Path, default=None)
    parser.add_argument("--profile", type=Path, default=None)
    args = parser.parse_args()
    (rubric, sha), checks = distinct_checks(args.rubric, args.count, args.style, args.seed)
    key = load_key(args.key) if args.key else build_key(rubric, sha)  # type: ignore[arg-type]
    parts = {part.id: part for part in rubric.parts()}  # type: ignore[attr-defined]
    contexts = {part_id: context_for(rubric, part) for part_id, part in parts.items()}  # type: ignore[arg-type]
    warm_up(rubric, key)  # type: ignore[arg-type]
    by_kind: dict[str, list[float]] = defaultdict(list)
    by_status: dict[str, list[float]] = defaultdict(list)
    profiler = cProfile.Profile() if args.profile else None
    started, started_cpu = time.perf_counter(), time.process_time()
    for (part_id, _text), raw in checks.items():
        part = parts[part_id]
        if profiler:
            profiler.enable()
        begin = time.process_time()
        verdict = check_part(part, key.parts[part_id], raw, contexts[part_id])
        spent = time.process_time() - begin
        if profiler:
            profiler.disable()
        by_kind[part.answer.kind].append(spent)
        by_status[f"{part.answer.kind} {verdict.status.value}"].append(spent)
    total, total_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    if profiler and args.profile:
        profiler.dump_stats(args.profile)
    print(f"{args.style} class of {args.count}: {len(checks)} distinct checks in {total_cpu:.1f} s of CPU "
          f"({total:.1f} s wall, one process; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs)")
    print(f"{'kind (status)':32} {'checks':>6} {'mean ms':>9} {'median':>9} {'p90':>9} {'total s':>9}   (CPU time)")
    for kind in sorted(by_kind):
        print(_row(kind, by_kind[kind]))
    print()
    for label in sorted(by_status):
        print(_row(label, by_status[label]))
    print(_row("all", [s for seconds in by_kind.values() for s in seconds]))


if __name__ == "__main__":
    main()
