"""A batch runs ONE supervised pool for reading folders, checking and writing feedback:
chunks share it, a folder whose reading crashes or hangs costs only its student, and
warnings raised by checks are never printed but kept as evidence."""

from __future__ import annotations

import json
import os
import time
import warnings
from pathlib import Path

import pytest

import grader.grading.pipeline as pipeline_module
import grader.grading.worker as worker_module
from grader.check.pool import Budget
from grader.check.verdict import Status, Verdict
from grader.key.build import build_key
from grader.rubric.load import load_rubric
from grader.workflow import grade_class

REPO = Path(__file__).resolve().parent.parent
MINI = REPO / "tests" / "submission" / "fixtures" / "mini.yaml"
RUBRIC, SHA = load_rubric(MINI)


def _class(root: Path, count: int) -> Path:
    subs = root / "subs"
    for index in range(count):
        folder = subs / f"s{index:02d}"
        folder.mkdir(parents=True)
        (folder / "answers.yaml").write_text(f"answers:\n  q1.count: {4640 + index % 3}\n  q2.where: after\n")
    return subs


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize(("workers", "chunk_size"), [(1, 2), (2, 3), (2, 100)], ids=["1 worker", "2 workers", "one chunk"])
def test_one_pool_for_the_whole_batch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int, chunk_size: int) -> None:
    pools: list[object] = []
    real = pipeline_module.make_pool

    def counting(*args: object, **kwargs: object) -> object:
        pool = real(*args, **kwargs)  # type: ignore[arg-type]
        pools.append(pool)
        return pool

    monkeypatch.setattr(pipeline_module, "make_pool", counting)
    subs = _class(tmp_path, 7)
    key = build_key(RUBRIC, SHA)
    summary = grade_class(RUBRIC, SHA, key, subs, tmp_path / "out", workers=workers, quiet=True,
                                       chunk_size=chunk_size)
    assert summary.graded == 7
    assert len(pools) == 1
    assert pools[0].started == workers  # type: ignore[attr-defined]
    assert not list((tmp_path / "out" / "feedback").glob(".*.tmp"))
    # chunking and the number of workers change nothing in the outputs
    monkeypatch.setattr(pipeline_module, "make_pool", real)
    grade_class(RUBRIC, SHA, key, subs, tmp_path / "ref", workers=1, quiet=True)
    assert _tree(tmp_path / "out") == _tree(tmp_path / "ref")


def _hostile_extract(folder: Path, rubric: object, roster: object, metadata: object, *more: object) -> object:
    if folder.name == "s01":
        os._exit(9)  # the reader crashes (e.g. a C library on a hostile file)
    if folder.name == "s02":
        time.sleep(60)  # the reader hangs
    if folder.name == "s03":
        raise MemoryError
    return _REAL_EXTRACT(folder, rubric, roster, metadata, *more)


_REAL_EXTRACT = worker_module.safe_extract


def test_a_folder_that_crashes_or_hangs_the_reader_costs_only_its_student(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(worker_module, "safe_extract", _hostile_extract)  # inherited by the forked workers
    subs = _class(tmp_path, 5)
    summary = grade_class(RUBRIC, SHA, build_key(RUBRIC, SHA), subs, tmp_path / "out", workers=2,
                                       quiet=True, budget=Budget(seconds=2))
    assert summary.n_students == 5
    problems = {}
    for sid in ("s00", "s01", "s02", "s03", "s04"):
        data = json.loads((tmp_path / "out" / "feedback" / f"{sid}.json").read_text())
        problems[sid] = " ".join(data["problems"])
        if sid in ("s00", "s04"):
            assert data["total"] > 0
        if sid in ("s01", "s02", "s03"):  # the grader failed, not the student: a person looks, never "missing"
            assert {part["status"] for part in data["parts"]} == {"error"}, data["parts"]
    assert "the reader crashed" in problems["s01"]
    assert "time limit of 2 s exceeded" in problems["s02"]
    assert "memory limit exceeded" in problems["s03"]


@pytest.mark.parametrize(("folder", "reason"), [("s01", "the reader crashed"), ("s02", "time limit of 1 s exceeded")])
def test_reading_one_submission_is_budgeted_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, folder: str,
                                                reason: str) -> None:
    # what `grader extract` and `gradescope run` use: the same budget as a check
    from grader.grading.pipeline import read_submission
    from grader.grading.score import score_extraction
    from grader.workflow import extract_report

    monkeypatch.setattr(worker_module, "safe_extract", _hostile_extract)
    subs = _class(tmp_path, 3)
    extraction = read_submission(RUBRIC, subs / folder, budget=Budget(seconds=1))
    assert extraction.failed is not None and reason in extraction.failed
    graded = score_extraction(RUBRIC, SHA, extraction, {})
    assert {part.verdict.status for part in graded.result.parts} == {Status.ERROR}
    report = extract_report(RUBRIC, subs / folder, budget=Budget(seconds=1))
    assert "READING FAILED" in report and reason in report
    assert "q1.count" in extract_report(RUBRIC, subs / "s00", budget=Budget(seconds=5))


def _warning_check(task: tuple[str, object]) -> Verdict:
    # raised here, not by numpy: whether a dot product warns depends on the CPU's BLAS kernel
    warnings.warn("overflow encountered in dot", RuntimeWarning, stacklevel=1)
    warnings.warn("checker deprecation", DeprecationWarning, stacklevel=1)
    return Verdict(1.0, Status.CORRECT, "ok", shown=str(task[1]))


@pytest.mark.parametrize("workers", [1, 2])
def test_check_warnings_are_evidence_never_printed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capfd: pytest.CaptureFixture[str], workers: int) -> None:
    monkeypatch.setattr(worker_module, "_check_task", _warning_check)
    subs = _class(tmp_path, 3)
    grade_class(RUBRIC, SHA, build_key(RUBRIC, SHA), subs, tmp_path / "out", workers=workers, quiet=True)
    captured = capfd.readouterr()
    assert "Warning" not in captured.err and "Warning" not in captured.out
    data = json.loads((tmp_path / "out" / "feedback" / "s00.json").read_text())
    part = next(part for part in data["parts"] if part["part_id"] == "q1.count")
    assert part["evidence"]["warnings"] == [
        "RuntimeWarning: overflow encountered in dot",
        "DeprecationWarning: checker deprecation",
    ]
