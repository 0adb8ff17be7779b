"""Gradescope ``results.json`` documents: graded, placeholder and failure results (pure).

Everything here builds plain dictionaries; ``dumps_results`` turns one into text that is
always valid JSON for Gradescope: no NaN or Infinity (a non-finite score becomes 0 with a
message), every test output at most ``TEST_OUTPUT_MAX`` characters and the whole
document at most ``TOTAL_MAX`` bytes.

Conventions (see docs/gradescope.md):

- one test per rubric part: ``name`` = part id + short prompt, ``number`` = part id, the
  part's visibility (``part.visibility`` or ``defaults.visibility``);
- ``kind: manual`` parts are not tests: a person grades them outside the autograder (a
  manual question on Gradescope); the top-level output names them;
- an "answer format check" test (``max_score`` 0, always ``visible``) lists unreadable and
  missing answers at once, so a student can fix them before the deadline, the files that
  were seen and ignored, and a "needs review" note when any answer is invalid, undecided,
  timed out or errored (``extra_data.needs_review`` is then true);
- the top-level ``visibility`` is the most restrictive visibility of the graded parts, so
  the total score reveals no more than the parts do.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from typing import Any

from grader import __version__
from grader.check.verdict import NEEDS_PERSON, STATUS_TEXT, Status
from grader.output.formats import fmt_number
from grader.results import PartResult, SubmissionResult
from grader.rubric.models import Part, Rubric

__all__ = [
    "TEST_OUTPUT_MAX",
    "TOTAL_MAX",
    "FORMAT_CHECK_NAME",
    "REVIEW_MESSAGE",
    "PLACEHOLDER_MESSAGE",
    "graded_results",
    "placeholder_results",
    "failure_results",
    "finite",
    "clip",
    "enforce_caps",
    "dumps_results",
    "most_restrictive",
    "review_parts",
    "REVIEW_STATUSES",
]

TEST_OUTPUT_MAX = 4096  # characters of one test's output
TOTAL_MAX = 1_000_000  # bytes of the whole results.json
NAME_MAX = 120
FORMAT_CHECK_NAME = "Answer format check (not graded): unreadable or missing answers"
REVIEW_MESSAGE = (
    "The autograder hit an internal problem with this submission, so it **needs manual review** "
    "by course staff. This is not a judgement of your answers: your submission is saved, the staff "
    "have been told (the details are in the autograder log), and the score shown (0) is temporary."
)
PLACEHOLDER_MESSAGE = (
    "Grading did not finish (the autograder stopped before writing its results); contact course "
    "staff. Your submission is saved and will be graded by hand or regraded."
)
VISIBILITY_ORDER = {"visible": 0, "after_due_date": 1, "after_published": 2, "hidden": 3}


# --------------------------------------------------------------------------- small helpers


def finite(value: Any, notes: list[str] | None = None, where: str = "score") -> float:
    """``value`` as a finite float; NaN, infinities and junk become 0 (noted in ``notes``)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if math.isfinite(number):
        return number
    if notes is not None:
        notes.append(f"{where} was not a finite number ({value!r}); counted as 0 and flagged for review")
    return 0.0


def clip(text: str, limit: int = TEST_OUTPUT_MAX) -> str:
    """``text`` cut to at most ``limit`` characters, saying so when cut."""
    if len(text) <= limit:
        return text
    marker = "\n\n… (output shortened)"
    return text[: max(0, limit - len(marker))] + marker


def _one_line(text: str, limit: int) -> str:
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _code(text: str) -> str:
    """Markdown inline code that survives backticks."""
    flat = " ".join(str(text).split())
    fence = "``" if "`" in flat else "`"
    return f"{fence} {flat} {fence}" if fence == "``" else f"`{flat}`"


def _feedback_lines(feedback: str, indent: str = "") -> list[str]:
    """A checker's feedback as Markdown: the first line as text, the rest (e.g. the answer
    echoed with a ``^`` under the problem) in a fenced block so the caret stays aligned."""
    lines = [line.rstrip() for line in str(feedback).strip().splitlines()]
    if not lines:
        return []
    head = _one_line(lines[0], 400)
    rest = [line[:300] for line in lines[1:4] if line.strip()]
    if not rest:
        return [head]
    fence = "~~~~" if any("~~~" in line for line in rest) else "~~~"
    return [head, "", *(f"{indent}{line}" for line in (fence, *rest, fence))]


def _points(value: float) -> str:
    return f"{fmt_number(value)} point{'' if value == 1 else 's'}"


def most_restrictive(visibilities: Iterable[str]) -> str:
    """The most restrictive Gradescope visibility among ``visibilities`` (visible if none)."""
    return max(visibilities, key=lambda v: VISIBILITY_ORDER.get(v, 3), default="visible")


def test_name(part: Part) -> str:
    """``<part id>: <short prompt>`` (one line, at most NAME_MAX characters)."""
    return _one_line(f"{part.id}: {part.prompt}", NAME_MAX)


def _visibility(rubric: Rubric, part: Part) -> str:
    value = rubric.visibility_for(part)
    return str(getattr(value, "value", value))


# --------------------------------------------------------------------------- graded results


def _part_output(result: PartResult, part: Part, source: str | None, score: float, notes: list[str]) -> str:
    verdict = result.verdict
    status = verdict.status
    lines = [f"**{fmt_number(score)} / {fmt_number(result.max_points)}: {STATUS_TEXT.get(status, status.value)}**", ""]
    lines += [f"> {_one_line(part.prompt, 600)}", ""]
    if status is Status.MISSING:
        lines.append("- No answer was found for this part.")
        if verdict.feedback and not verdict.feedback.startswith("No answer"):
            lines.append(f"- {verdict.feedback}")
    else:
        if result.answer is not None:
            where = f" ({source})" if source else ""
            lines.append(f"- Your answer{where}: {_code(result.answer)}")
        if status is Status.INVALID:
            first, *more = _feedback_lines(verdict.feedback, "  ") or [""]
            lines += [f"- **Could not be read:** {first}", *more]
        else:
            if verdict.shown:
                lines.append(f"- Read as: {_code(verdict.shown)}")
            if verdict.feedback:
                first, *more = _feedback_lines(verdict.feedback, "  ")
                lines += [f"- Feedback: {first}", *more]
        if status in NEEDS_PERSON:
            lines.append("- **Left for a person** to grade; the score shown may change.")
        if verdict.rule:
            lines.append(f"- Rule: `{verdict.rule}`")
    lines += [f"- Note: {note}" for note in notes]
    return "\n".join(lines)


def _part_test(rubric: Rubric, part: Part, result: PartResult, source: str | None) -> dict[str, Any]:
    """The test of one auto-graded part (manual parts are not tests)."""
    notes: list[str] = []
    max_score = finite(result.max_points, notes, "max score")
    score = min(max(finite(result.points, notes), 0.0), max_score)
    status = result.verdict.status
    tags = list(dict.fromkeys([*part.tags, status.value]))
    output = _part_output(result, part, source, score, notes)
    passed = status is Status.CORRECT and score >= max_score
    return {
        "name": test_name(part),
        "number": part.id,
        "score": round(score, 4),
        "max_score": round(max_score, 4),
        "status": "passed" if passed else "failed",
        "output": clip(output),
        "output_format": "md",
        "tags": tags,
        "visibility": _visibility(rubric, part),
    }


REVIEW_STATUSES: tuple[Status, ...] = (Status.INVALID, Status.UNDECIDED, Status.TIMEOUT, Status.ERROR)
REVIEW_NOTE = (
    "**Needs review by course staff:** {count} answer(s) could not be read or could not be "
    "decided automatically ({parts}). A person will look at them; the score shown may change."
)


def review_parts(rubric: Rubric, result: SubmissionResult) -> list[str]:
    """Auto-graded parts whose answer was invalid, undecided, timed out or errored."""
    statuses = {p.part_id: p.verdict.status for p in result.parts}
    return [
        part.id for part in rubric.parts()
        if part.answer.kind != "manual" and statuses.get(part.id) in REVIEW_STATUSES
    ]


def _format_check(
    rubric: Rubric, result: SubmissionResult, notes: Sequence[str], review: Sequence[str] = ()
) -> dict[str, Any]:
    by_id = {part.id: part for part in rubric.parts()}
    unreadable = [p for p in result.parts if p.verdict.status is Status.INVALID]
    missing = [
        p for p in result.parts
        if p.verdict.status is Status.MISSING and by_id.get(p.part_id) is not None and by_id[p.part_id].answer.kind != "manual"
    ]
    lines: list[str] = []
    if result.problems:
        lines += ["**Problems with the submitted files:**", ""]
        lines += [f"- {_one_line(problem, 400)}" for problem in result.problems]
        lines.append("")
    if unreadable:
        lines += ["**Answers that could not be read** (fix them and resubmit):", ""]
        for p in unreadable:
            first, *more = _feedback_lines(p.verdict.feedback, "  ") or [""]
            lines += [f"- `{p.part_id}`: {first}", *more]
        lines.append("")
    if missing:
        lines += [f"**No answer found** for {len(missing)} part(s):", ""]
        lines.append(", ".join(f"`{p.part_id}`" for p in missing))
        lines.append("")
    ok = not (result.problems or unreadable or missing)
    if review:
        lines += [REVIEW_NOTE.format(count=len(review), parts=", ".join(f"`{p}`" for p in review)), ""]
    if ok:
        lines += ["Every part has an answer and every answer could be read. "
                  "(This checks the format only, not correctness.)", ""]
    else:
        lines += ["This check is about the *format* of your answers only; correctness is graded separately.", ""]
    if notes:
        lines += ["How the answers were found:", ""]
        lines += [f"- {_one_line(note, 300)}" for note in notes]
    return {
        "name": FORMAT_CHECK_NAME,
        "number": "0",
        "score": 0,
        "max_score": 0,
        "status": "passed" if ok else "failed",
        "output": clip("\n".join(lines).rstrip()),
        "output_format": "md",
        "tags": ["format"],
        "visibility": "visible",
    }


def graded_results(
    rubric: Rubric,
    result: SubmissionResult,
    *,
    sources: dict[str, str] | None = None,
    notes: Sequence[str] = (),
    execution_time: float = 0.0,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The results.json document of a graded submission."""
    by_id = {p.part_id: p for p in result.parts}
    sources = sources or {}
    review = review_parts(rubric, result)
    tests = [_format_check(rubric, result, notes, review)]
    for part in rubric.parts():
        part_result = by_id.get(part.id)
        if part_result is None:
            raise ValueError(f"no result for part {part.id}")
        if part.answer.kind != "manual":
            tests.append(_part_test(rubric, part, part_result, sources.get(part.id)))
    score = round(sum(float(test["score"]) for test in tests), 4)
    possible = round(sum(float(test["max_score"]) for test in tests), 4)
    graded_visibilities = [_visibility(rubric, p) for p in rubric.parts() if p.answer.kind != "manual"]
    info = rubric.assignment
    output = [
        f"**{info.title}**: autograded with rubric version {info.version} (sha256 `{result.rubric_sha256[:12]}`).",
        "",
        "Start with the *answer format check*: it lists answers that could not be read or are missing.",
    ]
    if review:
        output += ["", REVIEW_NOTE.format(count=len(review), parts=", ".join(f"`{p}`" for p in review))]
    manual = [p for p in rubric.parts() if p.answer.kind == "manual"]
    if manual:
        output += [
            "",
            f"Graded by a person, outside the autograder ({len(manual)} part(s), not listed below): "
            + ", ".join(f"`{p.id}` ({_points(p.points)})" for p in manual)
            + ".",
        ]
    return {
        "score": score,
        "execution_time": round(max(0.0, finite(execution_time)), 3),
        "output": "\n".join(output),
        "output_format": "md",
        "test_output_format": "md",
        "visibility": most_restrictive(graded_visibilities),
        "tests": tests,
        "extra_data": {
            "rubric_sha256": result.rubric_sha256,
            "assignment": result.assignment,
            "grader_version": __version__,
            "rubric_version": info.version,
            "autograded_points": possible,
            "needs_review": bool(review),
            "review_parts": review,
            **(extra or {}),
        },
    }


# --------------------------------------------------------------------------- placeholder and failure


def placeholder_results() -> dict[str, Any]:
    """What results.json holds while grading runs: valid, score 0, 'did not finish'."""
    return {
        "score": 0,
        "output": PLACEHOLDER_MESSAGE,
        "output_format": "md",
        "visibility": "visible",
        "tests": [
            {
                "name": "Grading did not finish; contact staff",
                "number": "0",
                "score": 0,
                "max_score": 0,
                "status": "failed",
                "output": PLACEHOLDER_MESSAGE,
                "output_format": "md",
                "visibility": "visible",
            }
        ],
        "extra_data": {"grader_version": __version__, "placeholder": True, "needs_review": True},
    }


def failure_results(
    reason: str,
    rubric: Rubric | None = None,
    *,
    rubric_sha256: str = "",
    execution_time: float = 0.0,
) -> dict[str, Any]:
    """Results for a run that failed inside the autograder: score 0, 'needs manual review'.

    With the rubric known, every part gets a test (score 0, the review message); the
    reason (for staff) goes to ``extra_data`` only, never to the student.
    """
    tests: list[dict[str, Any]] = [
        {
            "name": "Autograder problem: this submission needs manual review",
            "number": "0",
            "score": 0,
            "max_score": 0,
            "status": "failed",
            "output": REVIEW_MESSAGE,
            "output_format": "md",
            "visibility": "visible",
        }
    ]
    for part in rubric.parts() if rubric is not None else []:
        if part.answer.kind == "manual":
            continue
        tests.append(
            {
                "name": test_name(part),
                "number": part.id,
                "score": 0,
                "max_score": round(finite(part.points), 4),
                "status": "failed",
                "output": "Not graded: needs manual review (autograder problem, see the first test).",
                "output_format": "md",
                "tags": ["needs-review"],
                "visibility": "visible",
            }
        )
    return {
        "score": 0,
        "execution_time": round(max(0.0, finite(execution_time)), 3),
        "output": REVIEW_MESSAGE,
        "output_format": "md",
        "test_output_format": "md",
        "visibility": "visible",
        "tests": tests,
        "extra_data": {
            "grader_version": __version__,
            "rubric_sha256": rubric_sha256,
            "assignment": rubric.assignment.id if rubric is not None else "",
            "needs_review": True,
            "error": _one_line(reason, 2000),
        },
    }


# --------------------------------------------------------------------------- serialization


def _sanitize(value: Any, notes: list[str], where: str = "") -> Any:
    if isinstance(value, bool) or value is None or isinstance(value, (str, int)):
        return value
    if isinstance(value, float):
        return finite(value, notes, where or "a number")
    if isinstance(value, dict):
        return {str(k): _sanitize(v, notes, f"{where}.{k}" if where else str(k)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_sanitize(item, notes, f"{where}[{index}]") for index, item in enumerate(value)]
    return str(value)


def enforce_caps(payload: dict[str, Any], total_max: int = TOTAL_MAX, test_max: int = TEST_OUTPUT_MAX) -> dict[str, Any]:
    """Cap every test output at ``test_max`` characters and the document at ``total_max`` bytes.

    When the document is still too large, outputs are cut further (evenly), then
    ``extra_data`` is dropped to its identifying keys.
    """
    tests = payload.get("tests") or []
    for test in tests:
        if isinstance(test.get("output"), str):
            test["output"] = clip(test["output"], test_max)
    if isinstance(payload.get("output"), str):
        payload["output"] = clip(payload["output"], test_max)

    def size() -> int:
        return len(json.dumps(payload, ensure_ascii=False, allow_nan=False).encode("utf-8"))

    if size() <= total_max:
        return payload
    share = max(200, (total_max // 2) // max(1, len(tests)) // 4)  # 4 bytes per char worst case
    for test in tests:
        if isinstance(test.get("output"), str):
            test["output"] = clip(test["output"], share)
        if isinstance(test.get("name"), str):
            test["name"] = test["name"][:NAME_MAX]
        test.pop("extra_data", None)
    if size() > total_max:
        extra = payload.get("extra_data") or {}
        payload["extra_data"] = {k: extra[k] for k in ("rubric_sha256", "assignment", "grader_version") if k in extra}
    if size() > total_max:  # absurd numbers of parts: keep the score and say so
        payload["tests"] = tests[: max(1, total_max // (share * 4 + 400))]
        payload["output"] = clip(str(payload.get("output", "")) + "\n\n(Some tests were left out: output too large.)", 2000)
    return payload


def dumps_results(payload: dict[str, Any]) -> str:
    """Serialize a results document: sanitized (finite numbers), capped, strict JSON."""
    notes: list[str] = []
    clean = _sanitize(payload, notes)
    if notes:
        clean["score"] = finite(clean.get("score", 0))
        message = "Some numbers could not be represented and were counted as 0; staff will review: " + "; ".join(notes[:10])
        clean["output"] = (str(clean.get("output", "")) + "\n\n" + message).strip()
        extra = clean.setdefault("extra_data", {})
        if isinstance(extra, dict):
            extra["non_finite"] = notes[:50]
            extra["needs_review"] = True
    clean = enforce_caps(clean)
    return json.dumps(clean, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
