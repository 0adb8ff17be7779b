"""Fixed formatting shared by the writers, so outputs are byte-identical run to run, and
the hygiene of text that came from a student (ids, names, answers) on its way out:
``csv_cell`` for spreadsheets, ``terminal_text`` for a TA's terminal, ``clip`` for size."""

from __future__ import annotations

import json
import math
import re
import unicodedata
from typing import Any

__all__ = ["fmt_number", "json_safe", "dumps_json", "csv_cell", "terminal_text", "clip", "strip_controls"]

FORMULA_STARTS = ("=", "+", "-", "@")
_PLAIN_NUMBER = re.compile(r"^[-+]?[0-9]+(\.[0-9]+)?$")


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters (the last being an ellipsis when cut)."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "\u2026"


def strip_controls(text: str) -> str:
    """``text`` without control and format characters (C0/C1 controls, tabs, newlines,
    bidirectional overrides, zero-width characters), which can hide or disguise text."""
    if text.isprintable():
        return text
    return "".join(char for char in text if char == " " or unicodedata.category(char)[0] not in "CZ" or char.isprintable())


def csv_cell(text: str, limit: int = 128) -> str:
    """A spreadsheet-safe cell for text taken from a student (an id, a name, an email):
    control characters stripped, capped at ``limit``, and neutralized with a leading ``'``
    when a spreadsheet would read it as a formula (it starts with ``= + - @``, possibly
    after spaces). Plain numbers are left as they are (``-3`` is a number, not a formula)."""
    cell = clip(strip_controls(text), limit)
    if cell.lstrip().startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(cell):
        return "'" + cell
    return cell


def terminal_text(text: str) -> str:
    """Text for a terminal: every non-printable character but the newline written as an
    escape (``\\x1b``, ``\\u202e``), so that no student text moves the cursor, changes
    colours, or reverses what a TA reads."""
    if text.isprintable():
        return text
    return "".join(
        char if char == "\n" or char.isprintable() else char.encode("unicode_escape").decode("ascii")
        for char in text
    )


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
        return {key if type(key) is str else _key(key): json_safe(item) for key, item in value.items()}
    if kind is list:
        return [json_safe(item) for item in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, dict):
        return {_key(key): json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, (set, frozenset)):
        return sorted((json_safe(item) for item in value), key=repr)
    if hasattr(value, "value") and isinstance(value.value, str):  # enums
        return value.value
    return str(value)


def _key(key: Any) -> str:
    """A dict key as text, as ``json.dumps`` writes it (``True`` -> "true", ``None`` -> "null")."""
    if key is True or key is False or key is None:
        return json.dumps(key)
    return str(key)


def dumps_json(data: Any, *, compact: bool = False) -> str:
    """Sorted keys, no NaN, trailing newline; 2-space indent unless ``compact`` (one line,
    about ten times faster: the C encoder does not indent).

    The data is encoded as it is when JSON can hold it (what ``json_safe`` would return is
    then the same document), and through ``json_safe`` otherwise (NaN, sets, odd types):
    a class's thousands of feedback files skip the walk."""
    options: dict[str, Any] = {"separators": (",", ":")} if compact else {"indent": 2}
    try:
        text = json.dumps(data, sort_keys=True, ensure_ascii=False, allow_nan=False, **options)
    except (TypeError, ValueError):
        text = json.dumps(json_safe(data), sort_keys=True, ensure_ascii=False, allow_nan=False, **options)
    return text + "\n"
