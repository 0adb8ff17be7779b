"""The one signature every checker has, and the registry that finds a checker by kind.

A checker is two small steps so that an answer is read once and compared many times
(expected value, then each mistake rule):

- ``read(spec, raw, ctx) -> Parsed | Invalid``: turn the raw answer (text, YAML number,
  nested list, mapping) into a value; never raises on student input.
- ``compare(spec, expected, parsed, ctx) -> Verdict``: compare with an expected value taken
  from the answer key (plain JSON: numbers, nested lists, expression text, dicts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from grader.check.verdict import Verdict
from grader.parse.values import Invalid, Parsed
from grader.rubric.models import FunctionSpec, SymbolSpec, Tolerance, UndecidedPolicy


@dataclass(frozen=True)
class CheckContext:
    """Everything a checker needs besides the answer spec: merged rubric defaults."""

    part_id: str = ""
    symbols: dict[str, SymbolSpec] = field(default_factory=dict)
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    tolerance: Tolerance = field(default_factory=lambda: Tolerance.model_validate({}))
    undecided: UndecidedPolicy = UndecidedPolicy.manual_review
    seed: int = 0  # random probing is seeded per part for deterministic results
    step_seconds: float = 2.0  # soft budget of one symbolic step (simplify, ...), in CPU seconds


class Checker(Protocol):
    def read(self, spec: Any, raw: Any, ctx: CheckContext) -> Parsed | Invalid: ...

    def compare(self, spec: Any, expected: Any, parsed: Parsed, ctx: CheckContext) -> Verdict: ...


CHECKERS: dict[str, Checker] = {}


def register(*kinds: str) -> Callable[[type], type]:
    """Class decorator: register an instance of the checker class for these kinds."""

    def decorate(cls: type) -> type:
        instance = cls()
        for kind in kinds:
            CHECKERS[kind] = instance
        return cls

    return decorate


def checker_for(kind: str) -> Checker:
    if not CHECKERS:
        import grader.check.kinds  # noqa: F401  (registers the built-in checkers)
    try:
        return CHECKERS[kind]
    except KeyError:
        raise KeyError(f"no checker registered for kind {kind!r}") from None
