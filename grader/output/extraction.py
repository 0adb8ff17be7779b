"""Plain-text report of what was found in one submission and how each answer reads
(what ``grader extract`` prints)."""

from __future__ import annotations

from typing import Any

from grader.errors import GraderError

__all__ = ["render_extraction"]


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


def render_extraction(rubric: Any, extraction: Any, *, read: bool = True) -> str:
    """Plain-text report of an extraction: each part's text, where, and how it reads."""
    student = extraction.student
    lines = [f"student: {student.name + ' ' if student and student.name else ''}({student.id if student else '?'})"]
    lines += [f"note: {note}" for note in extraction.notes]
    missing = []
    for part in rubric.parts():
        if part.id not in extraction.answers:
            missing.append(part.id)
            continue
        raw = extraction.answers[part.id]
        shown = raw if isinstance(raw, str) else repr(raw)
        lines.append("")
        lines.append(f"{part.id}  [{extraction.sources.get(part.id, '?')}]  ({part.answer.kind})")
        lines.append("  text:    " + shown.strip().replace("\n", "\n           "))
        if read:
            lines.append("  " + _read_answer(rubric, part, raw).replace("\n", "\n  "))
    lines.append("")
    lines.append(f"missing ({len(missing)}): {', '.join(missing) if missing else 'none'}")
    if extraction.wrong_assignment:
        lines.append(f"WRONG ASSIGNMENT: the answers file names '{extraction.wrong_assignment}'")
    if extraction.problems:
        lines.append("problems:")
        lines += [f"  - {problem}" for problem in extraction.problems]
    return "\n".join(lines) + "\n"
