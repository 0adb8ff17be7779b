"""Plain-text report of what was found in one submission and how each answer reads
(what ``grader extract`` prints)."""

from __future__ import annotations

from typing import Any

from grader.errors import GraderError
from grader.output.formats import terminal_text

__all__ = ["read_answer", "render_extraction"]


def _read_answer(rubric: Any, part: Any, raw: Any) -> str:
    """How the part's checker reads an answer: 'read as ...' or 'invalid: ...'."""
    from grader.check.engine import context_for
    from grader.check.registry import checker_for
    from grader.grading.plan import normalize_answer
    from grader.parse.values import Invalid

    normalized = normalize_answer(raw)
    if normalized is None:
        return "empty"
    try:
        read = checker_for(part.answer.kind).read(part.answer, normalized[1], context_for(rubric, part, 0))
    except GraderError as exc:
        return f"rubric error while reading: {exc}"
    except Exception as exc:  # noqa: BLE001 - a diagnostic view shows a checker bug, not a traceback
        return f"internal error while reading ({type(exc).__name__}: {exc})"
    if isinstance(read, Invalid):
        pointer = read.pointer()
        return f"could not be read ({read.code}): {read.reason}" + (f"\n{pointer}" if pointer else "")
    notes = "".join(f"\n  note: {note}" for note in read.notes)
    return f"read as: {read.shown}{notes}"


def read_answer(task: tuple[Any, str, Any]) -> str:
    """``(rubric, part id, raw answer)`` -> how the part's checker reads it (a pool task)."""
    rubric, part_id, raw = task
    part = next(part for part in rubric.parts() if part.id == part_id)
    return _read_answer(rubric, part, raw)


def render_extraction(
    rubric: Any, extraction: Any, *, read: bool = True, reads: dict[str, str] | None = None
) -> str:
    """Plain-text report of an extraction: each part's text, where, and how it reads.

    ``reads``: how each part reads, computed elsewhere (``grader.workflow.extract_report``
    reads them in a supervised worker, under the checking budget); without it and with
    ``read``, each answer is read here."""
    student = extraction.student
    lines = [f"student: {student.name + ' ' if student and student.name else ''}({student.id if student else '?'})"]
    lines += [f"note: {note}" for note in extraction.notes]
    if extraction.failed:
        lines.append(f"READING FAILED (every part needs a person): {extraction.failed}")
    missing = []
    for part in rubric.parts():
        if part.id in extraction.rejected:
            lines.append("")
            lines.append(f"{part.id}  [{extraction.sources.get(part.id, '?')}]  ({part.answer.kind})")
            lines.append(f"  invalid: {extraction.rejected[part.id]}")
            continue
        if part.id not in extraction.answers:
            missing.append(part.id)
            continue
        raw = extraction.answers[part.id]
        shown = raw if isinstance(raw, str) else repr(raw)
        lines.append("")
        lines.append(f"{part.id}  [{extraction.sources.get(part.id, '?')}]  ({part.answer.kind})")
        lines.append("  text:    " + shown.strip().replace("\n", "\n           "))
        if reads is not None and part.id in reads:
            lines.append("  " + reads[part.id].replace("\n", "\n  "))
        elif read and reads is None:
            lines.append("  " + _read_answer(rubric, part, raw).replace("\n", "\n  "))
    lines.append("")
    lines.append(f"missing ({len(missing)}): {', '.join(missing) if missing else 'none'}")
    if extraction.wrong_assignment:
        lines.append(f"WRONG ASSIGNMENT: the answers file names '{extraction.wrong_assignment}'")
    if extraction.problems:
        lines.append("problems:")
        lines += [f"  - {problem}" for problem in extraction.problems]
    return terminal_text("\n".join(lines) + "\n")  # every line may hold a student's text
