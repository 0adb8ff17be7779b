"""LaTeX-specific parsing: TeX arguments, commands, ``\\sum``/``\\prod``, matrix environments.

``LatexCommands`` is a mixin of ``parser.Parser``; it relies on the parser's core methods
(declared below for type checking only).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from grader.parse.context import ParseContext, ParseFailure
from grader.parse.lexer import Lexer, Token
from grader.parse.names import ACCENTS, FUNCTION_NAMES, GREEK_NAMES, LATEX_FUNCTIONS, STYLES
from grader.parse.nodes import BODY, BP_ADD, BP_MUL, Node


class LatexCommands:
    """The LaTeX half of the parser."""

    if TYPE_CHECKING:
        lexer: Lexer
        context: ParseContext
        latex: bool
        notes: list[str]

        def node(self, kind: str, pos: int, args: tuple[Node, ...] | list[Node] = (), value: str = "") -> Node: ...
        def peek(self, k: int = 0) -> Token: ...
        def is_op(self, token: Token, *texts: str) -> bool: ...
        def expect(self, text: str, opener: Token | None = None) -> Token: ...
        def expr(self, rbp: int, mode: int = 0) -> Node: ...
        def nud(self) -> Node: ...
        def word(self, word: str, token: Token, *, atomic: bool) -> Node: ...
        def function(self, fname: str, token: Token, *, declared: bool = False, base: Node | None = None) -> Node: ...
        def accented(self, prefix: str, inner: Node, token: Token) -> Node: ...
        def subparse(self, raw: str, raw_pos: int, equation: str) -> Node: ...
        def group(self, opener: Token, closer: str, bracket: str) -> Node: ...
        def count_element(self, pos: int) -> None: ...

    def tex_argument(self, allow_sign: bool = False) -> Node:
        """One TeX argument: a ``{...}`` group, one character, or one command."""
        token = self.peek()
        if self.is_op(token, "{"):
            self.lexer.next()
            inner = self.expr(0)
            self.expect("}", token)
            return inner
        if self.is_op(token, "("):
            return self.nud()
        if allow_sign and self.is_op(token, "-", "+"):
            self.lexer.next()
            inner = self.tex_argument()
            return self.node("neg", token.pos, (inner,)) if token.text == "-" else inner
        if token.kind == "num":
            self.lexer.next()
            if token.text.isdigit() and len(token.text) > 1:
                rest = Token("num", token.text[1:], token.pos + 1, token.end, False)
                self.lexer.push_front(rest)
                return self.node("num", token.pos, (), token.text[0])
            return self.node("num", token.pos, (), token.text)
        if token.kind == "name":
            self.lexer.next()
            if len(token.text) > 1:
                rest_text = token.text[1:]
                kind = "num" if rest_text[0].isdigit() else "name"
                self.lexer.push_front(Token(kind, rest_text, token.pos + 1, token.end, False))
            return self.word(token.text[0], token, atomic=True)
        if token.kind in ("uname", "alias", "piece", "cmd", "text"):
            return self.nud()
        raise ParseFailure(f"expected an argument but found {token.describe()}", "syntax", token.pos)

    # -- names ----------------------------------------------------------------------

    def text_command(self, token: Token) -> Node:
        """``\\text{...}``, ``\\operatorname{...}``: a function name, blank, or prose."""
        raw = token.raw.strip()
        word = raw.replace(" ", "")
        if token.text == "operatorname" or word in FUNCTION_NAMES or word in self.context.functions:
            if word in self.context.functions:
                return self.function(word, token, declared=True)
            if word in FUNCTION_NAMES:
                return self.function(FUNCTION_NAMES[word], token)
            raise ParseFailure(f"`{word}` is not a known function", "unknown_function", token.pos)
        if re.search(r"[A-Za-z]", raw):
            raise ParseFailure("answer contains prose; write only the math", "prose", token.pos)
        if not raw:
            return self.nud()
        return self.subparse(token.raw, token.raw_pos, "no")

    # -- LaTeX commands -------------------------------------------------------------

    def command(self, token: Token) -> Node:
        name = token.text
        pos = token.pos
        if name in GREEK_NAMES:
            return self.word(GREEK_NAMES[name], token, atomic=True)
        if name == "pi":
            return self.word("pi", token, atomic=True)
        if name == "infty":
            return self.node("const", pos, (), "oo")
        if name in ("frac", "dfrac", "tfrac", "cfrac"):
            operator = self.derivative_operator()
            if operator is not None:
                body = self.expr(BP_ADD)
                self.notes.append(f"`\\frac{{d}}{{d{operator.value}}}` read as the derivative with respect to {operator.value}")
                return self.node("dderiv", pos, (body, operator))
            numerator = self.tex_argument()
            denominator = self.tex_argument()
            return self.node("div", pos, (numerator, denominator))
        if name in ("binom", "dbinom", "tbinom"):
            top = self.tex_argument()
            bottom = self.tex_argument()
            return self.node("call", pos, (top, bottom), "binom")
        if name == "sqrt":
            index = None
            if self.is_op(self.peek(), "["):
                opener = self.lexer.next()
                index = self.expr(0)
                self.expect("]", opener)
            radicand = self.tex_argument()
            if index is None:
                return self.node("call", pos, (radicand,), "sqrt")
            return self.node("call", pos, (radicand, index), "root")
        if name in LATEX_FUNCTIONS:
            return self.function(LATEX_FUNCTIONS[name], token)
        if name in STYLES:
            single = self.single_word_group()
            if single is not None:
                word, inner, atomic = single
                return self.word(word, inner, atomic=atomic)
            return self.tex_argument()
        if name in ACCENTS:
            single = self.single_word_group()
            if single is not None:
                word, inner, _ = single
                return self.accented(ACCENTS[name], Node("sym", inner.pos, (), word), token)
            return self.accented(ACCENTS[name], self.tex_argument(), token)
        if name in ("sum", "prod"):
            return self.big_operator(token)
        if name == "boxed":
            opener = self.lexer.next()
            if not self.is_op(opener, "{"):
                raise ParseFailure("\\boxed needs a {...} argument", "syntax", opener.pos)
            return self.group(opener, "}", "(")
        if name in ("top", "intercal", "prime"):
            raise ParseFailure(f"\\{name} must follow '^'", "syntax", pos)
        if name in ("pm", "mp"):
            raise ParseFailure(
                "`±` stands for two values; this part expects one (give each value separately)",
                "plus_minus",
                pos,
            )
        raise ParseFailure(f"\\{name} is not supported here", "unknown_command", pos)

    def derivative_operator(self) -> Node | None:
        """``{d}{dx}`` (or ``{\\mathrm{d}}{\\mathrm{d}x}``) after ``\\frac``: the variable, else None."""
        if self.context.symbols is not None and "d" in self.context.symbols:
            return None  # a declared d: \\frac{d}{dx} is the fraction d/(d x)
        tokens = [self.peek(k) for k in range(8)]
        texts = [(token.kind, token.text) for token in tokens]
        if texts[:3] != [("op", "{"), ("name", "d"), ("op", "}")] or texts[3] != ("op", "{"):
            return None
        variable = tokens[4]
        if variable.kind == "name" and len(variable.text) > 1 and variable.text[0] == "d" and texts[5] == ("op", "}"):
            name, count = variable.text[1:], 6
        elif variable.kind == "name" and variable.text == "d" and tokens[5].kind in ("name", "uname", "cmd") and texts[6] == ("op", "}"):
            name, count = GREEK_NAMES.get(tokens[5].text, tokens[5].text), 7
        else:
            return None
        following = tokens[count]
        if not name.isalpha() or following.kind == "eof" or (following.kind == "op" and following.text not in ("(", "[", "{", "\\{", "|", "lvert", "√")):
            return None  # nothing to differentiate: read as a fraction
        for _ in range(count):
            self.lexer.next()
        return Node("sym", variable.pos, (), name)

    def single_word_group(self) -> tuple[str, Token, bool] | None:
        """``{w}``, ``{\\theta}``, ``{ReLU}`` after a styling command: the word, or None."""
        if not (self.is_op(self.peek(), "{") and self.is_op(self.peek(2), "}")):
            return None
        inner = self.peek(1)
        if inner.kind == "name" and inner.text.isalpha():
            word, atomic = inner.text, False
        elif inner.kind == "uname":
            word, atomic = inner.text, True
        elif inner.kind == "cmd" and (inner.text in GREEK_NAMES or inner.text == "pi"):
            word, atomic = GREEK_NAMES.get(inner.text, inner.text), True
        else:
            return None
        for _ in range(3):
            self.lexer.next()
        return word, inner, atomic

    def big_operator(self, token: Token) -> Node:
        """``\\sum_{i=1}^{n} body`` and ``\\prod``: both limits are required."""
        lower: Node | None = None
        upper: Node | None = None
        for _ in range(2):
            nxt = self.peek()
            if nxt.kind == "sub" and lower is None:
                self.lexer.next()
                lower = self.subparse(nxt.raw, nxt.raw_pos, "bound")
            elif self.is_op(nxt, "^") and upper is None:
                self.lexer.next()
                upper = self.tex_argument()
        if lower is None or upper is None:
            raise ParseFailure(
                f"\\{token.text} needs limits, e.g. \\{token.text}_{{i=1}}^{{n}}", "syntax", token.pos
            )
        if lower.kind != "eq" or lower.args[0].kind != "sym":
            raise ParseFailure("the lower limit must look like i=1", "syntax", lower.pos)
        body = self.expr(BP_MUL - 1, BODY)
        kind = "sum" if token.text == "sum" else "product"
        variable, start = lower.args
        return self.node("bigop", token.pos, (body, variable, start, upper), kind)

    def matrix(self, token: Token) -> Node:
        """``\\begin{bmatrix} a & b \\\\ c & d \\end{bmatrix}`` (rows of cells).

        Cells are separated by ``&``, or by ``,`` in a row without ``&`` (``2.0, 2.0 \\\\
        2.6, 3.3``, as students write them); one row may not mix the two. A trailing
        ``\\\\`` before ``\\end`` is ignored.
        """
        rows: list[Node] = []
        row: list[Node] = []
        separator = ""  # the current row's cell separator: "", "&" or ","
        while True:
            nxt = self.peek()
            if nxt.kind == "end":
                self.lexer.next()
                if nxt.text != token.text:
                    raise ParseFailure(
                        f"\\begin{{{token.text}}} ends with \\end{{{nxt.text}}}", "syntax", nxt.pos
                    )
                break
            if nxt.kind == "eof":
                raise ParseFailure(f"\\begin{{{token.text}}} is never closed", "syntax", token.pos)
            if self.is_op(nxt, "\\\\"):
                self.lexer.next()
                rows.append(self.node("row", nxt.pos, row))
                row = []
                separator = ""
                continue
            row.append(self.expr(0))
            self.count_element(nxt.pos)
            after = self.peek()
            if self.is_op(after, "&", ","):
                if separator and separator != after.text:
                    raise ParseFailure(
                        "a matrix row mixes '&' and ',' between entries; separate entries with '&' only",
                        "syntax",
                        after.pos,
                    )
                separator = after.text
                self.lexer.next()
                if self.is_op(self.peek(), "&", ",", "\\\\") or self.peek().kind == "end":
                    raise ParseFailure("empty matrix cell", "syntax", after.pos)
            elif not (self.is_op(after, "\\\\") or after.kind in ("end", "eof")):
                raise ParseFailure(f"unexpected {after.describe()} in a matrix", "syntax", after.pos)
        if row:
            rows.append(self.node("row", token.pos, row))
        rows = [r for r in rows if r.args]
        if not rows:
            raise ParseFailure("empty matrix", "syntax", token.pos)
        widths = [len(r.args) for r in rows]
        if len(set(widths)) > 1:
            raise ParseFailure(
                f"matrix rows have different lengths ({', '.join(map(str, widths))})",
                "ragged",
                token.pos,
            )
        return self.node("matrix", token.pos, rows, token.text)

