"""Pipeline stage 3, score: an extraction plus its checks' verdicts -> a ``Graded`` result.

Pure functions; also the verdict given to a check the pool had to stop.
"""

from __future__ import annotations

from grader.check.verdict import Status, Verdict
from grader.grading.plan import CheckKey, Normalized, normalized_answers
from grader.results import Graded, PartResult, Student, SubmissionResult, file_stem
from grader.rubric.models import Rubric
from grader.submission.extract import Extraction

__all__ = ["ANSWER_DISPLAY_CHARS", "check_failed", "score_extraction"]

ANSWER_DISPLAY_CHARS = 500


def _missing(feedback: str) -> Verdict:
    return Verdict(score=0.0, status=Status.MISSING, feedback=feedback)


def score_extraction(
    rubric: Rubric,
    rubric_sha256: str,
    extraction: Extraction,
    verdicts: dict[CheckKey, Verdict],
    normalized_by_part: Normalized | None = None,
) -> Graded:
    """Turn an extraction plus the verdicts of its checks into a Graded result (pure).
    ``normalized_by_part``: the extraction's ``normalized_answers``, when known."""
    student = extraction.student or Student(id="unknown")
    known = normalized_by_part if normalized_by_part is not None else normalized_answers(extraction)
    parts: list[PartResult] = []
    for part in rubric.parts():
        normalized = known.get(part.id)
        shown: str | None = None
        if extraction.failed is not None:
            verdict = Verdict(
                score=0.0, status=Status.ERROR,
                feedback="Your submission could not be read by the grader (an internal failure, not a wrong answer); "
                "a person will look at it.",
                evidence={"reason": extraction.failed},
            )
        elif extraction.wrong_assignment is not None:
            verdict = _missing(f"Not graded: the answers file is for assignment '{extraction.wrong_assignment}'.")
        elif part.id in extraction.rejected:
            verdict = Verdict(score=0.0, status=Status.INVALID, feedback=f"Your answer could not be read: {extraction.rejected[part.id]}.")
        elif normalized is None:
            verdict = _missing("No answer was given for this part.")
        else:
            shown = normalized[0]
            found = verdicts.get((part.id, normalized[0]))
            verdict = found if found is not None else Verdict(
                score=0.0, status=Status.ERROR, feedback="This answer was not checked (internal error); a person will look at it."
            )
        if shown is not None and len(shown) > ANSWER_DISPLAY_CHARS:
            shown = shown[: ANSWER_DISPLAY_CHARS - 3] + "..."
        parts.append(
            PartResult(
                part_id=part.id,
                points=round(verdict.score * part.points, 4),
                max_points=part.points,
                verdict=verdict,
                answer=shown,
            )
        )
    result = SubmissionResult(
        student=student,
        assignment=rubric.assignment.id,
        rubric_sha256=rubric_sha256,
        parts=tuple(parts),
        problems=tuple(extraction.problems),
    )
    return Graded(
        result=result,
        submission_sha256=extraction.content_hash,
        sources=dict(extraction.sources),
        notes=tuple(extraction.notes),
        stem=file_stem(student.id),
    )


def check_failed(reason: str) -> Verdict:
    """The verdict of a check the pool had to stop: out of budget, or the checker failed."""
    if reason.startswith("the checker"):  # "the checker failed: ..." / "the checker crashed"
        return Verdict(
            score=0.0,
            status=Status.ERROR,
            feedback="The checker failed on this answer (an internal error, not your fault); a person will look at it.",
            evidence={"reason": str(reason)},
        )
    return Verdict(
        score=0.0,
        status=Status.TIMEOUT,
        feedback=f"Checking this answer ran out of its budget ({reason}); a person will look at it.",
        evidence={"reason": str(reason)},
    )
