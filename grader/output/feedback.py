"""Per-student feedback: ``feedback/<student_id>.json`` and ``feedback/<student_id>.md``.

The JSON is ``SubmissionResult.to_json()`` plus the submission's content hash, where each
answer was found, and extraction notes; ``graded_from_json`` reads it back (``--resume``).
The Markdown is what a student reads: per part the score, the status, how the answer was
read, the feedback and the rule that fired.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from grader.check.verdict import STATUS_TEXT, Status, Verdict
from grader.output.formats import dumps_json, fmt_number
from grader.results import PartResult, Review, Student, SubmissionResult
from grader.rubric.models import Rubric

__all__ = ["Graded", "feedback_json", "feedback_markdown", "graded_from_json", "file_stem", "STATUS_TEXT"]


@dataclass(frozen=True)
class Graded:
    """A graded submission with what the writers need beyond ``SubmissionResult``."""

    result: SubmissionResult
    submission_sha256: str = ""
    sources: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    stem: str = ""  # output file name without extension (unique in the batch)

    def to_json(self) -> dict[str, Any]:
        data = self.result.to_json()
        data["submission_sha256"] = self.submission_sha256
        data["sources"] = dict(self.sources)
        data["notes"] = list(self.notes)
        return data


def file_stem(student_id: str) -> str:
    """A file-system-safe name for a student id."""
    stem = re.sub(r"[^A-Za-z0-9._@-]", "_", student_id.strip()).lstrip(".")
    return stem[:100] or "student"


def feedback_json(graded: Graded) -> str:
    """One line of sorted JSON (compact: a class has thousands of these; the .md is for reading)."""
    return dumps_json(graded.to_json(), compact=True)


def _review_from_json(data: Any) -> Review | None:
    if not isinstance(data, dict):
        return None
    fraction = data.get("fraction")
    decision = data.get("decision_id")
    return Review(
        state=str(data["state"]),
        fraction=float(fraction) if fraction is not None else None,
        comment=str(data.get("comment") or ""),
        decision_id=int(decision) if decision is not None else None,
    )


def graded_from_json(data: dict[str, Any], stem: str = "") -> Graded:
    """Rebuild a Graded from its feedback JSON. Raises KeyError/ValueError/TypeError if malformed."""
    student = Student(**{key: str(data["student"].get(key, "")) for key in ("id", "name", "email", "folder")})
    parts = tuple(
        PartResult(
            part_id=str(part["part_id"]),
            points=float(part["points"]),
            max_points=float(part["max_points"]),
            answer=part.get("answer"),
            verdict=Verdict(
                score=float(part["score"]),
                status=Status(part["status"]),
                feedback=str(part.get("feedback") or ""),
                shown=str(part.get("shown") or ""),
                rule=part.get("rule"),
                note=part.get("note"),
                evidence=dict(part.get("evidence") or {}),
            ),
            review=_review_from_json(part.get("review")),
        )
        for part in data["parts"]
    )
    result = SubmissionResult(
        student=student,
        assignment=str(data["assignment"]),
        rubric_sha256=str(data["rubric_sha256"]),
        parts=parts,
        problems=tuple(str(problem) for problem in data.get("problems", [])),
    )
    return Graded(
        result=result,
        submission_sha256=str(data.get("submission_sha256", "")),
        sources={str(k): str(v) for k, v in (data.get("sources") or {}).items()},
        notes=tuple(str(note) for note in data.get("notes", [])),
        stem=stem,
    )




def _code(text: str) -> str:
    """Inline code that survives backticks and newlines."""
    flat = " ".join(text.split())
    fence = "``" if "`" in flat else "`"
    return f"{fence} {flat} {fence}" if fence == "``" else f"`{flat}`"


def _part_section(part: PartResult, prompt: str, source: str | None) -> list[str]:
    verdict = part.verdict
    status = verdict.status
    review = part.review
    decided = review is not None and review.state == "decided"
    how = "graded by a person" if decided else STATUS_TEXT.get(status, status.value)
    lines = [
        f"## {part.part_id}: {fmt_number(part.points)} / {fmt_number(part.max_points)} ({how})",
        "",
    ]
    if prompt:
        lines += [f"> {' '.join(prompt.split())}", ""]
    if status is Status.MISSING:
        lines += ["No answer was found for this part.", ""]
        return lines
    if part.answer is not None:
        where = f" ({source})" if source else ""
        lines.append(f"- Your answer{where}: {_code(part.answer)}")
    waiting = part.pending
    if status is Status.INVALID:
        lines.append(f"- **Could not be read:** {verdict.feedback}")
        if waiting:
            lines.append("- **Left for a person** to grade; the score above may change.")
    else:
        if verdict.shown:
            lines.append(f"- Read as: {_code(verdict.shown)}")
        if waiting:
            lines.append("- **Left for a person** to grade; the score above may change.")
        if verdict.feedback and not (decided and status in (Status.MANUAL, Status.UNDECIDED, Status.TIMEOUT, Status.ERROR)):
            label = "Automatic check" if decided else "Feedback"
            lines.append(f"- {label}: {verdict.feedback}")
    if decided and review is not None and review.comment:
        lines.append(f"- Grader's comment: {' '.join(review.comment.split())}")
    if verdict.rule:
        lines.append(f"- Rule: `{verdict.rule}`")
    lines.append("")
    return lines


def feedback_markdown(graded: Graded, rubric: Rubric) -> str:
    """The Markdown feedback a student reads."""
    result = graded.result
    student = result.student
    prompts = {part.id: part.prompt for part in rubric.parts()}
    who = f"{student.name} ({student.id})" if student.name else student.id
    waiting = sum(1 for part in result.parts if part.pending)
    total = f"**Total: {fmt_number(result.total)} / {fmt_number(result.max_total)}**"
    if waiting:
        total = (f"**Total so far: {fmt_number(result.total)} / {fmt_number(result.max_total)}** "
                 f"({waiting} part{'s' if waiting > 1 else ''} still to be graded by a person)")
    lines = [
        f"# {rubric.assignment.title}: feedback for {who}",
        "",
        total,
        "",
        f"Rubric version {rubric.assignment.version} (sha256 {result.rubric_sha256[:12]}).",
        "",
    ]
    if result.problems:
        lines += ["### Problems with the submission", ""]
        lines += [f"- {problem}" for problem in result.problems]
        lines.append("")
    if graded.notes:
        lines += ["### How the answers were found", ""]
        lines += [f"- {note}" for note in graded.notes]
        lines.append("")
    for part in result.parts:
        lines += _part_section(part, prompts.get(part.part_id, ""), graded.sources.get(part.part_id))
    return "\n".join(lines).rstrip("\n") + "\n"
