"""The grading pipeline: plan -> check -> score -> record -> write, for one submission or a class.

``grade_batch`` runs ONE supervised worker pool for the whole class, and through it:
reads every submission folder (a folder that cannot be read, or whose reading hangs or
crashes, gives that student 0 with the reason; the batch never stops); then, chunk by
chunk of students, runs each *distinct* (part id, normalized answer) check once, and has
the workers score each student of the chunk and write their files with the renderer the
caller gives. Each chunk is recorded in the results database ``OUT/grades.sqlite``
(``grader.grading.db``: one transaction) before its files land; at the end the answer
groups are rebuilt and every student's result is read back from the database with the
people's decisions applied. An interrupted run leaves finished students recorded and on
disk; ``resume=True`` skips students the database holds graded with the same rubric, files
and identity (and whose feedback files exist).

Outputs depend only on the inputs: students sorted by id, checks in a fixed order and
seeded; the number of workers changes nothing but the time taken. Grading never imports
torch.
"""

from __future__ import annotations

import gc
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.check.verdict import Status, Verdict
from grader.files import clean_temp_files, commit_staged
from grader.grading.db import Merge, ResultsDB, StudentRecord, answer_sha
from grader.grading.plan import (
    CheckKey,
    Normalized,
    StudentSlot,
    assign_stems,
    group_members,
    normalized_answers,
    plan_checks,
    submission_folders,
    verdicts_of,
)
from grader.grading.score import score_extraction
from grader.grading.worker import (
    BatchTask,
    StudentRenderer,
    WriteJob,
    batch_on_failure,
    make_pool,
    read_failed,
    read_task,
    warm_up,
    write_student,
)
from grader.key import AnswerKey
from grader.results import Graded, Student, SubmissionResult
from grader.rubric.models import Rubric
from grader.submission.extract import Extraction
from grader.submission.identity import METADATA_FILE, Roster, load_metadata

__all__ = [
    "DEFAULT_CHUNK",
    "BatchRun",
    "grade_batch",
    "grade_submission",
    "grade_submission_full",
    "read_submission",
    "run_checks",
]

DEFAULT_CHUNK = 500  # students per chunk: finished chunks are on disk if a run is killed
WRITE_GROUP = 4  # students scored and rendered per pool task


@dataclass
class BatchRun:
    """What ``grade_batch`` did: every student's result in gradebook order, the batch's
    problems (not any one student's), and counts for the summary line."""

    results: list[Graded] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    graded: int = 0
    resumed: int = 0
    unique_checks: int = 0
    seconds: float = 0.0


def run_checks(
    rubric: Rubric,
    key: AnswerKey,
    checks: dict[CheckKey, Any],
    *,
    workers: int = 1,
    budget: Any = None,
    seed: int = 0,
    progress: Callable[..., Any] | None = None,
    pool: Any = None,
) -> dict[CheckKey, Verdict]:
    """Run distinct checks through the supervised pool; verdicts by check key.

    ``pool``: a running ``grader.check.pool.Pool`` of ``grader.grading.worker.batch_task`` to reuse (a batch
    keeps one for its whole run); without it a pool is started for these checks."""
    if not checks:
        return {}
    tasks: list[BatchTask] = [("check", (part_id, value)) for (part_id, _), value in checks.items()]
    if pool is not None:
        results = pool.map(tasks, on_timeout=batch_on_failure, progress=progress)
    else:
        with make_pool(rubric, key, workers=workers, budget=budget, seed=seed) as own:
            results = own.map(tasks, on_timeout=batch_on_failure, progress=progress)
    return dict(zip(checks, results, strict=True))


def read_submission(
    rubric: Rubric,
    folder: str | Path,
    *,
    roster: Roster | None = None,
    metadata: dict[str, list[Student]] | None = None,
    metadata_name: str | None = None,
    budget: Any = None,
) -> Extraction:
    """Read one submission folder in a supervised worker, under the same time and memory
    budget as a check (``grader.check.pool.Budget``): a folder that hangs, exhausts memory
    or crashes the reader gives an extraction whose ``failed`` says why (every part an
    ``error``), never a traceback. What ``grader extract`` and ``gradescope run`` use."""
    from grader.check.pool import Budget, run_tasks

    task = (str(folder), rubric, roster, metadata, metadata_name)
    return run_tasks(read_task, [task], workers=1, budget=budget if budget is not None else Budget(),
                     on_timeout=read_failed)[0]


def grade_submission(
    rubric: Rubric,
    key: AnswerKey,
    folder: str | Path,
    *,
    rubric_sha256: str | None = None,
    roster: Roster | None = None,
    metadata: dict[str, list[Student]] | None = None,
    budget: Any = None,
    seed: int = 0,
) -> SubmissionResult:
    """Grade one submission folder (checks run in one supervised worker)."""
    return grade_submission_full(
        rubric, key, folder, rubric_sha256=rubric_sha256, roster=roster, metadata=metadata, budget=budget, seed=seed
    ).result


def grade_submission_full(
    rubric: Rubric,
    key: AnswerKey,
    folder: str | Path,
    *,
    rubric_sha256: str | None = None,
    roster: Roster | None = None,
    metadata: dict[str, list[Student]] | None = None,
    budget: Any = None,
    seed: int = 0,
) -> Graded:
    """Like grade_submission, with the sources, notes and content hash the writers use."""
    sha = rubric_sha256 or key.rubric_sha256
    batch = {"roster": roster, "metadata": metadata}
    with make_pool(rubric, key, workers=1, budget=budget, seed=seed, batch=batch) as pool:
        extraction = pool.map([("extract", str(folder))], on_timeout=batch_on_failure)[0]
        checks = plan_checks(rubric, [extraction])
        verdicts = run_checks(rubric, key, checks, workers=1, budget=budget, seed=seed, pool=pool)
    return score_extraction(rubric, sha, extraction, verdicts)


class _Bar:
    """click.progressbar over checks, only on a terminal."""

    def __init__(self, total: int, enabled: bool) -> None:
        self.bar: Any = None
        self.done = 0
        if enabled and total:
            import click

            self.bar = click.progressbar(length=total, label="checking answers", file=sys.stderr)
            self.bar.__enter__()

    def chunk(self, offset: int) -> Callable[..., None]:
        def update(*args: Any) -> None:
            if self.bar is None:
                return
            done = offset + int(args[0]) if args and isinstance(args[0], int) else self.done + 1
            if done > self.done:
                self.bar.update(done - self.done)
                self.done = done

        return update

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@contextmanager
def _collector_spared() -> Iterator[None]:
    """Within: ``gc.freeze()`` moves what exists to the collector's permanent generation
    (what a batch keeps for its whole run: extractions, results), so that collections do
    not walk an ever larger heap (which made a batch's time grow faster than its size);
    on leaving, everything is handed back to the collector."""
    try:
        yield
    finally:
        gc.unfreeze()


def grade_batch(
    rubric: Rubric,
    rubric_sha: str,
    key: AnswerKey,
    submissions_dir: str | Path,
    out_dir: str | Path,
    *,
    workers: int = 1,
    roster: Roster | None = None,
    resume: bool = False,
    quiet: bool = False,
    budget: Any = None,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK,
    render: StudentRenderer,
) -> BatchRun:
    """Grade every folder of ``submissions_dir``; each student's files (what ``render``
    makes of them) land in ``out_dir/feedback/`` atomically, chunk by chunk.

    Returns every student's result in gradebook order, with the batch's problems; the
    class-level files (gradebook, summary) are the caller's. Raises only for problems that
    are not a student's (e.g. an unreadable submissions directory); every student problem
    ends up in that student's result.
    """
    started = time.monotonic()
    source = Path(submissions_dir)
    out = Path(out_dir)
    feedback_dir = out / "feedback"
    feedback_dir.mkdir(parents=True, exist_ok=True)
    clean_temp_files(out)
    clean_temp_files(feedback_dir)
    batch_problems: list[str] = list(roster.problems) if roster is not None else []
    try:
        metadata = load_metadata(source)
    except Exception as exc:  # noqa: BLE001 - a bad metadata file costs identities, not grades
        metadata = {}
        batch_problems.append(f"{METADATA_FILE}: {exc}; folder names used as student ids")

    folders = submission_folders(source, batch_problems)
    batch = {
        "roster": roster, "metadata": metadata, "rubric_sha": rubric_sha, "feedback_dir": str(feedback_dir),
        "render": render,
    }
    db = ResultsDB.open(out)
    try:
        run = _grade_into(db, rubric, rubric_sha, key, out, folders, batch, batch_problems, metadata,
                          workers=workers, resume=resume, quiet=quiet, budget=budget, seed=seed,
                          chunk_size=chunk_size, render=render)
    finally:
        db.close()
    run.seconds = round(time.monotonic() - started, 3)
    return run


def _grade_into(db: ResultsDB, rubric: Rubric, rubric_sha: str, key: AnswerKey, out: Path, folders: list[Path],
                batch: dict[str, Any], batch_problems: list[str], metadata: dict[str, Any], *, workers: int,
                resume: bool, quiet: bool, budget: Any, seed: int, chunk_size: int, render: StudentRenderer) -> BatchRun:
    """The body of ``grade_batch``: read, check, record and write, chunk by chunk."""
    feedback_dir = out / "feedback"
    db.begin_run(rubric, rubric_sha, key)
    warm_up(rubric, key, seed)
    with make_pool(rubric, key, workers=workers, budget=budget, seed=seed, batch=batch) as pool, _collector_spared():
        read = pool.map([("extract", str(folder)) for folder in folders], on_timeout=batch_on_failure)
        extractions = []
        for folder, extraction in zip(folders, read, strict=True):
            if not extraction.answers and not extraction.wrong_assignment:
                batch_problems.append(f"{folder.name}: no answers found ({'; '.join(extraction.problems) or 'empty'})")
            extractions.append(extraction)
            extractions.extend(group_members(extraction, metadata.get(folder.name, [])))
        students = assign_stems(extractions, batch_problems)
        gc.freeze()  # the class's extractions live until the end: no collection walks them again

        todo: list[StudentSlot] = []
        resumed: set[str] = set()
        for student in students:
            if resume and _already_recorded(db, feedback_dir, rubric_sha, student):
                resumed.add(student.stem)
            else:
                todo.append(student)
        graded: dict[str, Graded] = {}

        cache: dict[CheckKey, Verdict] = {}
        size = max(1, chunk_size)
        chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
        normal = {s.stem: normalized_answers(s.extraction) for s in todo}  # each answer normalized once
        all_checks = plan_checks(rubric, [s.extraction for s in todo], [normal[s.stem] for s in todo])
        bar = _Bar(len(all_checks), enabled=not quiet and sys.stderr.isatty())
        try:
            for chunk in chunks:
                needed = plan_checks(rubric, [s.extraction for s in chunk], [normal[s.stem] for s in chunk])
                fresh = {k: v for k, v in needed.items() if k not in cache}
                cache.update(
                    run_checks(rubric, key, fresh, workers=workers, budget=budget, seed=seed,
                               progress=bar.chunk(bar.done), pool=pool)
                )
                jobs = [WriteJob(s.extraction, s.stem, verdicts_of(s.extraction, cache, normal[s.stem])) for s in chunk]
                # the workers score and render each student and stage their files; this process
                # scores them too (pure and cheap: no result travels back through a pipe), each
                # as its files are staged, while the workers go on with the next students
                # (a few students per task: rendering runs no student-controlled computation, and
                # one message per student cost more than the rendering of a simple class)
                groups = [jobs[i : i + WRITE_GROUP] for i in range(0, len(jobs), WRITE_GROUP)]
                records: list[StudentRecord] = []

                def score(index: int, _staged: Any, groups: list[list[WriteJob]] = groups,
                          records: list[StudentRecord] = records) -> None:
                    for job in groups[index]:
                        full = score_extraction(rubric, rubric_sha, job.extraction, job.verdicts, normal[job.stem])
                        graded[job.stem] = Graded(full.result, full.submission_sha256, stem=job.stem)
                        records.append(_record(full, job, normal[job.stem]))

                written = pool.map([("write", group) for group in groups], on_timeout=batch_on_failure, on_result=score)
                staged: list[tuple[str, str]] = []
                for group, done in zip(groups, written, strict=True):
                    if done is None:  # the worker failed: do it here (an error now is a bug: raised)
                        done = [write_student(rubric, rubric_sha, feedback_dir, job, render)[1] for job in group]
                    for files in done:
                        staged.extend(files)
                order = {job.stem: position for position, job in enumerate(jobs)}
                records.sort(key=lambda record: order[record.student_key])  # results arrive as they finish
                db.record(records)  # the chunk's results, then
                commit_staged(staged)  # its files, durable then in place (resume needs both)
                gc.freeze()  # nor the chunk's results
            merges = _proven_equal_groups(rubric, cache, [normal[s.stem] for s in todo], pool)
        finally:
            bar.close()
    clean_temp_files(feedback_dir)  # what a write stopped mid-way left (the pool is closed)

    db.finish_run([student.stem for student in students], merges=merges, problems=batch_problems)
    # every result as the database holds it: students a decision concerns (and resumed ones)
    # are read back whole; the others are what was just recorded (no decision applies)
    concerned = {student_key for student_key, _ in db.reviews()} | resumed
    stored = {g.stem: g for g in db.graded(concerned)} if concerned else {}
    return BatchRun(
        results=[stored[s.stem] if s.stem in stored else graded[s.stem] for s in students],
        problems=batch_problems,
        graded=len(todo),
        resumed=len(resumed),
        unique_checks=len(all_checks),
    )


MERGE_CANDIDATES = 8  # per part: the most common answers waiting for a person compared pairwise
MERGEABLE = (Status.UNDECIDED,)


def _proven_equal_groups(rubric: Rubric, cache: dict[CheckKey, Verdict], answers: list[Normalized], pool: Any) -> list[Merge]:
    """Answer groups to merge: within each expression part, the most common distinct
    answers the checker could not decide are compared pairwise by the checker (each pair a
    pool task with a small budget); the ones proven equal form one group."""
    counts: Counter[CheckKey] = Counter()
    for normal in answers:
        for part_id, (text, _value) in normal.items():
            counts[(part_id, text)] += 1
    kinds = {part.id: part.answer.kind for part in rubric.parts()}
    candidates: dict[str, list[str]] = {}
    for (part_id, text), verdict in cache.items():
        if kinds.get(part_id) == "expression" and verdict.status in MERGEABLE:
            candidates.setdefault(part_id, []).append(text)
    pairs: list[tuple[str, str, str]] = []
    for part_id in sorted(candidates):
        texts = sorted(candidates[part_id], key=lambda text: (-counts[(part_id, text)], text))[:MERGE_CANDIDATES]
        pairs += [(part_id, texts[i], texts[j]) for i in range(len(texts)) for j in range(i + 1, len(texts))]
    if not pairs:
        return []
    proven = pool.map([("equivalent", pair) for pair in pairs], on_timeout=batch_on_failure)
    parent: dict[tuple[str, str], tuple[str, str]] = {}

    def root(node: tuple[str, str]) -> tuple[str, str]:
        while parent.get(node, node) != node:
            node = parent[node]
        return node

    for (part_id, first, second), equal in zip(pairs, proven, strict=True):
        if equal is True:
            a, b = sorted((root((part_id, first)), root((part_id, second))))
            if a != b:
                parent[b] = a
    sets: dict[tuple[str, str], list[str]] = {}
    for node in parent:
        sets.setdefault(root(node), [root(node)[1]]).append(node[1])
    by_part: dict[str, list[list[str]]] = {}
    for (part_id, _), texts in sorted(sets.items()):
        by_part.setdefault(part_id, []).append(sorted({answer_sha(text) for text in texts}))
    return [(part_id, groups, "checker") for part_id, groups in sorted(by_part.items())]


def _record(graded: Graded, job: WriteJob, normal: Normalized) -> StudentRecord:
    """What the results database keeps of one graded student (full answer texts included)."""
    texts = {part_id: text for part_id, (text, _value) in normal.items()}
    return StudentRecord(job.stem, graded.result, graded.submission_sha256, graded.sources, graded.notes, texts)


def _already_recorded(db: ResultsDB, feedback_dir: Path, rubric_sha: str, student: StudentSlot) -> bool:
    """``--resume``: the database holds this student graded with this rubric, from the same
    files and identity, and their feedback files are in place."""
    extraction = student.extraction
    if not (feedback_dir / f"{student.stem}.json").is_file() or not (feedback_dir / f"{student.stem}.md").is_file():
        return False
    return db.recorded(student.stem) == (rubric_sha, extraction.content_hash, extraction.student or Student(id="unknown"))
