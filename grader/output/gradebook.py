"""``gradebook.csv``: one row per student, Gradescope/Canvas friendly.

Columns: ``SID, Name, Email, Total, Max, Pending``, then one column per part id in rubric
order. ``Pending`` counts the parts still waiting for a person (never reviewed, or an
earlier decision to re-confirm); such a part's cell is empty, so that nothing unreviewed
reads as a final zero (``Total`` then holds only the points already settled).
Rows sorted by student id; numbers with up to 4 decimals and no trailing zeros.
The SID, Name and Email cells may come from a student (a folder name, a roster or the
Gradescope metadata): they go through ``csv_cell`` (control characters stripped, length
capped, a leading ``'`` when a spreadsheet would read a formula). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from grader.output.formats import csv_cell, fmt_number
from grader.results import SubmissionResult

__all__ = ["gradebook_csv", "GRADEBOOK_HEADER", "MAX_ID_CHARS", "MAX_NAME_CHARS", "MAX_EMAIL_CHARS"]

GRADEBOOK_HEADER = ("SID", "Name", "Email", "Total", "Max", "Pending")
MAX_ID_CHARS = 128
MAX_NAME_CHARS = 128
MAX_EMAIL_CHARS = 254


def gradebook_csv(part_ids: list[str], results: Iterable[SubmissionResult]) -> str:
    """Render the gradebook (pure: results in, CSV text out)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*GRADEBOOK_HEADER, *part_ids])
    ordered = sorted(results, key=lambda result: (result.student.id, result.student.folder))
    for result in ordered:
        points = {part.part_id: "" if part.pending else fmt_number(part.points) for part in result.parts}
        pending = sum(1 for part in result.parts if part.pending)
        settled = round(sum(part.points for part in result.parts if not part.pending), 6)
        writer.writerow(
            [
                csv_cell(result.student.id, MAX_ID_CHARS),
                csv_cell(result.student.name, MAX_NAME_CHARS),
                csv_cell(result.student.email, MAX_EMAIL_CHARS),
                fmt_number(settled),
                fmt_number(result.max_total),
                str(pending),
                *(points.get(part_id, "0") for part_id in part_ids),
            ]
        )
    return buffer.getvalue()
