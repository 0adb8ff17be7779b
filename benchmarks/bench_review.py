"""Benchmark of the review page on a large class: queue and group page load times.

Builds ``OUT/grades.sqlite`` for a synthetic class (default 1000 students) on a bundled
rubric through the results database's own API (``ResultsDB.begin_run/record/finish_run``):
every prose (manual) answer is distinct, so each manual part has one group per student
(the worst case for the queue), and math answers come from a small pool of right, wrong
and unreadable forms. A few hundred decisions are recorded first, as mid-review. Then the
review app is served in-process (Starlette's TestClient: token gate, database, templates,
everything but the socket) and the pages are fetched; prints the median and worst load
time of each. Not a test: the figures depend on the machine.

    .venv/bin/python benchmarks/bench_review.py [--students 1000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

from grader.check.verdict import Status, Verdict
from grader.grading.db import ResultsDB, StudentRecord
from grader.results import PartResult, Student, SubmissionResult
from grader.review.adapter import open_store
from grader.review.app import create_app
from grader.review.queries import QueueCache
from grader.rubric.load import load_rubric

RUBRIC = Path(__file__).resolve().parent.parent / "rubrics" / "ift6135-w2020-a2.yaml"
MATH_FORMS = [
    (Status.CORRECT, 1.0, "m/(1-beta^t)"), (Status.CORRECT, 1.0, r"\frac{m}{1-\beta^t}"),
    (Status.WRONG, 0.0, "m/(1+beta^t)"), (Status.PARTIAL, 0.5, "m"), (Status.INVALID, 0.0, "m/(1-beta^t"),
    (Status.UNDECIDED, 0.0, r"\sum_{k} m_k beta^{t-k}"), (Status.MISSING, 0.0, ""),
]


def build(out: Path, students: int, seed: int = 0) -> float:
    """Write the synthetic class's database; returns the seconds it took."""
    rng = random.Random(seed)
    rubric, sha = load_rubric(RUBRIC)
    started = time.perf_counter()
    records = []
    for index in range(students):
        sid = f"s{index:05d}"
        parts = []
        for part in rubric.parts():
            if part.answer.kind == "manual":
                status, score = Status.MANUAL, 0.0
                text: str | None = f"Proof by student {sid}: since the gradient of {part.id} vanishes, {rng.random():.6f} < 1."
            else:
                status, score, text = rng.choice(MATH_FORMS)
                text = text or None
            verdict = Verdict(score=score, status=status, feedback=status.value, shown=text or "")
            parts.append(PartResult(part.id, round(score * part.points, 4), part.points, verdict, text))
        result = SubmissionResult(Student(id=sid, name=f"Student {index}"), rubric.assignment.id, sha, tuple(parts))
        records.append(StudentRecord(sid, result, "sha-" + sid, {p.part_id: "answers.yaml:3" for p in parts}))
    with ResultsDB.open(out) as db:
        db.begin_run(rubric, sha, None)
        for start in range(0, len(records), 500):
            db.record(records[start : start + 500])
        db.finish_run([record.student_key for record in records])
        queue = db.queue()
        for summary in queue[: len(queue) // 10]:  # mid-review: a tenth of the open groups decided
            db.decide(summary.group_id, 0.5, "benchmark", "bench")
    return time.perf_counter() - started


def timed(client: TestClient, path: str, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        seconds = build(out, args.students)
        with ResultsDB.open(out, create=False) as db:
            answers = db.conn.execute("SELECT count(*) FROM answers").fetchone()[0]
            groups = db.conn.execute("SELECT count(*) FROM groups").fetchone()[0]
            queue = db.queue()
            part_id = queue[0].part_id
            group_id = queue[len(queue) // 2].group_id
        print(f"class: {args.students} students, {answers} answers, {groups} groups, {len(queue)} in the default queue "
              f"(database built in {seconds:.1f} s)")
        cache = QueueCache()
        keeper = open_store(out, cache)  # as `grader review` does: one connection kept open while serving
        client = TestClient(create_app(lambda: open_store(out, cache), token="bench", who="bench"), base_url="http://127.0.0.1")
        started = time.perf_counter()
        assert client.get("/?token=bench").status_code == 200
        print(f"{'first queue page (cold cache)':36} {(time.perf_counter() - started) * 1000:7.1f} ms (grader review warms it before printing the URL)")
        for label, path in (
            ("queue page (all parts, page 1)", "/"),
            ("queue page (all parts, last page)", "/?page=100000"),
            ("queue page (one part)", f"/?part={part_id}"),
            ("queue page (any status)", "/?status=all"),
            ("group page", f"/g/{group_id}"),
        ):
            median, worst = timed(client, path, args.repeat)
            print(f"{label:36} median {median * 1000:7.1f} ms   worst {worst * 1000:7.1f} ms")
        # A decision, then the next queue page (the cache recomputes only the touched group).
        times = []
        for index in range(args.repeat):
            target = queue[(index * 7) % len(queue)].group_id
            started = time.perf_counter()
            assert client.post(f"/g/{target}/decide", data={"fraction": "1", "token": "bench"},
                               headers={"HX-Request": "1"}).status_code == 200
            decided = time.perf_counter()
            assert client.get("/").status_code == 200
            times.append((decided - started, time.perf_counter() - decided))
        print(f"{'decision (POST, group page back)':36} median {statistics.median(t[0] for t in times) * 1000:7.1f} ms"
              f"   worst {max(t[0] for t in times) * 1000:7.1f} ms")
        largest = max(queue, key=lambda summary: summary.count)
        started = time.perf_counter()
        assert client.post(f"/g/{largest.group_id}/decide", data={"fraction": "0.5", "token": "bench"},
                           headers={"HX-Request": "1"}).status_code == 200
        label = f"decision on a group of {largest.count}"
        print(f"{label:36} {(time.perf_counter() - started) * 1000:7.1f} ms (POST until the group page is back)")
        print(f"{'queue page after a decision':36} median {statistics.median(t[1] for t in times) * 1000:7.1f} ms"
              f"   worst {max(t[1] for t in times) * 1000:7.1f} ms")
        keeper.close()


if __name__ == "__main__":
    main()
