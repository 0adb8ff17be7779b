"""Grade one submission, or a whole class.

``grade_batch`` reads every submission folder (a folder that cannot be read gives that
student 0 with the reason; the batch never stops), gathers the (part id, normalized
answer) checks of the whole class, runs each *distinct* check once through the supervised
worker pool (``grader.check.pool.run_tasks``: per-check time and memory limits enforced
from outside), maps the verdicts back, scores, and writes the gradebook, per-student
feedback and the class summary. Students are processed in chunks so that an interrupted
run leaves finished students on disk; ``resume=True`` skips students whose feedback
already matches the rubric and the submission's content.

Outputs depend only on the inputs: students sorted by id, checks in a fixed order and
seeded, sorted JSON keys, fixed number formatting, no timestamps; the number of workers
changes nothing but the time taken. Grading never imports torch.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.check.verdict import Status, Verdict
from grader.key import AnswerKey
from grader.output.atomic import clean_temp_files, write_text_atomic
from grader.output.feedback import (
    Graded,
    feedback_json,
    feedback_markdown,
    file_stem,
    graded_from_json,
)
from grader.output.gradebook import gradebook_csv
from grader.output.summary import BatchSummary, summarize
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


# --------------------------------------------------------------------------- running checks

_WORKER: dict[str, Any] = {}


def _init_worker(rubric: Rubric, key: AnswerKey, seed: int) -> None:
    """Worker initializer: keep the rubric, key and check contexts (loaded once per worker)."""
    from grader.check.engine import context_for

    _WORKER["parts"] = {part.id: part for part in rubric.parts()}
    _WORKER["key"] = key
    _WORKER["contexts"] = {part.id: context_for(rubric, part, seed) for part in rubric.parts()}


def _check_task(task: CheckTask) -> Verdict:
    from grader.check.engine import check_part

    part_id, raw = task
    key: AnswerKey = _WORKER["key"]
    return check_part(_WORKER["parts"][part_id], key.parts[part_id], raw, _WORKER["contexts"][part_id])


def _on_timeout(task: CheckTask, reason: str) -> Verdict:
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


def warm_up(rubric: Rubric, key: AnswerKey, seed: int = 0) -> None:
    """Load the engine, checkers and parsers in this process before workers are forked,
    by reading each part's own expected value (rubric text, trusted). Best effort."""
    _init_worker(rubric, key, seed)
    from grader.check.base import checker_for

    seen: set[str] = set()
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


def run_checks(
    rubric: Rubric,
    key: AnswerKey,
    checks: dict[CheckKey, Any],
    *,
    workers: int = 1,
    budget: Any = None,
    seed: int = 0,
    progress: Callable[..., Any] | None = None,
) -> dict[CheckKey, Verdict]:
    """Run distinct checks through the supervised pool; verdicts by check key."""
    if not checks:
        return {}
    from grader.check.pool import Budget, run_tasks

    tasks: list[CheckTask] = [(part_id, value) for (part_id, _), value in checks.items()]
    results = run_tasks(
        _check_task,
        tasks,
        workers=workers,
        budget=budget if budget is not None else Budget(),
        on_timeout=_on_timeout,
        initializer=_init_worker,
        initargs=(rubric, key, seed),
        progress=progress,
    )
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


def _load_previous(path: Path, rubric_sha256: str, extraction: Extraction, stem: str) -> Graded | None:
    if not path.is_file() or not path.with_suffix(".md").is_file():
        return None
    try:
        graded = graded_from_json(json.loads(path.read_text(encoding="utf-8")), stem)
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    same = (
        graded.result.rubric_sha256 == rubric_sha256
        and graded.submission_sha256 == extraction.content_hash
        and graded.result.student == extraction.student
    )
    return graded if same else None


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

    extractions = []
    for folder in submission_folders(source):
        extraction = _safe_extract(folder, rubric, roster, metadata)
        if not extraction.answers and not extraction.wrong_assignment:
            batch_problems.append(f"{folder.name}: no answers found ({'; '.join(extraction.problems) or 'empty'})")
        extractions.append(extraction)
        extractions.extend(group_members(extraction, metadata.get(folder.name, [])))
    students = _assign_stems(extractions, batch_problems)

    graded: dict[str, Graded] = {}
    todo: list[_Student] = []
    for student in students:
        previous = (
            _load_previous(feedback_dir / f"{student.stem}.json", rubric_sha, student.extraction, student.stem)
            if resume
            else None
        )
        if previous is not None:
            graded[student.stem] = previous
        else:
            todo.append(student)
    resumed = len(graded)

    if todo:
        warm_up(rubric, key, seed)
    cache: dict[CheckKey, Verdict] = {}
    chunks = [todo[i : i + max(1, chunk_size)] for i in range(0, len(todo), max(1, chunk_size))]
    all_checks = plan_checks(rubric, (s.extraction for s in todo))
    bar = _Bar(len(all_checks), enabled=not quiet and sys.stderr.isatty())
    try:
        for chunk in chunks:
            needed = plan_checks(rubric, (s.extraction for s in chunk))
            fresh = {k: v for k, v in needed.items() if k not in cache}
            cache.update(
                run_checks(rubric, key, fresh, workers=workers, budget=budget, seed=seed, progress=bar.chunk(bar.done))
            )
            for student in chunk:
                result = score_extraction(rubric, rubric_sha, student.extraction, cache)
                result = Graded(result.result, result.submission_sha256, result.sources, result.notes, student.stem)
                write_text_atomic(feedback_dir / f"{student.stem}.md", feedback_markdown(result, rubric))
                write_text_atomic(feedback_dir / f"{student.stem}.json", feedback_json(result))
                graded[student.stem] = result
    finally:
        bar.close()

    ordered = [graded[student.stem] for student in students]
    part_ids = [part.id for part in rubric.parts()]
    write_text_atomic(out / "gradebook.csv", gradebook_csv(part_ids, (g.result for g in ordered)))
    summary = summarize(rubric, rubric_sha, (g.result for g in ordered), batch_problems)
    write_text_atomic(out / "summary.json", summary.dumps())
    summary.out_dir = str(out)
    summary.graded = len(todo)
    summary.resumed = resumed
    summary.unique_checks = len(all_checks)
    summary.seconds = round(time.monotonic() - started, 3)
    return summary


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
