"""Grade one submission, or a whole class.

``grade_batch`` runs ONE supervised worker pool (``grader.check.pool.Pool``: per-task
time and memory limits enforced from outside) for the whole class, and through it:
reads every submission folder (a folder that cannot be read, or whose reading hangs or
crashes, gives that student 0 with the reason; the batch never stops); then, chunk by
chunk of students, runs each *distinct* (part id, normalized answer) check once, and has
the workers score each student of the chunk and write their feedback files. Finally the
gradebook and the class summary are written. An interrupted run leaves finished students
on disk; ``resume=True`` skips students whose feedback already matches the rubric and
the submission's content. Reading, checking and writing all use every worker, so the
time grows linearly with the class.

Outputs depend only on the inputs: students sorted by id, checks in a fixed order and
seeded, sorted JSON keys, fixed number formatting, no timestamps; the number of workers
changes nothing but the time taken. Grading never imports torch.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.check.verdict import Status, Verdict
from grader.grading.db import ResultsDB, StudentRecord
from grader.key import AnswerKey
from grader.output.atomic import clean_temp_files, commit_staged, stage_bytes
from grader.output.feedback import (
    Graded,
    feedback_json,
    feedback_markdown,
    file_stem,
)
from grader.output.render import render_outputs
from grader.output.summary import BatchSummary
from grader.results import PartResult, Student, SubmissionResult
from grader.rubric.models import Rubric
from grader.submission.extract import Extraction, extract
from grader.submission.identity import METADATA_FILE, Roster, load_metadata

__all__ = [
    "grade_submission",
    "grade_batch",
    "normalize_answer",
    "plan_checks",
    "score_extraction",
    "submission_folders",
    "CheckTask",
    "DEFAULT_CHUNK",
]

DEFAULT_CHUNK = 500  # students per chunk: finished chunks are on disk if a run is killed
ANSWER_DISPLAY_CHARS = 500
CheckTask = tuple[str, Any]  # (part id, normalized raw answer)
CheckKey = tuple[str, str]  # (part id, canonical text of the answer)


# --------------------------------------------------------------------------- pure steps


def normalize_answer(raw: Any) -> tuple[str, Any] | None:
    """Canonical text of an answer (for deduplication and display) and the value to check.

    Text: stripped, whitespace collapsed. Numbers, lists and mappings: a canonical JSON
    dump (sorted keys), and the value checked is that dump read back, so two students
    with the same canonical answer get the very same check. None when there is no answer.
    """
    if raw is None:
        return None
    if isinstance(raw, str):
        text = " ".join(raw.split())
        return (text, text) if text else None
    try:
        canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError):
        text = " ".join(str(raw).split())
        return (text, text) if text else None
    return canonical, json.loads(canonical)


def plan_checks(rubric: Rubric, extractions: Iterable[Extraction]) -> dict[CheckKey, Any]:
    """The distinct checks a set of extractions needs, in a fixed order (rubric order, then text)."""
    order = {part.id: index for index, part in enumerate(rubric.parts())}
    wanted: dict[CheckKey, Any] = {}
    for extraction in extractions:
        if extraction.wrong_assignment is not None:
            continue
        for part_id, raw in extraction.answers.items():
            if part_id not in order:
                continue
            normalized = normalize_answer(raw)
            if normalized is not None:
                wanted.setdefault((part_id, normalized[0]), normalized[1])
    return {key: wanted[key] for key in sorted(wanted, key=lambda k: (order[k[0]], k[1]))}


def _missing(feedback: str) -> Verdict:
    return Verdict(score=0.0, status=Status.MISSING, feedback=feedback)


def score_extraction(
    rubric: Rubric,
    rubric_sha256: str,
    extraction: Extraction,
    verdicts: dict[CheckKey, Verdict],
) -> Graded:
    """Turn an extraction plus the verdicts of its checks into a Graded result (pure)."""
    student = extraction.student or Student(id="unknown")
    parts: list[PartResult] = []
    for part in rubric.parts():
        raw = extraction.answers.get(part.id)
        normalized = normalize_answer(raw)
        shown: str | None = None
        if extraction.wrong_assignment is not None:
            verdict = _missing(f"Not graded: the answers file is for assignment '{extraction.wrong_assignment}'.")
        elif normalized is None:
            verdict = _missing("No answer was given for this part.")
        else:
            shown = normalized[0]
            found = verdicts.get((part.id, normalized[0]))
            verdict = found if found is not None else Verdict(
                score=0.0, status=Status.ERROR, feedback="This answer was not checked (internal error); a person will look at it."
            )
        if shown is not None and len(shown) > ANSWER_DISPLAY_CHARS:
            shown = shown[: ANSWER_DISPLAY_CHARS - 3] + "..."
        parts.append(
            PartResult(
                part_id=part.id,
                points=round(verdict.score * part.points, 4),
                max_points=part.points,
                verdict=verdict,
                answer=shown,
            )
        )
    result = SubmissionResult(
        student=student,
        assignment=rubric.assignment.id,
        rubric_sha256=rubric_sha256,
        parts=tuple(parts),
        problems=tuple(extraction.problems),
    )
    return Graded(
        result=result,
        submission_sha256=extraction.content_hash,
        sources=dict(extraction.sources),
        notes=tuple(extraction.notes),
        stem=file_stem(student.id),
    )


def unreadable(folder: Path, reason: str) -> Extraction:
    """The extraction of a folder that could not be read at all."""
    return Extraction(
        student=Student(id=folder.name, folder=folder.name),
        problems=[f"the submission could not be read: {reason}"],
    )


def group_members(extraction: Extraction, submitters: list[Student]) -> list[Extraction]:
    """Copies of a group submission's extraction for its other submitters (Gradescope
    groups: every member gets the same grades and a gradebook row of their own)."""
    student = extraction.student
    if len(submitters) < 2 or student is None or student.id != submitters[0].id:
        return []
    return [
        dataclasses.replace(
            extraction,
            student=Student(id=member.id, name=member.name, email=member.email, folder=student.folder),
            problems=list(extraction.problems),
            notes=list(extraction.notes),
        )
        for member in submitters[1:]
    ]


def submission_folders(submissions_dir: str | Path) -> list[Path]:
    """Student folders of a submissions directory (hidden folders skipped), sorted."""
    root = Path(submissions_dir)
    return sorted(
        (entry for entry in root.iterdir() if entry.is_dir() and not entry.name.startswith((".", "__"))),
        key=lambda entry: entry.name,
    )


# --------------------------------------------------------------------------- the worker side

_WORKER: dict[str, Any] = {}
BatchTask = tuple[str, Any]  # ("check", (part id, value)) | ("extract", folder) | ("write", _WriteJob)


@dataclass(frozen=True)
class _WriteJob:
    """What a worker needs to score one student and write their feedback files."""

    extraction: Extraction
    stem: str
    verdicts: dict[CheckKey, Verdict]


def _init_worker(
    rubric: Rubric,
    key: AnswerKey,
    seed: int,
    batch: dict[str, Any] | None = None,
) -> None:
    """Worker initializer: keep the rubric, key and check contexts (loaded once per worker),
    and for a batch its roster, metadata, rubric sha and feedback folder.

    With the fork start method a worker inherits what ``warm_up`` built in the parent, so
    the contexts are rebuilt only when they are not the same rubric's."""
    if _WORKER.get("rubric") is not rubric or _WORKER.get("seed") != seed:
        from grader.check.engine import context_for

        _WORKER["parts"] = {part.id: part for part in rubric.parts()}
        _WORKER["contexts"] = {part.id: context_for(rubric, part, seed) for part in rubric.parts()}
    _WORKER["rubric"] = rubric
    _WORKER["seed"] = seed
    _WORKER["key"] = key
    _WORKER["batch"] = batch or {}


def _check_task(task: CheckTask) -> Verdict:
    from grader.check.engine import check_part

    part_id, raw = task
    key: AnswerKey = _WORKER["key"]
    return check_part(_WORKER["parts"][part_id], key.parts[part_id], raw, _WORKER["contexts"][part_id])


def _write_feedback(rubric: Rubric, rubric_sha: str, feedback_dir: Path, job: _WriteJob) -> tuple[Graded, list[tuple[str, str]]]:
    """Score one student and stage feedback/<stem>.md, then .json (``commit_staged`` puts
    them in place in that order: a student with a .json is finished for ``--resume``)."""
    result = score_extraction(rubric, rubric_sha, job.extraction, job.verdicts)
    result = Graded(result.result, result.submission_sha256, result.sources, result.notes, job.stem)
    staged = [
        stage_bytes(feedback_dir / f"{job.stem}.md", feedback_markdown(result, rubric).encode("utf-8")),
        stage_bytes(feedback_dir / f"{job.stem}.json", feedback_json(result).encode("utf-8")),
    ]
    return result, staged


def _for_summary(graded: Graded) -> Graded:
    """What the gradebook and the class summary use of a graded student (points, status,
    answer, how it was read): small to send back from a worker and to keep for a class."""
    result = graded.result
    parts = tuple(
        PartResult(
            part_id=part.part_id,
            points=part.points,
            max_points=part.max_points,
            verdict=Verdict(part.verdict.score, part.verdict.status, "", shown=part.verdict.shown),
            answer=part.answer,
        )
        for part in result.parts
    )
    return Graded(dataclasses.replace(result, parts=parts, problems=()), graded.submission_sha256, stem=graded.stem)


def _batch_task(task: BatchTask) -> Any:
    """The one function a batch's pool runs: reading a folder, one check, or one student's
    feedback (scored, rendered and staged). Reading and rendering run in the workers so
    that they use every core (and a folder that hangs or crashes the reader costs only its
    own student)."""
    kind, payload = task
    if kind == "check":
        return _check_task(payload)
    batch = _WORKER["batch"]
    rubric: Rubric = _WORKER["rubric"]
    if kind == "extract":
        return _safe_extract(Path(payload), rubric, batch.get("roster"), batch.get("metadata"))
    if kind == "write":
        graded, staged = _write_feedback(rubric, batch["rubric_sha"], Path(batch["feedback_dir"]), payload)
        return _for_summary(graded), staged
    raise ValueError(f"unknown task kind {kind!r}")


def _check_failed(reason: str) -> Verdict:
    """The verdict of a check the pool had to stop: out of budget, or the checker failed."""
    if reason.startswith("the checker"):  # "the checker failed: ..." / "the checker crashed"
        return Verdict(
            score=0.0,
            status=Status.ERROR,
            feedback="The checker failed on this answer (an internal error, not your fault); a person will look at it.",
            evidence={"reason": str(reason)},
        )
    return Verdict(
        score=0.0,
        status=Status.TIMEOUT,
        feedback=f"Checking this answer ran out of its budget ({reason}); a person will look at it.",
        evidence={"reason": str(reason)},
    )


def _batch_on_failure(task: BatchTask, reason: str) -> Any:
    """What a stopped batch task gives: a verdict (check), an unreadable folder (extract),
    or None (write: the supervisor then writes that student's feedback itself)."""
    kind, payload = task
    if kind == "check":
        return _check_failed(reason)
    if kind == "extract":
        reason = reason.replace("the checker", "the reader")
        return unreadable(Path(payload), f"reading the folder was stopped: {reason}")
    return None


def _note_warnings(result: Any, messages: list[str]) -> Any:
    """Warnings raised while checking an answer become evidence of its verdict (for staff)."""
    if isinstance(result, Verdict):
        return dataclasses.replace(result, evidence={**result.evidence, "warnings": messages})
    return result


def warm_up(rubric: Rubric, key: AnswerKey, seed: int = 0) -> None:
    """Load the engine, checkers and parsers in this process before workers are forked,
    by reading each part's own expected value (rubric text, trusted). Best effort."""
    _init_worker(rubric, key, seed)
    from grader.check.base import checker_for

    seen: set[str] = set()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for part in rubric.parts():
            kind = part.answer.kind
            expected = key.parts[part.id].expected if part.id in key.parts else None
            if kind in seen or not isinstance(expected, str):
                continue
            seen.add(kind)
            try:
                checker_for(kind).read(part.answer, expected, _WORKER["contexts"][part.id])
            except Exception:  # noqa: BLE001, S110 - warming up only; real checks run isolated
                pass


def _pool(
    rubric: Rubric, key: AnswerKey, *, workers: int, budget: Any, seed: int, batch: dict[str, Any] | None = None
) -> Any:
    from grader.check.pool import Budget, Pool

    return Pool(
        _batch_task,
        workers=workers,
        budget=budget if budget is not None else Budget(),
        initializer=_init_worker,
        initargs=(rubric, key, seed, batch),
        on_warnings=_note_warnings,
    )


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

    ``pool``: a running ``grader.check.pool.Pool`` of ``_batch_task`` to reuse (a batch
    keeps one for its whole run); without it a pool is started for these checks."""
    if not checks:
        return {}
    tasks: list[BatchTask] = [("check", (part_id, value)) for (part_id, _), value in checks.items()]
    if pool is not None:
        results = pool.map(tasks, on_timeout=_batch_on_failure, progress=progress)
    else:
        with _pool(rubric, key, workers=workers, budget=budget, seed=seed) as own:
            results = own.map(tasks, on_timeout=_batch_on_failure, progress=progress)
    return dict(zip(checks, results, strict=True))


# --------------------------------------------------------------------------- one submission


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
    extraction = _safe_extract(Path(folder), rubric, roster, metadata)
    checks = plan_checks(rubric, [extraction])
    verdicts = run_checks(rubric, key, checks, workers=1, budget=budget, seed=seed)
    return score_extraction(rubric, sha, extraction, verdicts)


def _safe_extract(
    folder: Path, rubric: Rubric, roster: Roster | None, metadata: dict[str, list[Student]] | None
) -> Extraction:
    try:
        return extract(folder, rubric, roster=roster, metadata=metadata)
    except Exception as exc:  # noqa: BLE001 - isolation: one folder never stops a batch
        return unreadable(folder, f"{type(exc).__name__}: {exc}")


# --------------------------------------------------------------------------- many submissions


@dataclass
class _Student:
    extraction: Extraction
    stem: str


def _verdicts_of(extraction: Extraction, cache: dict[CheckKey, Verdict]) -> dict[CheckKey, Verdict]:
    """The verdicts one student's answers need (what ``score_extraction`` looks up)."""
    out: dict[CheckKey, Verdict] = {}
    for part_id, raw in extraction.answers.items():
        normalized = normalize_answer(raw)
        if normalized is not None and (part_id, normalized[0]) in cache:
            out[(part_id, normalized[0])] = cache[(part_id, normalized[0])]
    return out


def _assign_stems(extractions: Sequence[Extraction], problems: list[str]) -> list[_Student]:
    """Unique output file names; students sharing an id are told and disambiguated by folder."""
    by_stem: dict[str, list[Extraction]] = {}
    for extraction in extractions:
        student = extraction.student or Student(id="unknown")
        by_stem.setdefault(file_stem(student.id), []).append(extraction)
    out: list[_Student] = []
    for stem, group in by_stem.items():
        if len(group) == 1:
            out.append(_Student(group[0], stem))
            continue
        folders = ", ".join(sorted(e.student.folder for e in group if e.student))
        problems.append(f"student id '{stem}' is claimed by several folders ({folders}); each is graded separately")
        for extraction in group:
            folder = extraction.student.folder if extraction.student else "unknown"
            extraction.problems.append(f"another submission folder also claims student id '{stem}' ({folders})")
            out.append(_Student(extraction, f"{stem}__{file_stem(folder)}"))
    out.sort(key=lambda s: (s.extraction.student.id if s.extraction.student else "", s.stem))
    return out


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
) -> BatchSummary:
    """Grade every folder of ``submissions_dir`` into ``out_dir``; returns the summary.

    Writes ``gradebook.csv``, ``feedback/<id>.json`` + ``.md`` and ``summary.json``, each
    atomically. Raises only for problems that are not a student's (e.g. an unreadable
    submissions directory); every student problem ends up in that student's feedback.
    """
    started = time.monotonic()
    source = Path(submissions_dir)
    out = Path(out_dir)
    feedback_dir = out / "feedback"
    feedback_dir.mkdir(parents=True, exist_ok=True)
    clean_temp_files(out)
    clean_temp_files(feedback_dir)
    batch_problems: list[str] = []
    try:
        metadata = load_metadata(source)
    except Exception as exc:  # noqa: BLE001 - a bad metadata file costs identities, not grades
        metadata = {}
        batch_problems.append(f"{METADATA_FILE}: {exc}; folder names used as student ids")

    folders = submission_folders(source)
    batch = {"roster": roster, "metadata": metadata, "rubric_sha": rubric_sha, "feedback_dir": str(feedback_dir)}
    db = ResultsDB.open(out)
    try:
        summary = _grade_into(db, rubric, rubric_sha, key, source, out, folders, batch, batch_problems, metadata,
                              workers=workers, resume=resume, quiet=quiet, budget=budget, seed=seed, chunk_size=chunk_size)
    finally:
        db.close()
    summary.seconds = round(time.monotonic() - started, 3)
    return summary


def _grade_into(db: ResultsDB, rubric: Rubric, rubric_sha: str, key: AnswerKey, source: Path, out: Path,
                folders: list[Path], batch: dict[str, Any], batch_problems: list[str], metadata: dict[str, Any], *,
                workers: int, resume: bool, quiet: bool, budget: Any, seed: int, chunk_size: int) -> BatchSummary:
    """The body of ``grade_batch``: read, check, write feedback and record, chunk by chunk."""
    feedback_dir = out / "feedback"
    db.begin_run(rubric, rubric_sha, key)
    warm_up(rubric, key, seed)
    with _pool(rubric, key, workers=workers, budget=budget, seed=seed, batch=batch) as pool, _collector_spared():
        read = pool.map([("extract", str(folder)) for folder in folders], on_timeout=_batch_on_failure)
        extractions = []
        for folder, extraction in zip(folders, read, strict=True):
            if not extraction.answers and not extraction.wrong_assignment:
                batch_problems.append(f"{folder.name}: no answers found ({'; '.join(extraction.problems) or 'empty'})")
            extractions.append(extraction)
            extractions.extend(group_members(extraction, metadata.get(folder.name, [])))
        students = _assign_stems(extractions, batch_problems)
        gc.freeze()  # the class's extractions live until the end: no collection walks them again

        todo: list[_Student] = []
        resumed = 0
        for student in students:
            if resume and _already_recorded(db, feedback_dir, rubric_sha, student):
                resumed += 1
            else:
                todo.append(student)

        cache: dict[CheckKey, Verdict] = {}
        size = max(1, chunk_size)
        chunks = [todo[i : i + size] for i in range(0, len(todo), size)]
        all_checks = plan_checks(rubric, (s.extraction for s in todo))
        bar = _Bar(len(all_checks), enabled=not quiet and sys.stderr.isatty())
        try:
            for chunk in chunks:
                needed = plan_checks(rubric, (s.extraction for s in chunk))
                fresh = {k: v for k, v in needed.items() if k not in cache}
                cache.update(
                    run_checks(rubric, key, fresh, workers=workers, budget=budget, seed=seed,
                               progress=bar.chunk(bar.done), pool=pool)
                )
                jobs = [_WriteJob(s.extraction, s.stem, _verdicts_of(s.extraction, cache)) for s in chunk]
                written = pool.map([("write", job) for job in jobs], on_timeout=_batch_on_failure)
                staged: list[tuple[str, str]] = []
                for job, done in zip(jobs, written, strict=True):
                    if done is None:  # the worker failed: do it here (an error now is a bug: raised)
                        done = _write_feedback(rubric, rubric_sha, feedback_dir, job)
                    staged.extend(done[1])
                db.record([_record(rubric, rubric_sha, job) for job in jobs])  # the chunk's results, then
                commit_staged(staged)  # its feedback, durable then in place (resume needs both)
                gc.freeze()  # nor the chunk's results
        finally:
            bar.close()
    clean_temp_files(feedback_dir)  # what a write stopped mid-way left (the pool is closed)

    db.finish_run([student.stem for student in students], problems=batch_problems)
    # gradebook, summary, and the feedback of students a person's decision concerns: from the database
    summary = render_outputs(out, db=db, feedback_for=db.students_with_decisions())
    summary.graded = len(todo)
    summary.resumed = resumed
    summary.unique_checks = len(all_checks)
    return summary


def _record(rubric: Rubric, rubric_sha: str, job: _WriteJob) -> StudentRecord:
    """What the results database keeps of one graded student (full answer texts included)."""
    graded = score_extraction(rubric, rubric_sha, job.extraction, job.verdicts)
    texts = {}
    for part_id, raw in job.extraction.answers.items():
        normalized = normalize_answer(raw)
        if normalized is not None:
            texts[part_id] = normalized[0]
    return StudentRecord(job.stem, graded.result, graded.submission_sha256, graded.sources, graded.notes, texts)


def _already_recorded(db: ResultsDB, feedback_dir: Path, rubric_sha: str, student: _Student) -> bool:
    """``--resume``: the database holds this student graded with this rubric, from the same
    files and identity, and their feedback files are in place."""
    extraction = student.extraction
    if not (feedback_dir / f"{student.stem}.json").is_file() or not (feedback_dir / f"{student.stem}.md").is_file():
        return False
    return db.recorded(student.stem) == (rubric_sha, extraction.content_hash, extraction.student or Student(id="unknown"))


# --------------------------------------------------------------------------- from paths


@dataclass
class RubricRun:
    """One rubric's outcome in ``grade_paths``: a summary, a skip reason, or an error."""

    rubric_path: Path
    assignment: str = ""
    summary: BatchSummary | None = None
    skipped: str | None = None
    error: str | None = None


def default_key_path(rubric_path: Path) -> Path:
    """Where ``grader key build`` writes a rubric's key: ``<rubric stem>.key.json`` beside it."""
    return rubric_path.with_name(rubric_path.stem + ".key.json")


def resolve_key(rubric: Rubric, rubric_sha: str, rubric_path: Path, key_path: Path | None) -> AnswerKey:
    """The answer key to grade with.

    ``key_path`` a file: load it and check it matches the rubric (AnswerKeyError if not).
    ``key_path`` a folder: ``<assignment id>.json``, ``<stem>.key.json`` or ``<stem>.json``
    in it. Otherwise ``<stem>.key.json`` beside the rubric when it matches the rubric, else
    the key is built (this imports torch when the rubric uses reference calls).
    """
    from grader.key import build_key, check_key_matches, load_key

    candidates: list[Path] = []
    if key_path is not None and key_path.is_dir():
        stem = rubric_path.stem
        candidates = [key_path / f"{rubric.assignment.id}.json", key_path / f"{stem}.key.json", key_path / f"{stem}.json"]
    elif key_path is not None:
        answer_key = load_key(key_path)
        check_key_matches(answer_key, rubric, rubric_sha)
        return answer_key
    else:
        beside = default_key_path(rubric_path)
        if beside.is_file():
            answer_key = load_key(beside)
            if answer_key.rubric_sha256 == rubric_sha:
                check_key_matches(answer_key, rubric, rubric_sha)
                return answer_key
    for candidate in candidates:
        if candidate.is_file():
            answer_key = load_key(candidate)
            check_key_matches(answer_key, rubric, rubric_sha)
            return answer_key
    return build_key(rubric, rubric_sha)


def grade_paths(
    rubric_path: str | Path,
    submissions_dir: str | Path,
    out_dir: str | Path = "results",
    *,
    key_path: str | Path | None = None,
    workers: int = 1,
    roster_path: str | Path | None = None,
    resume: bool = False,
    quiet: bool = False,
    budget: Any = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> list[RubricRun]:
    """Grade from paths. ``rubric_path`` a folder: every ``*.yaml`` rubric in it grades
    ``submissions_dir/<assignment id>/`` into ``out_dir/<assignment id>/`` (rubrics without
    such a folder are skipped). Rubric and key errors are returned per rubric; a single
    rubric's error is raised (GraderError)."""
    from grader.errors import GraderError
    from grader.rubric.load import load_rubric
    from grader.submission.identity import load_roster

    rubric_path = Path(rubric_path)
    roster = load_roster(roster_path) if roster_path is not None else None
    key = Path(key_path) if key_path is not None else None

    def batch(rubric: Rubric, sha: str, answer_key: AnswerKey, source: Path, out: Path) -> BatchSummary:
        return grade_batch(
            rubric, sha, answer_key, source, out, workers=workers, roster=roster, resume=resume,
            quiet=quiet, budget=budget, chunk_size=chunk_size,
        )

    if not rubric_path.is_dir():
        rubric, sha = load_rubric(rubric_path)
        answer_key = resolve_key(rubric, sha, rubric_path, key)
        summary = batch(rubric, sha, answer_key, Path(submissions_dir), Path(out_dir))
        return [RubricRun(rubric_path, rubric.assignment.id, summary=summary)]
    runs: list[RubricRun] = []
    files = sorted([*rubric_path.glob("*.yaml"), *rubric_path.glob("*.yml")])
    for path in files:
        run = RubricRun(path)
        runs.append(run)
        try:
            rubric, sha = load_rubric(path)
            run.assignment = rubric.assignment.id
            folder = Path(submissions_dir) / rubric.assignment.id
            if not folder.is_dir():
                run.skipped = f"no folder {folder} for assignment '{rubric.assignment.id}'"
                continue
            answer_key = resolve_key(rubric, sha, path, key)
            run.summary = batch(rubric, sha, answer_key, folder, Path(out_dir) / rubric.assignment.id)
        except GraderError as exc:
            run.error = str(exc)
    return runs


def __getattr__(name: str) -> Any:
    """``grade_command`` (the click command) lives in grader.submission.commands."""
    if name == "grade_command":
        from grader.submission.commands import grade_command

        return grade_command
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
