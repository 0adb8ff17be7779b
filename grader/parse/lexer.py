"""Tokenizer for plain and LaTeX answers (one lexer, lazily producing tokens).

Token kinds:

- ``num``: a decimal literal (``12``, ``0.5``, ``.5``, ``4.18e8``)
- ``name``: a run of ASCII letters, optionally followed by digits (``x``, ``xy``, ``x2``)
- ``uname``: one Unicode letter read as a name (``α`` -> ``alpha``); never merged
- ``alias``: a declared alias matched literally; ``text`` is the canonical symbol name
- ``piece``: one declared name of a split letter run (``xy`` -> ``x``, ``y``); never
  scanned, the parser pushes these back so that ``^``/``_`` bind to the last one
- ``cmd``: a LaTeX command without the backslash (``frac``, ``alpha``)
- ``text``: ``\\text{...}``-like command; ``raw`` is the brace content
- ``sub``: a subscript after ``_``; ``raw`` is its content (braces removed)
- ``begin``/``end``: a LaTeX environment; ``text`` is its name
- ``op``: an operator or bracket; ``\\cdot``, ``\\times``, ``×`` become ``*`` and so on
- ``eof``

Forbidden things (dunders, attribute access, quotes, backticks, semicolons, Python
builtins called as functions, file/macro LaTeX commands) raise ``ParseFailure`` with code
``forbidden`` as soon as they are seen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from grader.parse.context import Limits, ParseFailure
from grader.parse.names import (
    ACCENTS,
    FORBIDDEN_CALLS,
    FORBIDDEN_COMMANDS,
    FORBIDDEN_ENVIRONMENTS,
    GREEK_NAMES,
    IGNORED_COMMANDS,
    LATEX_FUNCTIONS,
    MATRIX_ENVIRONMENTS,
    STYLES,
    SYMBOL_COMMANDS,
    TEXT_COMMANDS,
    UNICODE_NAMES,
)

_SPACE = re.compile(r"[\s$~]+")
_NUMBER = re.compile(r"(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?")
_MANTISSA = re.compile(r"\d+(?:\.\d+)?|\.\d+")
_SCI = re.compile(r"[eE][+-]?\d")
_NAME = re.compile(r"[A-Za-z]+[0-9]*")
_LETTERS = re.compile(r"[A-Za-z]+")
_PLAIN_SUB = re.compile(r"[0-9]+|[A-Za-z]+[0-9]*")

#: command -> operator it stands for
_COMMAND_OPS = {
    "cdot": "*", "times": "*", "div": "/", "approx": "=", "le": "≤", "leq": "≤",
    "ge": "≥", "geq": "≥", "lt": "<", "gt": ">", "ne": "≠", "neq": "≠", "lvert": "lvert",
    "rvert": "rvert", "lVert": "lVert", "rVert": "rVert", "lfloor": "⌊", "rfloor": "⌋",
    "lceil": "⌈", "rceil": "⌉", "vert": "|", "Vert": "‖",
}  # fmt: skip
#: single-character commands
_SHORT_COMMANDS = {
    "{": "\\{", "}": "\\}", "|": "‖", "%": "%", "\\": "\\\\",
}  # fmt: skip
_ELLIPSIS = "an ellipsis (`...`) cannot be graded; write every value, or a closed form"
_ELLIPSIS_COMMANDS = frozenset("ldots cdots dots dotsc dotsb dotsm vdots ddots".split())
_SHORT_IGNORED = frozenset(",;:!> ()[]\n\t")
_OPS_2 = {"**": "^", "<=": "≤", ">=": "≥", "!=": "≠", "==": "="}
_OPS_1 = frozenset("+-*/^()[]{}|,=!%&'<>≤≥≠≈√‖⌊⌋⌈⌉")
#: tokens after which ``'`` is a transpose mark rather than a quote
_ATOM_END_OPS = frozenset(")]}|'!‖")
_KNOWN_COMMANDS = (
    set(GREEK_NAMES)
    | set(LATEX_FUNCTIONS)
    | STYLES
    | set(ACCENTS)
    | SYMBOL_COMMANDS
    | set(_COMMAND_OPS)
)


@dataclass
class Token:
    """One token; ``pos``/``end`` are offsets in the (normalized) text."""

    kind: str
    text: str
    pos: int
    end: int
    space: bool = False
    raw: str = ""
    raw_pos: int = 0

    def describe(self) -> str:
        """How the token is named in an error message."""
        if self.kind == "eof":
            return "end of input"
        if self.kind == "cmd":
            return f"'\\{self.text}'"
        if self.kind == "sub":
            return "'_'"
        shown = {"lvert": "|", "rvert": "|", "lVert": "‖", "rVert": "‖", "\\{": "\\{"}
        return f"'{shown.get(self.text, self.text)}'"


class Lexer:
    """Produces tokens of ``text[start:end]`` on demand (``peek``/``next``)."""

    def __init__(
        self,
        text: str,
        limits: Limits,
        *,
        latex: bool,
        aliases: dict[str, list[tuple[str, str]]] | None = None,
        start: int = 0,
        end: int | None = None,
    ) -> None:
        self.text = text
        self.limits = limits
        self.latex = latex
        self.aliases = aliases or {}
        self.i = start
        self.end = len(text) if end is None else end
        self.buffer: list[Token] = []
        self.last: Token | None = None

    # -- public ---------------------------------------------------------------------

    def peek(self, k: int = 0) -> Token:
        """The token ``k`` places ahead, without consuming it."""
        buffer = self.buffer
        if k < len(buffer):
            return buffer[k]
        while len(buffer) <= k:
            buffer.append(self._scan())
        return buffer[k]

    def next(self) -> Token:
        """Consume and return the next token."""
        token = self.peek()
        self.buffer.pop(0)
        return token

    def push_front(self, token: Token) -> None:
        """Put a token back (used to split ``12`` in ``\\frac12``)."""
        self.buffer.insert(0, token)

    # -- scanning -------------------------------------------------------------------

    def _make(self, kind: str, text: str, pos: int, end: int, space: bool, **extra: object) -> Token:
        token = Token(kind, text, pos, end, space, **extra)  # type: ignore[arg-type]
        self.last = token
        return token

    def _skip_space(self) -> bool:
        match = _SPACE.match(self.text, self.i, self.end)
        if match:
            self.i = match.end()
            return True
        return False

    def _scan(self) -> Token:
        text = self.text
        space = False
        while True:
            space = self._skip_space() or space
            if self.i >= self.end:
                return Token("eof", "", self.end, self.end, space)
            if text[self.i] == "\\" and self.i + 1 < self.end and text[self.i + 1] in _SHORT_IGNORED:
                self.i += 2
                space = True
                continue
            break
        i = self.i
        char = text[i]
        if self.aliases and char in self.aliases:
            token = self._alias(i, space)
            if token is not None:
                return token
        if char.isdigit() or (char == "." and i + 1 < self.end and text[i + 1].isdigit()):
            return self._number(i, space)
        if char.isascii() and char.isalpha():
            return self._name(i, space)
        if char in UNICODE_NAMES:
            self.i = i + 1
            return self._make("uname", UNICODE_NAMES[char], i, i + 1, space)
        if char == "\\":
            return self._command(i, space)
        if char == "_":
            return self._subscript(i, space)
        return self._operator(i, space)

    def _alias(self, i: int, space: bool) -> Token | None:
        text = self.text
        if i > 0 and (text[i - 1].isalpha() or text[i - 1] in "\\_"):
            return None
        for alias, canonical in self.aliases[text[i]]:
            stop = i + len(alias)
            if stop > self.end or not text.startswith(alias, i):
                continue
            if alias[-1].isalnum() and stop < self.end and text[stop].isalnum():
                continue
            self.i = stop
            return self._make("alias", canonical, i, stop, space)
        return None

    def _number(self, i: int, space: bool) -> Token:
        match = _NUMBER.match(self.text, i, self.end)
        assert match is not None
        literal = match.group()
        mantissa = _MANTISSA.match(literal)
        assert mantissa is not None
        digits = mantissa.group().replace(".", "").lstrip("0")
        if len(digits) > self.limits.max_digits:
            raise ParseFailure(
                f"a number has {len(digits)} digits (at most {self.limits.max_digits} allowed)",
                "too_many_digits",
                i,
            )
        exponent = literal[mantissa.end() + 1 :]
        if exponent:
            power = exponent.lstrip("+-").lstrip("0")
            if len(power) > 6 or int(power or "0") > min(self.limits.max_exponent, self.limits.max_literal_exponent):
                raise ParseFailure(
                    f"the exponent of {literal[:40]} is too large", "exponent_too_large", i
                )
        self.i = match.end()
        return self._make("num", literal, i, match.end(), space)

    def _name(self, i: int, space: bool) -> Token:
        text = self.text
        match = _NAME.match(text, i, self.end)
        assert match is not None
        word = match.group()
        stop = match.end()
        # "4.18x10^8": an x between a number and a power of ten means "times"
        if (
            word[0] == "x"
            and word[1:].isdigit()
            and self.last is not None
            and self.last.kind == "num"
            and stop < self.end
            and text[stop] == "^"
        ):
            self.i = i + 1
            return self._make("op", "*", i, i + 1, space)
        after = _SPACE.match(text, stop, self.end)
        nxt = after.end() if after else stop
        following = text[nxt] if nxt < self.end else ""
        if following == "(" and word in FORBIDDEN_CALLS:
            raise ParseFailure(f"`{word}(...)` is not allowed in an answer", "forbidden", i)
        if word == "lambda" and re.match(r"[A-Za-z0-9_,\s]*:", text[stop : self.end]):
            raise ParseFailure("`lambda:` is not allowed in an answer", "forbidden", i)
        if stop + 1 < self.end and text[stop] == "." and not text[stop + 1].isdigit():
            if text[stop + 1].isalpha() or text[stop + 1] == "_":
                raise ParseFailure("attribute access is not allowed in an answer", "forbidden", stop)
        self.i = stop
        return self._make("name", word, i, stop, space)

    def _command(self, i: int, space: bool) -> Token:
        text = self.text
        match = _LETTERS.match(text, i + 1, self.end)
        if match is None:
            if i + 1 >= self.end:
                raise ParseFailure("a lone backslash", "syntax", i)
            char = text[i + 1]
            self.i = i + 2
            if char in _SHORT_COMMANDS:
                return self._make("op", _SHORT_COMMANDS[char], i, i + 2, space)
            raise ParseFailure(f"\\{char} is not supported", "unknown_command", i)
        name = match.group()
        self.i = match.end()
        if name in FORBIDDEN_COMMANDS:
            raise ParseFailure(f"\\{name} is not allowed in an answer", "forbidden", i)
        if name in _ELLIPSIS_COMMANDS:
            raise ParseFailure(_ELLIPSIS, "ellipsis", i)
        if name in IGNORED_COMMANDS:
            return self._sized_delimiter(name, i, space)
        if name in TEXT_COMMANDS:
            raw, raw_pos = self._brace_argument(i, f"\\{name}")
            return self._make("text", name, i, self.i, space, raw=raw, raw_pos=raw_pos)
        if name in ("begin", "end"):
            env, _ = self._brace_argument(i, f"\\{name}")
            env = env.strip()
            if env in FORBIDDEN_ENVIRONMENTS:
                raise ParseFailure(f"\\begin{{{env}}} is not allowed in an answer", "forbidden", i)
            if env not in MATRIX_ENVIRONMENTS:
                raise ParseFailure(f"\\{name}{{{env}}} is not supported", "unknown_command", i)
            if name == "begin" and env == "array":
                self._brace_argument(i, "\\begin{array}")  # column spec, e.g. {cc}
            return self._make(name, env, i, self.i, space)
        if name in _COMMAND_OPS:
            return self._make("op", _COMMAND_OPS[name], i, self.i, space)
        if name not in _KNOWN_COMMANDS:
            raise ParseFailure(f"\\{name} is not supported", "unknown_command", i)
        return self._make("cmd", name, i, self.i, space)

    def _sized_delimiter(self, name: str, i: int, space: bool) -> Token:
        """``\\left``, ``\\bigl`` ...: drop the size; ``\\left|`` opens an absolute value."""
        text = self.text
        self._skip_space()
        j = self.i
        if name in ("left", "right", "middle") or name[-1] in "lr":
            opening = name == "left" or name.endswith("l")
            if j < self.end and text[j] == ".":
                self.i = j + 1
                return self._scan()
            if j < self.end and text[j] == "|":
                self.i = j + 1
                return self._make("op", "lvert" if opening else "rvert", i, j + 1, space)
            if text.startswith("\\|", j):
                self.i = j + 2
                return self._make("op", "lVert" if opening else "rVert", i, j + 2, space)
        return self._scan()

    def _brace_argument(self, i: int, what: str) -> tuple[str, int]:
        """Read ``{...}`` (balanced) at the current position; return content and offset."""
        self._skip_space()
        text = self.text
        j = self.i
        if j >= self.end or text[j] != "{":
            raise ParseFailure(f"{what} needs a {{...}} argument", "syntax", i)
        depth = 0
        k = j
        while k < self.end:
            char = text[k]
            if char == "\\":
                k += 2
                continue
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    self.i = k + 1
                    return text[j + 1 : k], j + 1
            k += 1
        raise ParseFailure(f"{what}{{ is never closed", "syntax", j)

    def _subscript(self, i: int, space: bool) -> Token:
        text = self.text
        if i + 1 < self.end and text[i + 1] == "_":
            raise ParseFailure("`__` is not allowed in an answer", "forbidden", i)
        self.i = i + 1
        self._skip_space()
        j = self.i
        if j >= self.end:
            raise ParseFailure("expected a subscript after '_'", "syntax", i)
        char = text[j]
        if char in "{(":
            closer = "}" if char == "{" else ")"
            depth = 0
            k = j
            while k < self.end:
                c = text[k]
                if c == "\\":
                    k += 2
                    continue
                if c == char:
                    depth += 1
                elif c == closer:
                    depth -= 1
                    if depth == 0:
                        break
                k += 1
            else:
                raise ParseFailure(f"the subscript's '{char}' is never closed", "syntax", j)
            self.i = k + 1
            return self._make("sub", "_", i, k + 1, space, raw=text[j + 1 : k], raw_pos=j + 1)
        if char == "\\":
            match = _LETTERS.match(text, j + 1, self.end)
            if match is None:
                raise ParseFailure("expected a subscript after '_'", "syntax", i)
            self.i = match.end()
            if match.group() in TEXT_COMMANDS or match.group() in STYLES:
                self._brace_argument(j, "\\" + match.group())
            return self._make("sub", "_", i, self.i, space, raw=text[j : self.i], raw_pos=j)
        if char in UNICODE_NAMES:
            self.i = j + 1
            return self._make("sub", "_", i, j + 1, space, raw=char, raw_pos=j)
        if char.isascii() and char.isalnum():
            if self.latex:
                stop = j + 1
            else:
                match = _PLAIN_SUB.match(text, j, self.end)
                assert match is not None
                stop = match.end()
            self.i = stop
            return self._make("sub", "_", i, stop, space, raw=text[j:stop], raw_pos=j)
        raise ParseFailure("expected a subscript after '_'", "syntax", i)

    def _operator(self, i: int, space: bool) -> Token:
        text = self.text
        pair = text[i : i + 2]
        if pair in _OPS_2:
            self.i = i + 2
            return self._make("op", _OPS_2[pair], i, i + 2, space)
        char = text[i]
        if char in "\"`;":
            raise ParseFailure(f"`{char}` is not allowed in an answer", "forbidden", i)
        if char == "'" and not self._after_atom():
            raise ParseFailure("quotes are not allowed in an answer", "forbidden", i)
        if char == "≈":
            self.i = i + 1
            return self._make("op", "=", i, i + 1, space)
        if char in "±∓":
            self.i = i + 1
            return self._make("cmd", "pm" if char == "±" else "mp", i, i + 1, space)
        if char == "." and text.startswith("...", i):
            raise ParseFailure(_ELLIPSIS, "ellipsis", i)
        if char in _OPS_1:
            self.i = i + 1
            return self._make("op", char, i, i + 1, space)
        if char == "." and i + 1 < self.end and (text[i + 1].isalpha() or text[i + 1] == "_"):
            raise ParseFailure("attribute access is not allowed in an answer", "forbidden", i)
        if char == "." and not text[i + 1 : self.end].strip():
            self.i = self.end  # a sentence's final period
            return Token("eof", "", self.end, self.end, space)
        if char == ":" and self.last is not None and self.last.text == "lambda":
            raise ParseFailure("`lambda:` is not allowed in an answer", "forbidden", i)
        shown = char if char.isprintable() else repr(char)
        raise ParseFailure(f"unexpected character '{shown}'", "syntax", i)

    def _after_atom(self) -> bool:
        last = self.last
        if last is None:
            return False
        if last.kind == "op":
            return last.text in _ATOM_END_OPS
        return last.kind in ("num", "name", "uname", "alias", "cmd", "sub", "end")
