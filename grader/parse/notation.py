"""Text-level readings of how students write answers, before the grammar sees them.

Each function here is pure (text in, text or pieces out) and never evaluates anything:

- ``split_chain``: ``a = b = c`` (also ``≈``, ``\\approx``) cut at its top-level signs;
- ``strip_unit``: ``395264 parameters``, ``3.2 ms`` -> the number and the dropped words
  (number and array answers only; never for expressions, where a trailing letter is a
  factor: ``d^2 + 2d``);
- ``join_thousands``: ``395 264``, ``395\\,264``, ``96{,}096`` -> ``395264`` when every
  group after the first has exactly three digits (number answers only);
- ``matlab_matrix``: ``[a; b; c]`` and ``[1 2; 3 4]`` -> ``[[a], [b], [c]]`` and
  ``[[1, 2], [3, 4]]``; ``[1 2 3]`` -> ``[1, 2, 3]``;
- ``expand_plus_minus``: ``1 ± 2`` -> ``("1 + 2", "1 - 2")`` (tuple and set answers).

See docs/notation.md for the catalogue of what is read and what is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from grader.parse.names import CONSTANT_NAMES, FUNCTION_NAMES, GREEK_NAMES

__all__ = [
    "MAGNITUDE_WORDS",
    "expand_plus_minus",
    "join_thousands",
    "matlab_matrix",
    "split_top_level",
    "unwrap_brackets",
    "split_chain",
    "top_level_indices",
    "strip_unit",
]

_APPROX = re.compile(r"\\approx(?![A-Za-z])|≈|\\simeq(?![A-Za-z])|≃")


def split_chain(text: str) -> list[tuple[str, int]]:
    """The pieces of ``text`` between top-level ``=`` / ``≈`` signs, with their offsets.

    Brackets and braces nest (``\\sum_{i=1}`` is not top level; ``\\{`` does not count);
    ``==``, ``<=``, ``>=``, ``!=`` are not equals signs: a text holding one is returned
    whole. One piece means there is no top-level sign.
    """
    if "=" not in text and "≈" not in text and "≃" not in text and "\\approx" not in text and "\\simeq" not in text:
        return [(text, 0)]  # the common case, without a scan
    marked = _APPROX.sub(lambda match: "=" + " " * (len(match.group()) - 1), text)
    pieces: list[tuple[str, int]] = []
    start = 0
    for index in top_level_indices(marked, "=")[0]:
        before = marked[index - 1] if index else " "
        after = marked[index + 1] if index + 1 < len(marked) else " "
        if before in "<>!=" or after == "=":
            return [(text, 0)]
        pieces.append((marked[start:index], start))
        start = index + 1
    pieces.append((marked[start:], start))
    return pieces


def _scan(text: str, start: int = 0) -> Iterator[tuple[int, str, int]]:
    """(index, character, bracket depth after it) for each character of ``text`` from
    ``start`` that a backslash does not escape (``\\{`` opens nothing). The one bracket
    scanner of the notation helpers."""
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char == "\\":
            index += 2
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        yield index, char, depth
        index += 1


def top_level_indices(text: str, characters: str) -> tuple[list[int], bool]:
    """Where ``characters`` stand in ``text`` outside brackets and braces, and whether the
    brackets balance (never closing one that is not open)."""
    found: list[int] = []
    depth = 0
    balanced = True
    for index, char, depth in _scan(text):
        if depth < 0:
            balanced = False
        elif char in characters and depth == 0 and char not in "([{)]}":
            found.append(index)
    return found, balanced and depth == 0


#: words that scale a number: dropping them would change the value, so they are refused
MAGNITUDE_WORDS = frozenset(
    "k K M B G T thousand thousands million millions billion billions trillion lakh crore "
    "hundred hundreds dozen percent".split()
)
_NUMBER_THEN_WORDS = re.compile(
    r"""^\s*(?P<number>.*?[0-9}\]).%])                # the value ends with a digit or a bracket
    (?P<space>\s+|\s*\\[,;:\ ]\s*|\s*~\s*)              # a space before the unit
    (?P<unit>(?:\\(?:text|mathrm|textrm|mbox)\s*\{\s*[A-Za-z][A-Za-z.\- ]*\}|[A-Za-z][A-Za-z.\-]*)
      (?:\s+[A-Za-z][A-Za-z.\-]*){0,3})\s*\.?\s*$""",
    re.VERBOSE,
)
_TEXT_WRAPPER = re.compile(r"\\(?:text|mathrm|textrm|mbox)\s*\{([^{}]*)\}")
_NOT_UNITS = frozenset(
    "pi e E i j inf infty infinity oo x n d".split()
)  # letters that are values, never units


def _is_value_word(word: str) -> bool:
    """A word that means a value or a function (``pi``, ``theta``, ``sin``), never a unit."""
    return word in _NOT_UNITS or word in CONSTANT_NAMES or word in FUNCTION_NAMES or word in GREEK_NAMES


def strip_unit(text: str, names: frozenset[str] | set[str] = frozenset()) -> tuple[str, str] | None:
    """``("395264", "parameters")`` for ``395264 parameters``; None when no unit is there.

    A unit is one to four words of letters after the value, separated from it by a space
    (or ``\\,``, ``\\ ``, ``~``), or one ``\\text{...}``. It is not a unit when a word is a
    constant (``pi``, ``e``), a declared name (``names``) or a single letter other than
    ``s``/``m``/``g`` (``2 x`` is a product, not "2 of x"). A magnitude word (``million``,
    ``k``) is not dropped: the caller refuses the answer (see ``MAGNITUDE_WORDS``).
    """
    match = _NUMBER_THEN_WORDS.match(text)
    if match is None:
        return None
    unit = _TEXT_WRAPPER.sub(lambda inner: inner.group(1), match.group("unit")).strip().rstrip(".")
    words = unit.replace("-", " ").replace(".", " ").split()
    if not words:
        return None
    for word in words:
        if _is_value_word(word) or word in names:
            return None
        if len(word) == 1 and word not in ("s", "m", "g", "B", "K", "M", "G", "T", "k"):
            return None
    number = match.group("number").strip()
    if not number or number.endswith("\\"):
        return None
    return number, unit


_GROUP_SEPARATOR = r"(?:\s|\\,|\\;|\\:|\\ |\\!|~|\{,\}|,|\\thinspace|')"
_THOUSANDS = re.compile(
    rf"^\s*(?P<sign>[+-]?)\s*(?P<head>\d{{1,3}})(?P<groups>(?:{_GROUP_SEPARATOR}+\d{{3}})+)"
    rf"(?P<fraction>\.\d+)?\s*$"
)


def join_thousands(text: str) -> str | None:
    """``395 264`` -> ``395264``; None unless every group after the first has 3 digits."""
    match = _THOUSANDS.match(text)
    if match is None:
        return None
    groups = re.findall(r"\d+", match.group("groups"))
    if any(len(group) != 3 for group in groups) or match.group("head") == "0":
        return None  # 0{,}500 is a decimal comma (0.5), never 500: refused
    return match.group("sign") + match.group("head") + "".join(groups) + (match.group("fraction") or "")


_SIGNED_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_MATLAB_TAIL = re.compile(r"^\s*(?:\^\s*\{?\s*(?:T|\\top|\\intercal)\s*\}?|')?\s*$")


def split_top_level(text: str, separator: str) -> list[str] | None:
    """``text`` split at ``separator`` outside brackets; None when brackets do not balance."""
    indices, balanced = top_level_indices(text, separator)
    if not balanced:
        return None
    bounds = [-1, *indices, len(text)]
    return [text[bounds[i] + 1 : bounds[i + 1]] for i in range(len(bounds) - 1)]


def _closing_bracket(text: str, opener: int) -> int | None:
    for index, char, depth in _scan(text, opener):
        if depth == 0 and char in ")]}":
            return index
    return None


def unwrap_brackets(text: str) -> tuple[str, str, str] | None:
    """``(a, b)`` -> ``("(", "a, b", ")")`` when one bracket pair encloses all of ``text``."""
    stripped = text.strip()
    pairs = {"(": ")", "[": "]", "{": "}"}
    if stripped.startswith("\\{") and stripped.endswith("\\}"):
        return "\\{", stripped[2:-2], "\\}"
    if not stripped or stripped[0] not in pairs or _closing_bracket(stripped, 0) != len(stripped) - 1:
        return None
    if stripped[-1] != pairs[stripped[0]]:
        return None
    return stripped[0], stripped[1:-1], stripped[-1]


def _matlab_row(row: str) -> list[str] | None:
    """The cells of one row: comma-separated, or space-separated plain numbers."""
    cells = split_top_level(row, ",")
    if cells is None:
        return None
    cells = [cell.strip() for cell in cells]
    if len(cells) > 1:
        return cells if all(cells) else None
    words = row.split()
    if len(words) > 1 and all(_SIGNED_NUMBER.fullmatch(word) for word in words):
        return words
    return [row.strip()] if row.strip() else None


def matlab_matrix(text: str) -> str | None:
    """MATLAB-style ``[...]`` rewritten with nested brackets and commas; None otherwise.

    ``[a; b; c]`` is a column (3x1), ``[1 2; 3 4]`` a 2x2 matrix, ``[1 2 3]`` a flat list
    of numbers. Space-separated cells must be plain numbers (``[a -b]`` is not split: in
    plain math ``a -b`` is a difference). A trailing ``^T`` / ``'`` is kept.
    """
    stripped = text.strip()
    if not stripped.startswith("["):
        return None
    close = _closing_bracket(stripped, 0)
    if close is None or not _MATLAB_TAIL.match(stripped[close + 1 :]):
        return None
    inner = stripped[1:close]
    tail = stripped[close + 1 :]
    rows = split_top_level(inner, ";")
    if rows is None:
        return None
    if rows and not rows[-1].strip():
        rows = rows[:-1]  # a trailing ';'
    if len(rows) == 1:
        words = inner.split()
        if len(words) > 1 and "," not in inner and all(_SIGNED_NUMBER.fullmatch(word) for word in words):
            return "[" + ", ".join(words) + "]" + tail
        return None
    cells = [_matlab_row(row) for row in rows]
    if any(row is None for row in cells):
        return None
    return "[" + ", ".join("[" + ", ".join(row) + "]" for row in cells if row is not None) + "]" + tail


_PLUS_MINUS = re.compile(r"±|∓|\\pm(?![A-Za-z])|\\mp(?![A-Za-z])")


def expand_plus_minus(text: str) -> tuple[str, str] | None:
    """``a ± b`` -> ``("a + b", "a - b")`` (``∓`` the other way round); None without ±."""
    if _PLUS_MINUS.search(text) is None:
        return None

    def sign(upper: bool) -> str:
        def replace(match: re.Match[str]) -> str:
            plus = match.group() in ("±", "\\pm")
            return " + " if plus == upper else " - "

        return _PLUS_MINUS.sub(replace, text)

    return sign(True), sign(False)
