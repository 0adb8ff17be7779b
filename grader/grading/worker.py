"""The pool protocol of a batch: what each worker process holds and the one task function.

A batch runs ONE supervised pool (``grader.check.pool.Pool``: per-task time and memory
limits enforced from outside) whose workers run ``batch_task``: reading a folder
("extract"), one distinct check ("check"), scoring one student and rendering their
files ("write", with the renderer the caller passed in the batch settings, so that this
layer never imports the renderers), or whether two answers of an expression part are
proven equal ("equivalent", to merge answer groups). A stopped task gives
``batch_on_failure``'s value.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.check.verdict import Verdict
from grader.files import stage_bytes
from grader.grading.plan import CheckKey, CheckTask, unreadable
from grader.grading.score import check_failed, score_extraction
from grader.key import AnswerKey
from grader.results import Graded, Student
from grader.rubric.models import Rubric
from grader.submission.extract import Extraction, extract
from grader.submission.identity import Roster

__all__ = [
    "BatchTask",
    "StudentRenderer",
    "WriteJob",
    "batch_on_failure",
    "batch_task",
    "init_worker",
    "make_pool",
    "safe_extract",
    "read_task",
    "read_failed",
    "warm_up",
    "write_student",
]

_WORKER: dict[str, Any] = {}
BatchTask = tuple[str, Any]  # ("check", (part id, value)) | ("extract", folder) | ("write", [WriteJob, ...])
#                            | ("equivalent", (part id, answer text, answer text))
EQUIVALENCE_STEP_SECONDS = 0.5  # a small budget per symbolic step when comparing two answers
#: renders one graded student: [(file name in the feedback folder, bytes)], written in order
StudentRenderer = Callable[[Graded, Rubric], list[tuple[str, bytes]]]


@dataclass(frozen=True)
class WriteJob:
    """What a worker needs to score one student and write their feedback files."""

    extraction: Extraction
    stem: str
    verdicts: dict[CheckKey, Verdict]


def init_worker(
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


def _equivalent_task(task: tuple[str, str, str]) -> bool:
    """Are two answers of an expression part proven equal (not merely numerically)? Both
    are read by the part's own (safe) reader; anything unreadable is not equal."""
    from grader.check.equivalence import compare_expressions
    from grader.check.kinds.expression import read_expression, submitted_expression
    from grader.parse.values import Invalid

    part_id, first, second = task
    part = _WORKER["parts"][part_id]
    ctx = dataclasses.replace(_WORKER["contexts"][part_id], step_seconds=EQUIVALENCE_STEP_SECONDS)
    lhs = getattr(part.answer, "lhs", None)
    read_first, read_second = read_expression(first, ctx, lhs), read_expression(second, ctx, lhs)
    if isinstance(read_first, Invalid) or isinstance(read_second, Invalid):
        return False
    expr_first, _ = submitted_expression(read_first.value)
    expr_second, _ = submitted_expression(read_second.value)
    if expr_first is None or expr_second is None:
        return False
    result = compare_expressions(
        expr_first, expr_second, ctx, tolerance=getattr(part.answer, "tolerance", None),
        integer_checks=tuple(getattr(part.answer, "integer_checks", (1, 2, 3, 5, 8))),
    )
    return result.outcome == "proved"


def write_student(
    rubric: Rubric, rubric_sha: str, feedback_dir: Path, job: WriteJob, render: StudentRenderer
) -> tuple[Graded, list[tuple[str, str]]]:
    """Score one student and stage the files ``render`` makes, in its order (the workflow's
    renderer gives feedback/<stem>.md, then .json: a student with a .json is finished for
    ``--resume``); ``commit_staged`` puts them in place."""
    result = score_extraction(rubric, rubric_sha, job.extraction, job.verdicts)
    result = Graded(result.result, result.submission_sha256, result.sources, result.notes, job.stem)
    staged = [stage_bytes(feedback_dir / name, data) for name, data in render(result, rubric)]
    return result, staged


def batch_task(task: BatchTask) -> Any:
    """The one function a batch's pool runs: reading a folder, one check, or one student's
    feedback (scored, rendered and staged). Reading and rendering run in the workers so
    that they use every core (and a folder that hangs or crashes the reader costs only its
    own student)."""
    kind, payload = task
    if kind == "check":
        return _check_task(payload)
    if kind == "equivalent":
        return _equivalent_task(payload)
    batch = _WORKER["batch"]
    rubric: Rubric = _WORKER["rubric"]
    if kind == "extract":
        return safe_extract(Path(payload), rubric, batch.get("roster"), batch.get("metadata"))
    if kind == "write":  # a few students; their staged files only: the supervisor scores them itself
        folder = Path(batch["feedback_dir"])
        return [write_student(rubric, batch["rubric_sha"], folder, job, batch["render"])[1] for job in payload]
    raise ValueError(f"unknown task kind {kind!r}")


def batch_on_failure(task: BatchTask, reason: str) -> Any:
    """What a stopped batch task gives: a verdict (check), an unreadable folder (extract),
    not equal (equivalent), or None (write: the supervisor then writes that student's
    feedback itself)."""
    kind, payload = task
    if kind == "check":
        return check_failed(reason)
    if kind == "equivalent":
        return False
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
    by reading each part's own expected value (rubric text, trusted), and what
    ``sympy.simplify`` imports on its first call (the tensor module; units through a
    stand-in: ``grader.check.startup``), so that no worker imports them again. Best effort."""
    from grader.check.startup import defer_sympy_units

    defer_sympy_units()
    init_worker(rubric, key, seed)
    from grader.check.registry import checker_for

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
        try:
            import numpy.random  # noqa: F401 - what the checkers' sampling loads on first use
            import sympy

            sympy.simplify(sympy.Symbol("x") + 1)  # its lazy imports, once, before the fork
        except Exception:  # noqa: BLE001, S110 - warming up only
            pass


def make_pool(
    rubric: Rubric, key: AnswerKey, *, workers: int, budget: Any, seed: int, batch: dict[str, Any] | None = None
) -> Any:
    from grader.check.pool import Budget, Pool

    return Pool(
        batch_task,
        workers=workers,
        budget=budget if budget is not None else Budget(),
        initializer=init_worker,
        initargs=(rubric, key, seed, batch),
        on_warnings=_note_warnings,
    )


def safe_extract(
    folder: Path, rubric: Rubric, roster: Roster | None, metadata: dict[str, list[Student]] | None,
    metadata_name: str | None = None,
) -> Extraction:
    try:
        if metadata_name is not None:
            return extract(folder, rubric, roster=roster, metadata=metadata, metadata_name=metadata_name)
        return extract(folder, rubric, roster=roster, metadata=metadata)
    except Exception as exc:  # noqa: BLE001 - isolation: one folder never stops a batch
        return unreadable(folder, f"{type(exc).__name__}: {exc}")


ReadTask = tuple[str, Rubric, Any, Any, Any]  # (folder, rubric, roster, metadata, metadata file name)


def read_task(task: ReadTask) -> Extraction:
    """Read one submission folder (the task of ``grader.grading.pipeline.read_submission``)."""
    folder, rubric, roster, metadata, metadata_name = task
    return safe_extract(Path(folder), rubric, roster, metadata, metadata_name)


def read_failed(task: ReadTask, reason: str) -> Extraction:
    """The extraction of a folder whose reader was stopped (budget) or crashed."""
    reason = reason.replace("the checker", "the reader")
    return unreadable(Path(task[0]), f"reading the folder was stopped: {reason}")
