"""Per-student feedback: ``feedback/<student_id>.json`` and ``feedback/<student_id>.md``.

The JSON is ``SubmissionResult.to_json()`` plus the submission's content hash, where each
answer was found, and extraction notes; ``grader.results.graded_from_json`` reads it back (``--resume``).
The Markdown is what a student reads: per part the score, the status, how the answer was
read, the feedback and the rule that fired.
"""

from __future__ import annotations

from typing import Any

from grader.check.verdict import STATUS_TEXT, Status
from grader.output.formats import clip, dumps_json, fmt_number
from grader.results import Graded, PartResult, file_stem
from grader.rubric.models import Rubric

SHOWN_CHARS = 1000  # how an answer was read, in the Markdown (the JSON keeps it whole)
FEEDBACK_CHARS = 2000

__all__ = ["Graded", "feedback_json", "feedback_markdown", "file_stem", "STATUS_TEXT"]


def feedback_json(graded: Graded) -> str:
    """One line of sorted JSON (compact: a class has thousands of these; the .md is for reading)."""
    return dumps_json(graded.to_json(), compact=True)


def _code(text: str) -> str:
    """Inline code that survives backticks and newlines."""
    flat = " ".join(text.split())
    fence = "``" if "`" in flat else "`"
    return f"{fence} {flat} {fence}" if fence == "``" else f"`{flat}`"


SECTION_CACHE_SIZE = 4096
_SECTIONS: dict[tuple[Any, ...], list[str]] = {}


def _part_section(part: PartResult, prompt: str, source: str | None) -> list[str]:
    """A part's lines in the Markdown; the same for every student with the same answer, verdict
    and source, so kept per those (a class renders each distinct one once per process).
    Callers must not change the list they get."""
    verdict = part.verdict
    notes = verdict.evidence.get("read_notes") if isinstance(verdict.evidence, dict) else None
    try:
        key = (part.part_id, part.points, part.max_points, part.answer, part.review, verdict.status, verdict.feedback,
               verdict.shown, verdict.rule, tuple(notes[:6]) if isinstance(notes, list) else notes, prompt, source)
        hit = _SECTIONS.get(key)
    except TypeError:  # something unhashable in the key: rendered every time
        return _render_part_section(part, prompt, source)
    if hit is None:
        if len(_SECTIONS) >= SECTION_CACHE_SIZE:
            _SECTIONS.clear()
        hit = _SECTIONS[key] = _render_part_section(part, prompt, source)
    return hit


def _render_part_section(part: PartResult, prompt: str, source: str | None) -> list[str]:
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
        reason, _, pointer = verdict.feedback.partition("\n")
        lines.append(f"- **Could not be read:** {clip(reason, FEEDBACK_CHARS)}")
        if pointer.strip():  # the caret diagram keeps its columns only in a code block
            fence = "````" if "```" in pointer else "```"
            lines.extend(["", f"  {fence}text", *(f"  {row}" for row in pointer.split("\n")), f"  {fence}"])
        if waiting:
            lines.append("- **Left for a person** to grade; the score above may change.")
    else:
        if verdict.shown:
            lines.append(f"- Read as: {_code(clip(verdict.shown, SHOWN_CHARS))}")
        notes = verdict.evidence.get("read_notes") if isinstance(verdict.evidence, dict) else None
        if notes:  # what was recognised: labels, units, thousands groups, xy as x*y, ...
            shown = [str(note) if len(str(note)) <= 120 else str(note)[:117] + "..." for note in notes[:6]]
            lines.append("- Reading: " + "; ".join(shown))
        if waiting:
            lines.append("- **Left for a person** to grade; the score above may change.")
        if verdict.feedback and not (decided and status in (Status.MANUAL, Status.UNDECIDED, Status.TIMEOUT, Status.ERROR)):
            label = "Automatic check" if decided else "Feedback"
            lines.append(f"- {label}: {clip(verdict.feedback, FEEDBACK_CHARS)}")
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
        lines.extend(_part_section(part, prompts.get(part.part_id, ""), graded.sources.get(part.part_id)))
    return "\n".join(lines).rstrip("\n") + "\n"
