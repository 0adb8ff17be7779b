"""Canonical subscripts: the subscript is part of a symbol's name.

``v_t``, ``v_{t}`` -> ``v_t``; ``x_{max}``, ``x_{\\text{max}}``, ``x_{\\mathrm{max}}``,
``x_max`` (plain) -> ``x_{max}``; ``d_{t - 1}`` -> ``d_{t-1}``; ``x_{\\alpha}``,
``x_α``, ``x_alpha`` -> ``x_{alpha}``. Rule: spaces and inner braces are dropped, text
and styling commands are unwrapped, Greek commands become their names; the result is
``_c`` for one character and ``_{...}`` otherwise.
"""

from __future__ import annotations

import re

from grader.parse.context import ParseFailure
from grader.parse.names import (
    FORBIDDEN_COMMANDS,
    GREEK_NAMES,
    IGNORED_COMMANDS,
    LATEX_FUNCTIONS,
    STYLES,
    TEXT_COMMANDS,
    UNICODE_NAMES,
)

_LETTERS = re.compile(r"[A-Za-z]+")
_ALLOWED = re.compile(r"[A-Za-z0-9+\-*/,()'=._]")


def subscript_suffix(raw: str, raw_pos: int | None = None) -> str:
    """The canonical ``_...`` suffix for a subscript's raw text."""
    pieces: list[str] = []
    i = 0
    n = len(raw)
    base = raw_pos or 0
    while i < n:
        char = raw[i]
        if char.isspace() or char in "{}~$":
            i += 1
            continue
        if char == "\\":
            match = _LETTERS.match(raw, i + 1)
            if match is None:
                i += 2  # \, \; \! and friends
                continue
            name = match.group()
            if name in FORBIDDEN_COMMANDS:
                raise ParseFailure(f"\\{name} is not allowed in an answer", "forbidden", base + i)
            if name in GREEK_NAMES:
                pieces.append(GREEK_NAMES[name])
            elif name in LATEX_FUNCTIONS:
                pieces.append(name)
            elif name not in TEXT_COMMANDS and name not in STYLES and name not in IGNORED_COMMANDS:
                raise ParseFailure(f"\\{name} is not supported", "unknown_command", base + i)
            i = match.end()
            continue
        if char in UNICODE_NAMES:
            pieces.append(UNICODE_NAMES[char])
        elif _ALLOWED.match(char):
            pieces.append(char)
        else:
            raise ParseFailure(f"unexpected '{char}' in a subscript", "syntax", base + i)
        i += 1
    text = "".join(pieces)
    if not text:
        raise ParseFailure("empty subscript", "syntax", base)
    return "_" + text if len(text) == 1 else "_{" + text + "}"


def split_subscript(name: str) -> tuple[str, str]:
    """``"m_t"`` -> ``("m", "_t")``; ``"hat(m)_t"`` -> ``("hat(m)", "_t")``."""
    depth = 0
    for index, char in enumerate(name):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "_" and depth == 0:
            return name[:index], name[index:]
    return name, ""
