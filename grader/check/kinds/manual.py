"""Checker for ``kind: manual``: prose left for a person, reported as such."""

from __future__ import annotations

from typing import Any

from grader.check.base import CheckContext
from grader.check.verdict import Status, Verdict
from grader.parse.values import Invalid, Parsed

__all__ = ["ManualChecker", "MANUAL_FEEDBACK"]

MANUAL_FEEDBACK = "left for a person to grade"


class ManualChecker:
    """Reads the text as is; the verdict is always MANUAL with score 0."""

    def read(self, spec: Any, raw: Any, ctx: CheckContext) -> Parsed | Invalid:
        text = raw if isinstance(raw, str) else str(raw)
        shown = text if len(text) <= 200 else text[:197] + "..."
        return Parsed(value=text, text=text, shown=shown)  # type: ignore[arg-type]

    def compare(self, spec: Any, expected: Any, parsed: Parsed, ctx: CheckContext) -> Verdict:
        return Verdict(0.0, Status.MANUAL, MANUAL_FEEDBACK, shown=parsed.shown)
