"""Fixed formatting shared by the writers, so outputs are byte-identical run to run."""

from __future__ import annotations

import json
import math
from typing import Any

__all__ = ["fmt_number", "json_safe", "dumps_json"]


def fmt_number(value: float) -> str:
    """Up to 4 decimals without trailing zeros: 2.5 -> '2.5', 3.0 -> '3', 1/3 -> '0.3333'."""
    if not math.isfinite(value):
        return "0"
    text = f"{round(value, 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "", "-") else text


def json_safe(value: Any) -> Any:
    """Replace values JSON cannot hold (NaN, infinities, tuples, sets, odd types) by safe ones."""
    kind = type(value)  # the exact plain types first: the feedback of a class is mostly these
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict:
        return {key if type(key) is str else str(key): json_safe(item) for key, item in value.items()}
    if kind is list:
        return [json_safe(item) for item in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, dict):
        return {str(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted((json_safe(item) for item in value), key=repr)
    if hasattr(value, "value") and isinstance(value.value, str):  # enums
        return value.value
    return str(value)


def dumps_json(data: Any, *, compact: bool = False) -> str:
    """Sorted keys, no NaN, trailing newline; 2-space indent unless ``compact`` (one line,
    about ten times faster: the C encoder does not indent)."""
    safe = json_safe(data)
    if compact:
        return json.dumps(safe, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False) + "\n"
    return json.dumps(safe, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"
