"""From review back to the rubric: YAML mistake rules and self-tests for decided groups.

``suggest_rules(db)`` looks at every answer group a person decided for a whole group (not
per student) and proposes, per part:

- a decision below full credit on a readable answer: a mistake rule matching that answer
  with the decided score and the TA's comment as feedback, and a self-test that expects it;
- full credit on an answer the checker could not prove (undecided, timeout, error, or an
  override of a wrong verdict): a self-test with ``score: 1`` (the checker must learn to
  accept it: declare a symbol, a domain, a tolerance...);
- nothing for answers that could not be read (a rule cannot match unreadable text), nor
  for prose (``manual``) parts: they are listed as comments.

The output is YAML to paste under the part's ``mistakes:`` and ``tests:``; run
``grader rubric check`` and ``grader rubric test`` after pasting.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from grader.grading.db import ResultsDB

__all__ = ["suggest_rules"]

READ_STATUSES = ("correct", "partial", "wrong", "undecided", "timeout", "error")


def _value(answer: str, kind: str) -> Any:
    """The answer as a rubric literal: JSON answers (arrays, networks, numbers) read back."""
    if kind in ("expression", "choice", "constraint"):
        return answer
    try:
        return json.loads(answer)
    except ValueError:
        return answer


def _rule_id(part_id: str, group_id: int) -> str:
    return "review_" + re.sub(r"[^a-z0-9_]", "_", f"{group_id}")


def suggest_rules(db: ResultsDB) -> str:
    parts = {part.part_id: part for part in db.parts()}
    blocks: list[str] = []
    per_part: dict[str, list[Any]] = {}
    for summary in db.queue(statuses=None):
        if summary.state != "decided" or summary.fraction is None:
            continue
        detail = db.group(summary.group_id)
        group_decisions = [m.decision for m in detail.members if m.decision is not None and m.decision.student_key is None]
        if not group_decisions:
            continue  # decided student by student: no rule for the whole group
        per_part.setdefault(summary.part_id, []).append((summary, detail, group_decisions[-1]))
    for part_id, part in parts.items():
        decided = per_part.get(part_id)
        if not decided:
            continue
        header = f"# --- {part_id} ({part.kind}, {part.points:g} points)"
        if part.kind == "manual":
            blocks.append(f"{header}: {len(decided)} decided group(s); prose stays with people, nothing to add.")
            continue
        mistakes: list[dict[str, Any]] = []
        tests: list[dict[str, Any]] = []
        notes: list[str] = []
        for summary, detail, decision in decided:
            fraction = float(summary.fraction)
            who = f"{summary.count} student(s), decided by {decision.who}"
            comment = " ".join(decision.comment.split())
            if summary.status not in READ_STATUSES:
                notes.append(f"# group {summary.group_id} ({summary.status}, {who}): could not be read, no rule possible: "
                             f"{detail.answers[0][:80] if detail.answers else ''!r}")
                continue
            if summary.status == "correct" and fraction >= 1.0:
                continue  # the checker already agrees
            for answer in detail.answers:
                value = _value(answer, part.kind)
                if fraction >= 1.0:
                    tests.append({"answer": value, "score": 1.0, "why": f"accepted in review ({who})"})
                    continue
                if summary.status == "wrong" and fraction == 0.0 and not comment:
                    continue  # the checker already says so
                rule_id = _rule_id(part_id, summary.group_id)
                if not any(m["id"] == rule_id for m in mistakes):
                    mistakes.append({"id": rule_id, "match": value, "score": round(fraction, 4),
                                     "feedback": comment or "Decided in review.", "note": rule_id})
                else:
                    tests.append({"answer": value, "score": round(fraction, 4), "note": rule_id,
                                  "why": f"same group as {rule_id}"})
                    continue
                tests.append({"answer": value, "score": round(fraction, 4), "note": rule_id, "why": f"decided in review ({who})"})
        if not mistakes and not tests and not notes:
            continue
        lines = [f"{header}: paste under the part's mistakes: and tests:"]
        if mistakes:
            lines.append(yaml.safe_dump({"mistakes": mistakes}, sort_keys=False, allow_unicode=True).rstrip())
        if tests:
            lines.append(yaml.safe_dump({"tests": tests}, sort_keys=False, allow_unicode=True).rstrip())
        lines += notes
        blocks.append("\n".join(lines))
    if not blocks:
        return "# no decided answer groups to learn from yet\n"
    return "\n\n".join(blocks) + "\n"
