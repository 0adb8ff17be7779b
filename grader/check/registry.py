"""The table of checkers: answer kind -> checker. One place, no import side effects.

A new answer kind is a module in ``grader/check/kinds/`` with a class that has the
``Checker`` signature (``grader.check.base``), and one line in ``CHECKERS`` below.
"""

from __future__ import annotations

from grader.check.base import Checker
from grader.check.kinds.array import ArrayChecker
from grader.check.kinds.choice import ChoiceChecker
from grader.check.kinds.constraint import ConstraintChecker
from grader.check.kinds.expression import ExpressionChecker
from grader.check.kinds.manual import ManualChecker
from grader.check.kinds.network import NetworkChecker
from grader.check.kinds.number import NumberChecker
from grader.check.kinds.tuples import TupleChecker

__all__ = ["CHECKERS", "checker_for"]

_TUPLES = TupleChecker()

CHECKERS: dict[str, Checker] = {
    "expression": ExpressionChecker(),
    "number": NumberChecker(),
    "array": ArrayChecker(),
    "tuple": _TUPLES,
    "set": _TUPLES,
    "choice": ChoiceChecker(),
    "constraint": ConstraintChecker(),
    "network": NetworkChecker(),
    "manual": ManualChecker(),
}


def checker_for(kind: str) -> Checker:
    """The checker of an answer kind (KeyError for a kind no checker handles)."""
    try:
        return CHECKERS[kind]
    except KeyError:
        raise KeyError(f"no checker registered for kind {kind!r}") from None
