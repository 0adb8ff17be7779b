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
import re
from dataclasses import dataclass, field

__all__ = ["Tagged", "Boxed", "Broken", "WriteupDoc", "scan_writeup", "clean_body"]


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
    broken: list[Broken] = field(default_factory=list)  # tags whose part id was read, not their body


@dataclass(frozen=True)
class Broken:
    """An ``\\answer{part_id}`` whose body could not be read (unbalanced braces)."""

    part_id: str
    reason: str
    line: int


class _Unclosed(Exception):
    pass


_DEF_COMMANDS = ("def", "gdef", "edef", "xdef")
_DEFINITIONS = ("newcommand", "renewcommand", "providecommand", "DeclareRobustCommand", *_DEF_COMMANDS)
_VERBATIM = re.compile(r"\\begin\s*\{(verbatim\*?|Verbatim\*?|lstlisting|minted|comment|BVerbatim|LVerbatim|alltt)\}")
_CONDITIONAL = re.compile(r"\\(fi|if[a-zA-Z@]*)(?![a-zA-Z@])")
_MD_FENCE = re.compile(r"^[ \t]{0,3}(```+|~~~+)", re.MULTILINE)
_BRACKET_WINDOW = 200  # how far ``[...]`` of a \newcommand is looked for
_MAX_UNWRAP = 8  # math delimiters / \boxed wrappers removed from one body


def _blank(text: str) -> str:
    """Spaces in place of ``text``, newlines kept (so lines and positions do not move)."""
    return "".join("\n" if char == "\n" else " " for char in text)


def _ignored_regions(text: str, tex: bool) -> tuple[str, list[str]]:
    """``text`` with what LaTeX (or Markdown) never typesets blanked out, in one pass.

    ``.tex``: ``%`` comments, ``verbatim``-like environments, ``\\verb|...|`` and
    ``\\iffalse ... \\fi`` blocks (nested conditionals counted). ``.md``: fenced code blocks
    and ``<!-- -->`` comments. Returns the masked text and problems (an unterminated block).
    Every search either moves past what it scanned or is bounded, so this is linear."""
    return _markdown_regions(text) if not tex else _tex_regions(text)


def _markdown_regions(text: str) -> tuple[str, list[str]]:
    pieces: list[str] = []
    length = len(text)
    index = 0
    next_fence = _MD_FENCE.search(text)
    next_comment = text.find("<!--")
    while True:
        if next_fence is not None and next_fence.start() < index:
            next_fence = _MD_FENCE.search(text, index)
        if 0 <= next_comment < index:
            next_comment = text.find("<!--", index)
        starts = [pos for pos in (next_fence.start() if next_fence else -1, next_comment) if pos >= 0]
        if not starts:
            break
        begin = min(starts)
        pieces.append(text[index:begin])
        if next_fence is not None and begin == next_fence.start():
            marker = next_fence.group(1)
            closing = re.compile(
                r"^[ \t]{0,3}" + re.escape(marker[0]) + "{" + str(len(marker)) + r",}[ \t]*$", re.MULTILINE
            )
            line_end = text.find("\n", next_fence.end())
            after = closing.search(text, length if line_end < 0 else line_end + 1)
            stop = after.end() if after else length
        else:
            close = text.find("-->", begin + 4)
            stop = length if close < 0 else close + 3
        pieces.append(_blank(text[begin:stop]))
        index = stop
    pieces.append(text[index:])
    return "".join(pieces), []


_TEX_SPECIAL = re.compile(r"[\\%]")
_VERB_WINDOW = 1000  # \verb|...| ends on its line; looked for this far at most


def _tex_regions(text: str) -> tuple[str, list[str]]:
    pieces: list[str] = []
    problems: list[str] = []
    length = len(text)
    last = 0
    found = _TEX_SPECIAL.search(text)
    while found is not None:
        index = found.start()
        stop = -1
        if text[index] == "%":
            end = text.find("\n", index)
            stop = length if end < 0 else end
        elif text.startswith("verb", index + 1) and index + 5 < length and not text[index + 5].isalpha():
            delimiter_at = index + 5 + (text[index + 5] == "*")
            if delimiter_at < length and text[delimiter_at] not in " \n\r\t":
                window = min(length, delimiter_at + _VERB_WINDOW)
                close = text.find(text[delimiter_at], delimiter_at + 1, window)
                line_end = text.find("\n", delimiter_at + 1, window)
                if close >= 0 and (line_end < 0 or close < line_end):
                    stop = close + 1
        elif text.startswith("begin", index + 1):
            match = _VERBATIM.match(text, index)
            if match is not None:
                closing = "\\end{" + match.group(1) + "}"
                close = text.find(closing, match.end())
                stop = length if close < 0 else close + len(closing)
                if close < 0:
                    problems.append(f"\\begin{{{match.group(1)}}} is never closed; the rest of the file is ignored")
        elif text.startswith("iffalse", index + 1) and not (index + 8 < length and text[index + 8].isalpha()):
            depth = 0
            for conditional in _CONDITIONAL.finditer(text, index):
                if conditional.group(1) == "fi":
                    depth -= 1
                    if depth == 0:
                        stop = conditional.end()
                        break
                elif conditional.group(1) != "ifthenelse":
                    depth += 1
            if stop < 0:
                stop = length
                problems.append("\\iffalse without a matching \\fi; the rest of the file is ignored")
        if stop >= 0:
            pieces.append(text[last:index])
            pieces.append(_blank(text[index:stop]))
            last = stop
            found = _TEX_SPECIAL.search(text, stop)
        else:
            found = _TEX_SPECIAL.search(text, index + 2 if text[index] == "\\" else index + 1)
    pieces.append(text[last:])
    return "".join(pieces), problems


_BRACE_TOKENS = re.compile(r"\\.|[{}]", re.DOTALL)
_COMMAND = re.compile(r"\\([A-Za-z]+)")


def _match_braces(text: str) -> dict[int, int]:
    """Position of each ``{`` -> position of its ``}``, in one pass (a backslash escapes
    the next character; an unbalanced ``{`` has no entry)."""
    matches: dict[int, int] = {}
    stack: list[int] = []
    for token in _BRACE_TOKENS.finditer(text):
        char = token.group()
        if char == "{":
            stack.append(token.start())
        elif char == "}" and stack:
            matches[stack.pop()] = token.start()
    return matches


class _Scanner:
    """Reads groups of a (masked) text through a brace table built once: every step is
    constant time or moves forward, so a scan is linear in the text (unclosed
    ``\\answer{`` / ``\\boxed{`` / ``\\def`` groups included)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.braces = _match_braces(text)
        self.newlines = [match.start() for match in re.finditer("\n", text)]

    def line(self, position: int) -> int:
        return bisect.bisect_left(self.newlines, position) + 1

    def group(self, position: int) -> tuple[str, int]:
        """Read ``{...}`` starting at (or after whitespace from) ``position``.

        Returns the content and the index after the closing brace. Raises _Unclosed.
        """
        position = self.skip_space(position)
        if position >= len(self.text) or self.text[position] != "{":
            raise _Unclosed("expected '{'")
        close = self.braces.get(position)
        if close is None:
            raise _Unclosed("unbalanced braces")
        return self.text[position + 1 : close], close + 1

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
                close = text.find("]", index, index + _BRACKET_WINDOW)
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
    """Find answer tags and untagged boxed answers. Never raises on bad input; linear time.

    ``comments``: treat the text as LaTeX (skip ``%`` comments, verbatim and ``\\iffalse``
    blocks); else as Markdown (skip fenced code and HTML comments). Default: LaTeX when
    ``filename`` ends with ``.tex``.
    """
    if comments is None:
        comments = filename.endswith(".tex")
    masked, skipped = _ignored_regions(text, comments)
    scanner = _Scanner(masked)
    doc = WriteupDoc()
    doc.problems.extend(f"{filename}: {problem}" for problem in skipped)
    index = masked.find("\\")
    while 0 <= index < len(masked):
        command = _COMMAND.match(masked, index)
        name = command.group(1) if command is not None else ""
        if name in _DEFINITIONS:
            index = scanner.skip_definition(index, name)
        elif name == "answer":
            index = _read_tag(scanner, index, filename, doc)
        elif name == "boxed":
            line = scanner.line(index)
            try:
                body, after = scanner.group(index + len("\\boxed"))
            except _Unclosed as exc:
                doc.problems.append(f"{filename}:{line}: \\boxed not read ({exc})")
                index += len("\\boxed")
            else:
                doc.boxed.append(Boxed(body=clean_body(body), line=line))
                index = after
        else:
            index = command.end() if command is not None else index + 2  # another command, or an escaped character
        index = masked.find("\\", index)
    return doc


def _read_tag(scanner: _Scanner, index: int, filename: str, doc: WriteupDoc) -> int:
    """Read the ``\\answer`` tag at ``index`` into ``doc``; the index to go on from."""
    line = scanner.line(index)
    try:
        part_id, after_id = scanner.group(index + len("\\answer"))
    except _Unclosed as exc:
        doc.problems.append(f"{filename}:{line}: \\answer tag not read ({exc}); fix its braces")
        return index + len("\\answer")
    part_id = " ".join(part_id.replace("\\_", "_").split())
    try:
        body, after = scanner.group(after_id)
    except _Unclosed as exc:
        shown = part_id if len(part_id) <= 60 else part_id[:57] + "..."
        doc.problems.append(f"{filename}:{line}: \\answer{{{shown}}} not read ({exc}); fix its braces")
        if part_id:
            doc.broken.append(Broken(part_id, f"the \\answer tag at {filename}:{line} could not be read ({exc})", line))
        return after_id
    doc.tagged.append(Tagged(part_id=part_id, body=clean_body(body), line=line))
    return after


_WRAPPERS = (("$$", "$$"), ("\\[", "\\]"), ("\\(", "\\)"), ("$", "$"))


def _unwrap_boxed(body: str) -> str | None:
    if not body.startswith("\\boxed"):
        return None
    scanner = _Scanner(body)
    try:
        inner, after = scanner.group(len("\\boxed"))
    except _Unclosed:
        return None
    return inner if not body[after:].strip() else None


def clean_body(body: str) -> str:
    """Strip whitespace, math delimiters and a wrapping ``\\boxed{}`` (a few times at most)."""
    text = body.strip()
    changed = True
    rounds = 0
    while changed and text and rounds < _MAX_UNWRAP:
        rounds += 1
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
