"""``gradebook.csv``: one row per student, Gradescope/Canvas friendly.

Columns: ``SID, Name, Email, Total, Max``, then one column per part id in rubric order.
Rows sorted by student id; numbers with up to 4 decimals and no trailing zeros.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from grader.output.formats import fmt_number
from grader.results import SubmissionResult

__all__ = ["gradebook_csv", "GRADEBOOK_HEADER"]

GRADEBOOK_HEADER = ("SID", "Name", "Email", "Total", "Max")


def gradebook_csv(part_ids: list[str], results: Iterable[SubmissionResult]) -> str:
    """Render the gradebook (pure: results in, CSV text out)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*GRADEBOOK_HEADER, *part_ids])
    ordered = sorted(results, key=lambda result: (result.student.id, result.student.folder))
    for result in ordered:
        points = {part.part_id: part.points for part in result.parts}
        writer.writerow(
            [
                result.student.id,
                result.student.name,
                result.student.email,
                fmt_number(result.total),
                fmt_number(result.max_total),
                *(fmt_number(points.get(part_id, 0.0)) for part_id in part_ids),
            ]
        )
    return buffer.getvalue()
