"""The one signature every checker has (the table of checkers is ``grader.check.registry``).

A checker is two small steps so that an answer is read once and compared many times
(expected value, then each mistake rule):

- ``read(spec, raw, ctx) -> Parsed | Invalid``: turn the raw answer (text, YAML number,
  nested list, mapping) into a value; never raises on student input.
- ``compare(spec, expected, parsed, ctx) -> Verdict``: compare with an expected value taken
  from the answer key (plain JSON: numbers, nested lists, expression text, dicts). It reads
  only ``parsed.value`` and ``parsed.shown``: the engine reuses a comparison for answers
  read to the same value and shown text (``grader.check.engine._compare``).
"""

from __future__ import annotations

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
