"""Class summary: ``summary.json`` and the table printed after grading.

Per part: mean points, % correct, % invalid, % missing, % needing a person (undecided,
manual, timeout, error), and the three most common wrong answers with counts, as they
were read (the verdict's ``shown``, e.g. "network with layers 2x2 -> 2x1" rather than the
network's JSON; the normalized answer when the checker showed nothing), shortened. For the class: number of students, mean total, and a histogram of totals by
deciles of the maximum. Review progress (from the results database): per part how many
answers wait for a person (``pending``, re-confirmations included) and how many a person
decided; and the list of overrides (a person's score on an answer whose automatic verdict
was final). Only deterministic facts go into the JSON (no times, no counts
of resumed students), so identical inputs give identical bytes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from grader.check.verdict import NEEDS_PERSON, Status
from grader.output.formats import dumps_json, fmt_number, terminal_text
from grader.results import SubmissionResult
from grader.rubric.models import Rubric

__all__ = ["PartStats", "BatchSummary", "summarize", "summary_table", "DECILES"]

DECILES = tuple(f"{low}-{low + 10}" for low in range(0, 100, 10))
REVIEW = (Status.UNDECIDED, Status.MANUAL, Status.TIMEOUT, Status.ERROR)
WRONGISH = (Status.WRONG, Status.PARTIAL)
WRONG_ANSWER_CHARS = 80  # in summary.json
TABLE_ANSWER_CHARS = 40  # in the printed table


@dataclass
class PartStats:
    """Statistics of one part over the class."""

    part_id: str
    max_points: float
    mean_points: float = 0.0
    pct_correct: float = 0.0
    pct_invalid: float = 0.0
    pct_missing: float = 0.0
    pct_review: float = 0.0
    common_wrong: list[tuple[str, int]] = field(default_factory=list)
    pending: int = 0  # answers waiting for a person
    reconfirm: int = 0  # of which: an earlier decision to re-confirm
    decided: int = 0  # answers a person decided

    def to_json(self) -> dict[str, Any]:
        return {
            "pending": self.pending,
            "reconfirm": self.reconfirm,
            "decided": self.decided,
            "part_id": self.part_id,
            "max_points": self.max_points,
            "mean_points": self.mean_points,
            "pct_correct": self.pct_correct,
            "pct_invalid": self.pct_invalid,
            "pct_missing": self.pct_missing,
            "pct_review": self.pct_review,
            "common_wrong": [{"answer": answer, "count": count} for answer, count in self.common_wrong],
        }


@dataclass
class BatchSummary:
    """What ``grade_batch`` returns. ``to_json`` holds only deterministic facts."""

    assignment: str
    rubric_sha256: str
    n_students: int
    max_total: float
    mean_total: float
    histogram: list[int]
    parts: list[PartStats]
    problems: list[str] = field(default_factory=list)  # batch-level (duplicate ids, unreadable folders)
    overrides: list[dict[str, Any]] = field(default_factory=list)  # a person's score on a final automatic verdict
    out_dir: str = ""
    # run facts (not written to summary.json)
    graded: int = 0
    resumed: int = 0
    unique_checks: int = 0
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "assignment": self.assignment,
            "rubric_sha256": self.rubric_sha256,
            "n_students": self.n_students,
            "max_total": self.max_total,
            "mean_total": self.mean_total,
            "histogram": {label: count for label, count in zip(DECILES, self.histogram, strict=True)},
            "parts": [part.to_json() for part in self.parts],
            "problems": list(self.problems),
            "review": {
                "pending": sum(part.pending for part in self.parts),
                "reconfirm": sum(part.reconfirm for part in self.parts),
                "decided": sum(part.decided for part in self.parts),
            },
            "overrides": list(self.overrides),
        }

    @property
    def pending(self) -> int:
        return sum(part.pending for part in self.parts)

    def dumps(self) -> str:
        return dumps_json(self.to_json())


def _pct(count: int, total: int) -> float:
    return round(100.0 * count / total, 2) if total else 0.0


def _short(answer: str, limit: int = WRONG_ANSWER_CHARS) -> str:
    flat = " ".join(answer.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def summarize(
    rubric: Rubric,
    rubric_sha256: str,
    results: Iterable[SubmissionResult],
    problems: list[str] | None = None,
) -> BatchSummary:
    """Compute the class summary (pure)."""
    ordered = sorted(results, key=lambda result: (result.student.id, result.student.folder))
    count = len(ordered)
    max_total = round(rubric.total_points(), 4)
    histogram = [0] * 10
    for result in ordered:
        fraction = result.total / max_total if max_total else 0.0
        histogram[min(max(int(fraction * 10 + 1e-9), 0), 9)] += 1
    indexed = [{p.part_id: p for p in result.parts} for result in ordered]
    overrides: list[dict[str, Any]] = []
    parts: list[PartStats] = []
    for part in rubric.parts():
        stats = PartStats(part_id=part.id, max_points=part.points)
        statuses: Counter[Status] = Counter()
        wrong: Counter[str] = Counter()
        total_points = 0.0
        for by_id in indexed:
            found = by_id.get(part.id)
            if found is None:
                statuses[Status.MISSING] += 1
                continue
            total_points += found.points
            statuses[found.verdict.status] += 1
            review = found.review
            stats.pending += int(found.pending)
            if review is not None:
                stats.reconfirm += int(review.state == "reconfirm")
                stats.decided += int(review.state == "decided")
            if found.verdict.status in WRONGISH and found.answer is not None:
                wrong[_short(found.verdict.shown or found.answer)] += 1
        stats.mean_points = round(total_points / count, 4) if count else 0.0
        stats.pct_correct = _pct(statuses[Status.CORRECT], count)
        stats.pct_invalid = _pct(statuses[Status.INVALID], count)
        stats.pct_missing = _pct(statuses[Status.MISSING], count)
        stats.pct_review = _pct(sum(statuses[s] for s in REVIEW), count)
        stats.common_wrong = sorted(wrong.items(), key=lambda item: (-item[1], item[0]))[:3]
        parts.append(stats)
    for result in ordered:
        for found in result.parts:
            review = found.review
            if review is not None and review.state == "decided" and found.verdict.status not in NEEDS_PERSON:
                overrides.append({
                    "student": result.student.id,
                    "part_id": found.part_id,
                    "status": found.verdict.status.value,
                    "automatic_points": round(found.verdict.score * found.max_points, 4),
                    "points": found.points,
                    "comment": review.comment,
                })
    mean_total = round(sum(result.total for result in ordered) / count, 4) if count else 0.0
    return BatchSummary(
        assignment=rubric.assignment.id,
        rubric_sha256=rubric_sha256,
        n_students=count,
        max_total=max_total,
        mean_total=mean_total,
        histogram=histogram,
        parts=parts,
        problems=list(problems or []),
        overrides=overrides,
    )


def _cell(answer: str, count: int) -> str:
    return f"{_short(answer, TABLE_ANSWER_CHARS)} (x{count})"


def summary_table(summary: BatchSummary) -> str:
    """A plain-text table for the terminal; every column is as wide as its widest cell."""
    header = f"{summary.assignment}: {summary.n_students} students, mean {fmt_number(summary.mean_total)} / {fmt_number(summary.max_total)}"
    titles = ("part", "mean", "correct", "invalid", "missing", "review", "most common wrong answers")
    cells = [
        (
            part.part_id,
            f"{fmt_number(part.mean_points)}/{fmt_number(part.max_points)}",
            f"{part.pct_correct:.1f}%",
            f"{part.pct_invalid:.1f}%",
            f"{part.pct_missing:.1f}%",
            f"{part.pct_review:.1f}%",
            "; ".join(_cell(answer, count) for answer, count in part.common_wrong),
        )
        for part in summary.parts
    ]
    widths = [max(len(row[column]) for row in [titles, *cells]) for column in range(len(titles))]

    def line(row: tuple[str, ...]) -> str:
        first = f"{row[0]:<{widths[0]}}"
        numbers = [f"{cell:>{width}}" for cell, width in zip(row[1:-1], widths[1:-1], strict=True)]
        return "  ".join([first, *numbers, row[-1]]).rstrip()

    rows = [header, "", line(titles)] + [line(row) for row in cells]
    decided = sum(part.decided for part in summary.parts)
    pending = summary.pending
    if decided or pending:
        reconfirm = sum(part.reconfirm for part in summary.parts)
        again = f" ({reconfirm} to re-confirm)" if reconfirm else ""
        rows += ["", f"review: {decided} answer(s) decided by a person, {pending} waiting{again}"
                 + (f"; {len(summary.overrides)} override(s) of automatic verdicts" if summary.overrides else "")]
        waiting = [f"{part.part_id} {part.pending}" for part in summary.parts if part.pending]
        if waiting:
            rows.append("  waiting: " + ", ".join(waiting) + "  (grader review OUT, or grader review export OUT -o decisions.csv)")
    peak = max(summary.histogram) if summary.histogram else 0
    rows += ["", "score distribution (% of max):"]
    for label, count in zip(DECILES, summary.histogram, strict=True):
        bar = "#" * (round(30 * count / peak) if peak else 0)
        rows.append(f"  {label:>7}%  {count:>5}  {bar}")
    if summary.problems:
        rows += ["", f"{len(summary.problems)} batch problem(s):"]
        rows += [f"  - {problem}" for problem in summary.problems[:20]]
        if len(summary.problems) > 20:
            rows.append(f"  ... and {len(summary.problems) - 20} more (see summary.json)")
    return terminal_text("\n".join(rows) + "\n")  # answers as read and problems come from students
