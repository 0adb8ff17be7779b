"""The printed summary table: columns as wide as their content; wrong answers shown as read."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.check.verdict import Status, Verdict
from grader.output.summary import BatchSummary, PartStats, summarize, summary_table
from grader.results import PartResult, Student, SubmissionResult
from grader.rubric.load import load_rubric

FIXTURES = Path(__file__).resolve().parent.parent / "submission" / "fixtures"
RUBRIC, SHA = load_rubric(FIXTURES / "mini.yaml")
NETWORK_JSON = '{"layers":[{"activation":"step","bias":[-0.5,-0.5],"weight":[[1,1],[1,1]]},{"bias":[-0.5],"weight":[[1,-1]]}]}'


def _summary(*parts: PartStats) -> BatchSummary:
    return BatchSummary("hw", "0" * 64, 10, 10.0, 5.0, [1] * 10, list(parts))


def _columns(line: str) -> list[int]:
    """Start index of each cell of a table row (cells are separated by two or more spaces)."""
    return [match.start() for match in re.finditer(r"(?:^|(?<=  ))\S", line)]


# (name, part stats, what must be in the table)
TABLE_CASES = [
    ("narrow", [PartStats("q1", 1.0, 0.5, 50.0)], ["0.5/1"]),
    ("wide mean", [PartStats("q1", 1.5, 1.3125, 12.5), PartStats("q2.long_part_id", 10.0, 9.9999, 100.0)], ["1.3125/1.5", "9.9999/10"]),
    ("wide percentages", [PartStats("q1", 2.0, 1.0, 100.0, 100.0, 100.0, 100.0)], ["100.0%"]),
    ("wrong answers", [PartStats("q1", 1.0, 0.0, common_wrong=[("a" * 50, 3), ("b", 1)])], ["a" * 37 + "... (x3); b (x1)"]),
]


@pytest.mark.parametrize(("name", "parts", "fragments"), TABLE_CASES, ids=[c[0] for c in TABLE_CASES])
def test_columns_fit_their_content(name: str, parts: list[PartStats], fragments: list[str]) -> None:
    table = summary_table(_summary(*parts))
    lines = table.splitlines()
    header_at = next(index for index, line in enumerate(lines) if line.startswith("part"))
    rows = lines[header_at : header_at + 1 + len(parts)]
    ends = None
    for row in rows:
        cells = re.split(r"\s{2,}", row.strip())
        assert len(cells) >= 6, row
        # numeric columns are right-aligned: every row's cells end at the same place
        row_ends = [row.index(cell, start) + len(cell) for cell, start in zip(cells[1:6], _columns(row)[1:6], strict=True)]
        ends = ends or row_ends
        assert row_ends == ends, (row, rows)
    for fragment in fragments:
        assert fragment in table


def test_summary_shows_wrong_answers_as_read() -> None:
    """A network's wrong answers are reported as "network with layers ..." (the verdict's
    shown), not as its JSON; the same reading from two answers counts together."""
    network_part = RUBRIC.parts()[2]  # any part: the summary only reads verdicts

    def result(sid: str, answer: str, shown: str, status: Status = Status.WRONG) -> SubmissionResult:
        verdict = Verdict(0.0, status, "no", shown=shown)
        parts = tuple(
            PartResult(part.id, 0.0, part.points, verdict if part.id == network_part.id else Verdict(0.0, Status.MISSING, ""),
                       answer if part.id == network_part.id else None)
            for part in RUBRIC.parts()
        )
        return SubmissionResult(Student(sid), RUBRIC.assignment.id, SHA, parts)

    results = [
        result("1", NETWORK_JSON, "network with layers 2x2 -> 2x1"),
        result("2", NETWORK_JSON.replace("-1", "1"), "network with layers 2x2 -> 2x1"),
        result("3", "[[1, 2]]", ""),  # nothing shown: the answer itself
        result("4", NETWORK_JSON, "network with layers 2x2 -> 2x1", Status.CORRECT),
    ]
    summary = summarize(RUBRIC, SHA, results)
    stats = summary.parts[2]
    assert stats.common_wrong == [("network with layers 2x2 -> 2x1", 2), ("[[1, 2]]", 1)]
    table = summary_table(summary)
    assert "network with layers 2x2 -> 2x1 (x2); [[1, 2]] (x1)" in table
    assert '"layers"' not in table and '"layers"' not in summary.dumps()
