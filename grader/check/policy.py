"""What an "equal, but only numerically confirmed" outcome is worth: the UndecidedPolicy.

Checkers return ``Status.UNDECIDED`` with ``evidence["numerically_confirmed"]`` True when
high-precision probing agreed everywhere but no symbolic proof was found in the budget.
``apply_policy`` maps such a verdict by the rubric's policy, once (it records
``evidence["policy"]``):

- ``accept_if_numeric``: CORRECT, score 1; the evidence says it was not proved;
- ``manual_review``: UNDECIDED, score 0, "flagged for manual review";
- ``reject``: WRONG, score 0, "could not be verified".

An undecided verdict that was *not* numerically confirmed (too few valid points, an
expression that cannot be evaluated) stays UNDECIDED under every policy except
``reject``, which makes it WRONG with the same "could not be verified" message.
"""

from __future__ import annotations

import dataclasses

from grader.check.verdict import Status, Verdict
from grader.rubric.models import UndecidedPolicy

__all__ = ["apply_policy"]

MANUAL_REVIEW = "could not be proved equivalent automatically; flagged for manual review"
NOT_VERIFIED = "could not be verified as equivalent to the expected answer"


def apply_policy(verdict: Verdict, policy: UndecidedPolicy) -> Verdict:
    """Resolve an UNDECIDED verdict by the rubric's policy (other verdicts pass through)."""
    if verdict.status is not Status.UNDECIDED or "policy" in verdict.evidence:
        return verdict
    confirmed = bool(verdict.evidence.get("numerically_confirmed"))
    evidence = {**verdict.evidence, "policy": policy.value}
    if policy is UndecidedPolicy.accept_if_numeric and confirmed:
        evidence["note"] = "accepted on numeric evidence; not proved symbolically"
        return dataclasses.replace(verdict, status=Status.CORRECT, score=1.0, feedback="correct", evidence=evidence)
    if policy is UndecidedPolicy.reject:
        return dataclasses.replace(verdict, status=Status.WRONG, score=0.0, feedback=NOT_VERIFIED, evidence=evidence)
    if confirmed:
        return dataclasses.replace(verdict, score=0.0, feedback=MANUAL_REVIEW, evidence=evidence)
    feedback = verdict.feedback
    if "manual review" not in feedback:
        feedback = f"{feedback}; flagged for manual review"
    return dataclasses.replace(verdict, score=0.0, feedback=feedback, evidence=evidence)
