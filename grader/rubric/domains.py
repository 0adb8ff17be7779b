"""Symbol domains written as text: the one parser shared by rubrics, ``grader compare`` and
its batch contract.

``positive``, ``nonnegative``, ``nonzero``, ``integer``, ``positive integer`` (spaces,
hyphens or underscores), ``real``, ``interval(a, b)`` (also ``(a, b)``; signed decimal or
scientific bounds, exclusive), ``matrix(m, n)`` and ``identity``. The result is the
fields of a ``SymbolSpec``; a rubric may write ``x: "interval(-2, 3)"`` for
``x: {domain: interval, low: -2, high: 3}``.
"""

from __future__ import annotations

import math
import re
from typing import Any

__all__ = ["SIMPLE_DOMAINS", "DomainError", "parse_domain"]

SIMPLE_DOMAINS = ("positive", "nonnegative", "nonzero", "integer", "positive_integer", "real")
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_INTERVAL = re.compile(rf"(?:interval)?\(\s*({_NUMBER})\s*,\s*({_NUMBER})\s*\)")
_MATRIX = re.compile(r"matrix\(\s*(\d+)\s*,\s*(\d+)\s*\)")
_HELP = f"use {', '.join(SIMPLE_DOMAINS)}, interval(a,b), matrix(m,n) or identity"


class DomainError(ValueError):
    """A domain text that cannot be read (a usage or rubric error, never student input)."""


def parse_domain(text: str) -> dict[str, Any]:
    """'positive' / 'positive integer' / 'interval(-2,3)' / 'matrix(3,1)' -> SymbolSpec fields."""
    stripped = str(text).strip().lower()
    words = re.sub(r"[\s_\-]+", "_", stripped)
    if words in SIMPLE_DOMAINS:
        return {"domain": words}
    if words == "identity":
        return {"identity": True}
    interval = _INTERVAL.fullmatch(stripped)
    if interval:
        low, high = float(interval.group(1)), float(interval.group(2))
        if not (math.isfinite(low) and math.isfinite(high)):
            raise DomainError(f"domain {text!r}: interval bounds must be finite numbers")
        if not low < high:
            raise DomainError(f"domain {text!r}: the interval is empty (low {low:g} >= high {high:g})")
        return {"domain": "interval", "low": low, "high": high}
    matrix = _MATRIX.fullmatch(stripped)
    if matrix:
        rows, cols = int(matrix.group(1)), int(matrix.group(2))
        if rows < 1 or cols < 1:
            raise DomainError(f"domain {text!r}: a matrix needs at least one row and one column")
        return {"shape": (rows, cols)}
    raise DomainError(f"unknown domain {text!r} ({_HELP})")
