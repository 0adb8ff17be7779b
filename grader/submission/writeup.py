"""Write-ups (``.tex`` / ``.md``): find ``\\answer{PART_ID}{...}`` tags and ``\\boxed{...}``.

A small scanner, not a LaTeX parser: it matches braces (nested braces are fine), treats
``\\{`` and ``\\}`` (and any other backslash pair) as text, and in ``.tex`` files skips
``%`` comments. Bodies lose surrounding ``$...$``, ``$$...$$``, ``\\(...\\)``,
``\\[...\\]`` and a wrapping ``\\boxed{...}``. Macro definitions (``\\newcommand``,
``\\renewcommand``, ``\\providecommand``, ``\\DeclareRobustCommand``, ``\\def`` and its
kin) are skipped whole: ``\\newcommand{\\answer}[2]{...}``, which every template made by
``grader template --format tex`` starts with, is not a tag, and neither is an
``\\answer`` or ``\\boxed`` inside a definition's body.

These functions are pure (text in, value out); reading files is in ``extract``.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

__all__ = ["Tagged", "Boxed", "WriteupDoc", "scan_writeup", "clean_body"]


@dataclass(frozen=True)
class Tagged:
    """One ``\\answer{part_id}{body}``; ``line`` is 1-based."""

    part_id: str
    body: str
    line: int


@dataclass(frozen=True)
class Boxed:
    """One ``\\boxed{body}`` outside every answer tag."""

    body: str
    line: int


@dataclass
class WriteupDoc:
    """Everything found in one write-up, in document order."""

    tagged: list[Tagged] = field(default_factory=list)
    boxed: list[Boxed] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class _Unclosed(Exception):
    pass


_DEF_COMMANDS = ("def", "gdef", "edef", "xdef")
_DEFINITIONS = ("newcommand", "renewcommand", "providecommand", "DeclareRobustCommand", *_DEF_COMMANDS)


class _Scanner:
    def __init__(self, text: str, comments: bool) -> None:
        self.text = text
        self.comments = comments
        self.newlines = [index for index, char in enumerate(text) if char == "\n"]

    def line(self, position: int) -> int:
        return bisect.bisect_left(self.newlines, position) + 1

    def skip_comment(self, position: int) -> int:
        end = self.text.find("\n", position)
        return len(self.text) if end < 0 else end

    def group(self, position: int) -> tuple[str, int]:
        """Read ``{...}`` starting at (or after whitespace from) ``position``.

        Returns the content and the index after the closing brace. Raises _Unclosed.
        """
        text = self.text
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        if position >= len(text) or text[position] != "{":
            raise _Unclosed("expected '{'")
        depth = 0
        pieces: list[str] = []
        start = position + 1
        index = position
        while index < len(text):
            char = text[index]
            if char == "\\":
                index += 2
                continue
            if char == "%" and self.comments:
                pieces.append(text[start:index])
                index = self.skip_comment(index)
                start = index
                continue
            if char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
                if depth == 0:
                    pieces.append(text[start:index])
                    return "".join(pieces), index + 1
            index += 1
        raise _Unclosed("unbalanced braces")

    def skip_space(self, position: int) -> int:
        text = self.text
        while position < len(text) and text[position] in " \t\r\n":
            position += 1
        return position

    def control_sequence(self, position: int) -> int:
        """The index after the control sequence (``\\name`` or ``\\x``) at ``position``; raises _Unclosed."""
        text = self.text
        if position >= len(text) - 1 or text[position] != "\\":
            raise _Unclosed("expected a command name")
        end = position + 1
        while end < len(text) and text[end].isalpha():
            end += 1
        return max(end, position + 2)

    def skip_definition(self, position: int, command: str) -> int:
        """The index after a macro definition whose command (``newcommand``, ``def``, ...)
        starts at ``position``: its name, parameters and body are not answers. When the
        definition cannot be read to its end, the index after its name (nothing of it is
        reported as a tag)."""
        text = self.text
        index = position + 1 + len(command)
        if command in _DEF_COMMANDS:  # \def\answer#1#2{...}
            try:
                index = self.control_sequence(self.skip_space(index))
            except _Unclosed:
                return index
            after_name = index
            while index < len(text) and text[index] not in "{}\\\n":
                index += 1  # parameter text: #1#2
            try:
                return self.group(index)[1]
            except _Unclosed:
                return after_name
        index = self.skip_space(index)  # \newcommand*{\answer}[2][x]{...} or \newcommand\answer...
        if index < len(text) and text[index] == "*":
            index = self.skip_space(index + 1)
        try:
            index = self.group(index)[1] if index < len(text) and text[index] == "{" else self.control_sequence(index)
        except _Unclosed:
            return index
        after_name = index
        for _ in range(2):  # [number of arguments] [default of the first]
            index = self.skip_space(index)
            if index < len(text) and text[index] == "[":
                close = text.find("]", index)
                if close < 0:
                    return after_name
                index = close + 1
        try:
            return self.group(index)[1]
        except _Unclosed:
            return after_name

    def command_at(self, position: int, name: str) -> bool:
        end = position + 1 + len(name)
        return self.text.startswith(name, position + 1) and (
            end >= len(self.text) or not self.text[end].isalpha()
        )


def scan_writeup(text: str, filename: str = "writeup.tex", *, comments: bool | None = None) -> WriteupDoc:
    """Find answer tags and untagged boxed answers. Never raises on bad input.

    ``comments``: skip ``%`` comments (default: when ``filename`` ends with ``.tex``).
    """
    if comments is None:
        comments = filename.endswith(".tex")
    scanner = _Scanner(text, comments)
    doc = WriteupDoc()
    index = 0
    while index < len(text):
        char = text[index]
        if char == "%" and comments:
            index = scanner.skip_comment(index)
            continue
        if char != "\\":
            index += 1
            continue
        definition = next((name for name in _DEFINITIONS if scanner.command_at(index, name)), None)
        if definition is not None:
            index = scanner.skip_definition(index, definition)
            continue
        if scanner.command_at(index, "answer"):
            line = scanner.line(index)
            try:
                part_id, after_id = scanner.group(index + len("\\answer"))
                body, after = scanner.group(after_id)
            except _Unclosed as exc:
                doc.problems.append(f"{filename}:{line}: \\answer tag not read ({exc}); fix its braces")
                index += len("\\answer")
                continue
            part_id = part_id.replace("\\_", "_").strip()
            doc.tagged.append(Tagged(part_id=part_id, body=clean_body(body), line=line))
            index = after
            continue
        if scanner.command_at(index, "boxed"):
            line = scanner.line(index)
            try:
                body, after = scanner.group(index + len("\\boxed"))
            except _Unclosed as exc:
                doc.problems.append(f"{filename}:{line}: \\boxed not read ({exc})")
                index += len("\\boxed")
                continue
            doc.boxed.append(Boxed(body=clean_body(body), line=line))
            index = after
            continue
        index += 2  # an escaped character or another command's backslash
    return doc


_WRAPPERS = (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$"))


def _unwrap_boxed(body: str) -> str | None:
    if not body.startswith("\\boxed"):
        return None
    scanner = _Scanner(body, comments=False)
    try:
        inner, after = scanner.group(len("\\boxed"))
    except _Unclosed:
        return None
    return inner if not body[after:].strip() else None


def clean_body(body: str) -> str:
    """Strip whitespace, math delimiters and a wrapping ``\\boxed{}`` (repeatedly)."""
    text = body.strip()
    changed = True
    while changed and text:
        changed = False
        for opening, closing in _WRAPPERS:
            if (
                len(text) >= len(opening) + len(closing)
                and text.startswith(opening)
                and text.endswith(closing)
            ):
                inner = text[len(opening) : len(text) - len(closing)].strip()
                if opening in ("$", "$$") and "$" in inner:
                    continue  # "$a$ and $b$" is not one math span
                text, changed = inner, True
                break
        inner_boxed = _unwrap_boxed(text)
        if inner_boxed is not None:
            text, changed = inner_boxed.strip(), True
    return text
