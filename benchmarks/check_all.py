"""Run every distinct check of a class in one process: CPU per check and per part, and
optionally a JSON dump of every verdict (to diff before/after a checker change) or a
cProfile of the whole run.

    .venv/bin/python benchmarks/check_all.py CLASS_DIR --key KEY.json \
        [--rubric rubrics/ift6135-w2020-a2.yaml] [--dump verdicts.json] [--profile out.prof]
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import json
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.grading import worker as W  # noqa: E402
from grader.grading.plan import plan_checks, submission_folders  # noqa: E402
from grader.key import load_key  # noqa: E402
from grader.rubric.load import load_rubric  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("class_dir", type=Path)
    parser.add_argument("--key", type=Path, required=True)
    parser.add_argument("--rubric", type=Path, default=Path("rubrics/ift6135-w2020-a2.yaml"))
    parser.add_argument("--dump", type=Path, help="write every verdict as JSON here")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the checks here")
    parser.add_argument("--slowest", type=int, default=25)
    args = parser.parse_args()

    rubric, _ = load_rubric(args.rubric)
    key = load_key(args.key)
    W.init_worker(rubric, key, 0, {})
    W.warm_up(rubric, key, 0)
    folders = submission_folders(args.class_dir, [])
    extractions = [W.safe_extract(folder, rubric, None, {}) for folder in folders]
    checks = plan_checks(rubric, extractions)
    kinds = {part.id: part.answer.kind for part in rubric.parts()}
    warnings.simplefilter("ignore")

    rows = []
    dump = []
    by_part: dict[str, float] = collections.defaultdict(float)
    count: collections.Counter[str] = collections.Counter()
    profiler = cProfile.Profile() if args.profile else None
    start = time.process_time()
    for (part_id, text), value in checks.items():
        before = time.process_time()
        if profiler is not None:
            profiler.enable()
        verdict = W._check_task((part_id, value))
        if profiler is not None:
            profiler.disable()
        spent = time.process_time() - before
        rows.append((spent, part_id, text[:90], verdict.status.value))
        by_part[part_id] += spent
        count[part_id] += 1
        if args.dump:
            dump.append({"part": part_id, "answer": text, **verdict.to_json()})
    total = time.process_time() - start

    rows.sort(reverse=True)
    for spent, part_id, text, status in rows[: args.slowest]:
        print(f"{spent * 1000:8.1f} ms {part_id:24s} {status:10s} {text}")
    print()
    for part_id, spent in sorted(by_part.items(), key=lambda item: -item[1])[:15]:
        print(f"{part_id:26s} n={count[part_id]:5d} total {spent:6.2f}s mean {1000 * spent / count[part_id]:6.2f} ms")
    by_kind: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0])
    for part_id, spent in by_part.items():
        kind = kinds.get(part_id, "?")
        by_kind[kind][0] += spent
        by_kind[kind][1] += count[part_id]
    print()
    for kind, (spent, n) in sorted(by_kind.items(), key=lambda item: -item[1][0]):
        print(f"kind {kind:12s} n={int(n):5d} total {spent:6.2f}s mean {1000 * spent / n:6.2f} ms")
    import resource

    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n{len(rows)} distinct checks, CPU {total:.2f} s, peak memory of this process {peak_mb:.0f} MB")
    if args.dump:
        args.dump.write_text(json.dumps(dump, indent=1, sort_keys=True, default=str) + "\n", encoding="utf-8")
    if profiler is not None:
        profiler.dump_stats(str(args.profile))


if __name__ == "__main__":
    main()
