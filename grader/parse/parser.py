"""Pratt parser for plain and LaTeX answers: tokens -> a small ``Node`` tree.

No sympy object is built here: the tree is checked for size (``max_nodes``,
``max_elements``, nesting depth) while it is read, and ``build.Builder`` turns it into
sympy values afterwards, checking numeric limits before each construction.

Binding powers: ``+ -`` 10; ``* /`` and implicit multiplication 20 (left-associative, so
``1/2x`` is ``x/2``); unary minus 30 (``-x^2`` is ``-(x^2)``); ``^`` 40 (right-
associative); postfix ``!``, ``'`` (transpose), ``%`` 50. A function argument written
without parentheses (``\\sin 2x``, ``ln x``) extends over implicit products only, stopping
at ``+ - * /`` and at the next function: ``\\sin x \\cos x`` is ``sin(x)*cos(x)``.

Letter runs: without declared symbols a run is one name (``xy``, with a note); with them
it splits into declared names (fewest pieces), read one name at a time, so a power,
subscript or postfix mark binds to the last name only: ``xy^2`` is ``x*y^2``, ``xy_1`` is
``x*y_1``, ``O(WHdk^2)`` is ``O(W*H*d*k^2)``. A declared one-argument function with a
subscript is applied to it (``ParseContext.sequences``): ``k_{i-1}`` is ``k(i-1)``.

LaTeX mode (any backslash, ``^{``, ``_{`` or ``$``) follows TeX for arguments without
braces: ``x^23`` is ``x^2*3``, ``\\frac12`` is ``1/2``, ``x_12`` is ``x_1*2``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from grader.parse.context import ParseContext, ParseFailure
from grader.parse.latex import LatexCommands
from grader.parse.lexer import Lexer, Token
from grader.parse.names import (
    ACCENTS,
    CONSTANT_NAMES,
    FUNCTION_NAMES,
    GREEK_NAMES,
    INVERSE_TRIG,
    LATEX_FUNCTIONS,
    PREFIX_FUNCTIONS,
    PROSE_WORDS,
)
from grader.parse.nodes import ARGUMENT, BP_ADD, BP_MUL, BP_POSTFIX, BP_POW, BP_UNARY, NORMAL, Node
from grader.parse.subscripts import split_subscript, subscript_suffix

_WORD = re.compile(r"([A-Za-z]+)([0-9]*)")
_DIGIT_SUBSCRIPT = re.compile(r"([A-Za-z]+)_\{?([0-9]+)\}?")
_IMPLICIT_OPS = frozenset(["(", "[", "{", "\\{", "√", "⌊", "⌈", "lvert", "lVert"])
_INEQUALITIES = frozenset("<>≤≥≠")
_POSTFIX = frozenset("!'%")
_GREEK_CANONICAL = frozenset(GREEK_NAMES.values())


def alias_index(context: ParseContext) -> dict[str, list[tuple[str, str]]]:
    """Declared aliases by first character, longest first."""
    index: dict[str, list[tuple[str, str]]] = {}
    if context.symbols is None:
        return index
    for key, info in context.symbols.items():
        for alias in info.aliases:
            if alias:
                index.setdefault(alias[0], []).append((alias, key))
    for entries in index.values():
        entries.sort(key=lambda entry: -len(entry[0]))
    return index


class Parser(LatexCommands):
    """Reads one answer; ``parse()`` returns the tree, ``notes`` collects reading notes."""

    def __init__(self, text: str, context: ParseContext, *, latex: bool, notes: list[str]) -> None:
        self.text = text
        self.context = context
        self.limits = context.limits
        self.symbols = context.symbols
        self.latex = latex
        self.notes = notes
        self.aliases = alias_index(context)
        self.lexer = Lexer(text, self.limits, latex=latex, aliases=self.aliases)
        self.nodes = 0
        self.elements = 0
        self.depth = 0
        self.max_depth = 2 * self.limits.max_depth + 20
        self.abs_depth = 0
        self.norm_depth = 0
        self._letter_names: frozenset[str] | None = None

    # -- helpers --------------------------------------------------------------------

    def node(self, kind: str, pos: int, args: Sequence[Node] = (), value: str = "") -> Node:
        """Make a node; interior nodes count against ``max_nodes``."""
        if args:
            self.nodes += 1
            if self.nodes > self.limits.max_nodes:
                raise ParseFailure(
                    f"the answer is too long (more than {self.limits.max_nodes} operations)",
                    "too_many_nodes",
                    pos,
                )
        return Node(kind, pos, args, value)

    def count_element(self, pos: int) -> None:
        self.elements += 1
        if self.elements > self.limits.max_elements:
            raise ParseFailure(
                f"too many elements (at most {self.limits.max_elements})", "too_many_elements", pos
            )

    def peek(self, k: int = 0) -> Token:
        return self.lexer.peek(k)

    def is_op(self, token: Token, *texts: str) -> bool:
        return token.kind == "op" and token.text in texts

    def expect(self, text: str, opener: Token | None = None) -> Token:
        token = self.lexer.next()
        if token.kind == "op" and token.text == text:
            return token
        shown = {"\\\\": "\\\\", "rvert": "|", "rVert": "‖"}.get(text, text)
        if opener is not None and token.kind == "eof":
            raise ParseFailure(f"'{opener.text}' is never closed", "syntax", opener.pos)
        raise ParseFailure(f"expected '{shown}' but found {token.describe()}", "syntax", token.pos)

    def declared(self, name: str) -> bool:
        return self.symbols is not None and name in self.symbols

    def unknown_symbol(self, name: str, pos: int) -> ParseFailure:
        allowed = ", ".join(sorted(self.symbols or ())) or "none"
        return ParseFailure(
            f"unknown symbol `{name}` (allowed: {allowed})", "unknown_symbol", pos
        )

    # -- entry points ---------------------------------------------------------------

    def parse(self) -> Node:
        """The whole answer: one item, or a comma-separated tuple (bracket ``""``)."""
        first = self.peek()
        items, trailing = self.items("eof", "top")
        token = self.peek()
        if token.kind != "eof":
            if self.is_op(token, ")", "]", "}", "\\}", "|", "rvert", "rVert", "‖"):
                raise ParseFailure(f"unmatched {token.describe()}", "syntax", token.pos)
            raise ParseFailure(f"unexpected {token.describe()}", "syntax", token.pos)
        if not items:
            raise ParseFailure("the answer is empty", "empty", first.pos)
        if len(items) == 1 and not trailing:
            return items[0]
        return self.node("tuple", first.pos, items, "")

    def subparse(self, raw: str, raw_pos: int, equation: str) -> Node:
        """Parse a piece of the text (a subscript such as ``i=1``) with the same state."""
        saved = self.lexer
        self.lexer = Lexer(
            self.text,
            self.limits,
            latex=self.latex,
            aliases=self.aliases,
            start=raw_pos,
            end=raw_pos + len(raw),
        )
        try:
            result = self.item(equation)
            token = self.peek()
            if token.kind != "eof":
                raise ParseFailure(f"unexpected {token.describe()}", "syntax", token.pos)
            return result
        finally:
            self.lexer = saved

    def items(self, closer: str, equation: str) -> tuple[list[Node], bool]:
        """Comma-separated items up to ``closer`` (not consumed); and a trailing comma?"""
        items: list[Node] = []
        trailing = False
        while True:
            token = self.peek()
            if (closer == "eof" and token.kind == "eof") or self.is_op(token, closer):
                break
            items.append(self.item(equation))
            self.count_element(token.pos)
            if self.is_op(self.peek(), ","):
                self.lexer.next()
                trailing = True
                continue
            trailing = False
            break
        return items, trailing

    def item(self, equation: str) -> Node:
        """An expression, or ``lhs = rhs`` where equations are allowed."""
        left = self.expr(0)
        token = self.peek()
        if not self.is_op(token, "="):
            return left
        if equation == "no":
            raise ParseFailure("'=' is not allowed here", "syntax", token.pos)
        if equation == "top" and not self.context.allow_equation:
            raise ParseFailure(
                "write only the value, not an equation", "equation", token.pos
            )
        self.lexer.next()
        right = self.expr(0)
        if self.is_op(self.peek(), "="):
            raise ParseFailure("only one '=' is allowed", "syntax", self.peek().pos)
        return self.node("eq", token.pos, (left, right))

    # -- Pratt core -----------------------------------------------------------------

    def expr(self, rbp: int, mode: int = NORMAL) -> Node:
        """An expression whose operators bind tighter than ``rbp``."""
        self.depth += 1
        if self.depth > self.max_depth:
            raise ParseFailure("the answer is nested too deeply", "too_deep", self.peek().pos)
        try:
            left = self.nud()
            while True:
                token = self.peek()
                action = self.infix(token, left, mode)
                if action is None:
                    break
                lbp = {"add": BP_ADD, "mul": BP_MUL, "implicit": BP_MUL, "pow": BP_POW}.get(
                    action, BP_POSTFIX
                )
                if lbp <= rbp:
                    break
                left = self.led(action, token, left, mode)
            return left
        finally:
            self.depth -= 1

    def infix(self, token: Token, left: Node, mode: int) -> str | None:
        """What ``token`` does after an operand: add, mul, pow, postfix, implicit, None."""
        kind = token.kind
        if kind == "op":
            text = token.text
            if text in ("+", "-"):
                return "add"
            if text in ("*", "/"):
                return None if mode != NORMAL else "mul"
            if text == "^":
                return "pow"
            if text in _POSTFIX:
                return "postfix"
            if text == "|":
                return None if self.abs_depth else "implicit"
            if text == "‖":
                return None if self.norm_depth else "implicit"
            if text in _IMPLICIT_OPS:
                return "implicit"
            if text in _INEQUALITIES:
                raise ParseFailure(
                    "inequalities are not supported; write only the value", "inequality", token.pos
                )
            return None
        if kind == "num":
            if left.kind == "num":
                raise ParseFailure(
                    "two numbers in a row; write * between them", "syntax", token.pos
                )
            return "implicit"
        if kind in ("name", "uname", "alias", "piece", "cmd", "text", "begin"):
            if kind == "cmd" and token.text in ("top", "intercal", "prime"):
                return None
            if mode == ARGUMENT and self.starts_function(token):
                return None
            return "implicit"
        if kind == "sub":
            raise ParseFailure("a subscript must follow a name", "syntax", token.pos)
        return None

    def starts_function(self, token: Token) -> bool:
        if token.kind == "name":
            word = _WORD.match(token.text)
            return word is not None and word.group(1) in FUNCTION_NAMES
        if token.kind == "cmd":
            return token.text in LATEX_FUNCTIONS or token.text in ("sqrt", "sum", "prod")
        return token.kind == "text" and token.text == "operatorname"

    def led(self, action: str, token: Token, left: Node, mode: int) -> Node:
        if action == "implicit":
            right = self.expr(BP_MUL, mode)
            return self.node("mul", token.pos, (left, right), "implicit")
        self.lexer.next()
        text = token.text
        if action == "add":
            right = self.expr(BP_ADD, mode)
            return self.node("add" if text == "+" else "sub", token.pos, (left, right))
        if action == "mul":
            right = self.expr(BP_MUL, mode)
            return self.node("mul" if text == "*" else "div", token.pos, (left, right))
        if action == "pow":
            return self.power(left, token)
        kind = {"!": "fact", "'": "prime", "%": "percent"}[text]
        return self.node(kind, token.pos, (left,))

    def power(self, base: Node, caret: Token) -> Node:
        """After ``^``: a transpose mark (``T``, ``\\top``, ``{T}``) or an exponent."""
        token = self.peek()
        if token.kind == "cmd" and token.text in ("top", "intercal", "prime"):
            self.lexer.next()
            return self.node("transpose", caret.pos, (base,))
        if (
            self.is_op(token, "{")
            and self.is_op(self.peek(2), "}")
            and (
                (self.peek(1).kind == "name" and self.peek(1).text == "T")
                or (self.peek(1).kind == "cmd" and self.peek(1).text in ("top", "intercal"))
            )
        ):
            mark = self.peek(1)
            for _ in range(3):
                self.lexer.next()
            kind = "transpose_T" if mark.kind == "name" else "transpose"
            return self.node(kind, mark.pos, (base,))
        if token.kind == "name" and token.text[0] == "T" and self.is_transpose_word(token.text):
            self.lexer.next()
            if len(token.text) > 1:
                rest = Token("name", token.text[1:], token.pos + 1, token.end, False)
                self.lexer.push_front(rest)
            return self.node("transpose_T", token.pos, (base,))
        exponent = self.power_argument()
        return self.node("pow", caret.pos, (base, exponent))

    def is_transpose_word(self, word: str) -> bool:
        """``T`` or ``Tx`` (``w^Tx``) after ``^``, unless the word is a name of its own."""
        if word == "T":
            return True
        rest = word[1:]
        return (
            rest.isalpha()
            and rest[0].islower()
            and not self.declared(word)
            and word not in GREEK_NAMES
            and word not in FUNCTION_NAMES
        )

    def power_argument(self) -> Node:
        if self.latex:
            return self.tex_argument(allow_sign=True)
        return self.expr(BP_POW - 1)

    # -- operands -------------------------------------------------------------------

    def nud(self) -> Node:
        """An operand: number, name, command, bracketed group, prefix operator."""
        token = self.lexer.next()
        kind = token.kind
        if kind == "num":
            return self.node("num", token.pos, (), token.text)
        if kind == "name":
            return self.name(token)
        if kind == "uname":
            return self.word(token.text, token, atomic=True)
        if kind == "alias":
            return self.node("sym", token.pos, (), token.text)
        if kind == "piece":
            return self.word(token.text, token, atomic=True)
        if kind == "cmd":
            return self.command(token)
        if kind == "text":
            return self.text_command(token)
        if kind == "begin":
            return self.matrix(token)
        if kind == "op":
            return self.prefix(token)
        if kind == "sub":
            raise ParseFailure("a subscript must follow a name", "syntax", token.pos)
        if kind == "end":
            raise ParseFailure(f"\\end{{{token.text}}} without \\begin", "syntax", token.pos)
        raise ParseFailure("the answer ends too early", "syntax", token.pos)

    def prefix(self, token: Token) -> Node:
        text = token.text
        pos = token.pos
        if text in ("(", "[", "{", "\\{"):
            closer = {"(": ")", "[": "]", "{": "}", "\\{": "\\}"}[text]
            return self.group(token, closer, "{" if text == "\\{" else text)
        if text == "-":
            return self.node("neg", pos, (self.expr(BP_UNARY),))
        if text == "+":
            return self.expr(BP_UNARY)
        if text in ("|", "lvert"):
            self.abs_depth += 1
            saved, self.norm_depth = self.norm_depth, 0
            inner = self.expr(0)
            closing = self.peek()
            if not self.is_op(closing, "|", "rvert"):
                self.expect("|" if text == "|" else "rvert", token)
            self.lexer.next()
            self.abs_depth -= 1
            self.norm_depth = saved
            return self.node("call", pos, (inner,), "abs")
        if text in ("‖", "lVert"):
            self.norm_depth += 1
            saved, self.abs_depth = self.abs_depth, 0
            inner = self.expr(0)
            closing = self.peek()
            if not self.is_op(closing, "‖", "rVert"):
                self.expect("‖", token)
            self.lexer.next()
            self.norm_depth -= 1
            self.abs_depth = saved
            return self.node("call", pos, (inner,), "norm")
        if text in ("⌊", "⌈"):
            inner = self.expr(0)
            self.expect("⌋" if text == "⌊" else "⌉", token)
            return self.node("call", pos, (inner,), "floor" if text == "⌊" else "ceil")
        if text == "√":
            return self.node("call", pos, (self.expr(BP_POW - 1),), "sqrt")
        if text == "\\\\" or text == "&":
            raise ParseFailure(f"'{text}' is only allowed inside a matrix", "syntax", pos)
        raise ParseFailure(f"unexpected {token.describe()}", "syntax", pos)

    def group(self, opener: Token, closer: str, bracket: str) -> Node:
        """``( )``, ``[ ]``, ``{ }``: a single item is grouping; commas make a tuple."""
        saved = self.abs_depth, self.norm_depth
        self.abs_depth = self.norm_depth = 0
        items, trailing = self.items(closer, "top")
        self.expect(closer, opener)
        self.abs_depth, self.norm_depth = saved
        if not items:
            if opener.text == "{":
                raise ParseFailure("empty braces", "syntax", opener.pos)
            return self.node("tuple", opener.pos, (), bracket)
        if len(items) == 1 and not trailing:
            only = items[0]
            if bracket == "[" and only.value == "[" and only.kind in ("tuple", "group"):
                # [[a, b]] and [[a]]: a list of one row (a 1xn matrix), never grouping
                # brackets around a list
                row = Node("tuple", only.pos, only.args, "[") if only.kind == "group" else only
                return self.node("tuple", opener.pos, (row,), bracket)
            if bracket == "[":
                return Node("group", opener.pos, items, "[")
            return items[0]
        if bracket == "[" and any(item.value == "[" for item in items):
            items = [
                Node("tuple", item.pos, item.args, "[") if item.kind == "group" else item
                for item in items
            ]
        return self.node("tuple", opener.pos, items, bracket)

    def name(self, token: Token) -> Node:
        """A run of ASCII letters (and trailing digits) from plain text or LaTeX."""
        match = _WORD.fullmatch(token.text)
        assert match is not None
        letters, digits = match.groups()
        if not digits:
            return self.word(letters, token, atomic=False)
        word = token.text
        if self.declared(word):
            return self.symbol(word, token)
        fname = FUNCTION_NAMES.get(letters)
        if fname in PREFIX_FUNCTIONS and not self.declared(word):
            nxt = self.peek()
            starts_operand = nxt.kind in ("name", "uname", "alias", "cmd", "num") or self.is_op(nxt, "(", "{")
            number = self.node("num", token.pos + len(letters), (), digits)
            if letters == "log" and starts_operand:
                return self.function("log", token, base=number)  # log2(x), log10 n
            self.notes.append(f"`{word}` read as {letters}({digits})")
            return self.node("call", token.pos, (number,), fname)
        if self.symbols is not None:
            suffix = subscript_suffix(digits)
            if self.declared(letters + suffix):
                return self.symbol(letters + suffix, token)
            pieces = self.split(letters, lambda piece: self.declared(piece + suffix)) if len(letters) > 1 else None
            if pieces is None:
                raise self.unknown_symbol(word, token.pos)
            texts = [*pieces[:-1], pieces[-1] + suffix]
            self.notes.append(f"`{word}` read as {'*'.join(texts)}")
            return self.read_pieces([*pieces[:-1], pieces[-1] + digits], texts, token)
        if len(letters) > 1 and letters not in GREEK_NAMES:
            self.notes.append(f"`{word}` read as one symbol {word}")
        return self.symbol(word, token)

    def word(self, word: str, token: Token, *, atomic: bool) -> Node:
        """Resolve a name: declared function or symbol, function, constant, Greek, split."""
        nxt = self.peek()
        call = self.is_op(nxt, "(")
        canonical = GREEK_NAMES.get(word, word)
        if nxt.kind == "sub" and canonical in self.context.sequences:
            sequence = self.sequence(canonical, token)
            if sequence is not None:
                return sequence
        if canonical in self.context.functions and self.is_op(nxt, "'"):
            return self.derivative(canonical, token)
        if canonical in self.context.functions and (call or self.is_op(nxt, "^")):
            return self.function(canonical, token, declared=True)
        if word in self.context.functions and (call or self.is_op(nxt, "^")):
            return self.function(word, token, declared=True)
        fname = FUNCTION_NAMES.get(word)
        if self.declared(canonical) and not (call and fname is not None):
            return self.symbol(canonical, token)
        if fname is not None and (call or len(word) > 1):
            return self.function(fname, token)
        if word in ACCENTS and call:
            return self.plain_accent(ACCENTS[word], token)
        if word in CONSTANT_NAMES and nxt.kind != "sub":
            return self.node("const", token.pos, (), CONSTANT_NAMES[word])
        if atomic or len(word) == 1 or canonical in _GREEK_CANONICAL:
            return self.symbol(canonical, token)
        return self.letter_run(word, token, call)

    def letter_run(self, word: str, token: Token, call: bool) -> Node:
        """A multi-letter run that is no known name: prose, one symbol, or a product.

        A product is read one piece at a time: the pieces after the first are pushed back
        as ``piece`` tokens, so a power, subscript or postfix mark after the run binds to
        its last letter only (``xy^2`` is ``x*y^2``, ``xy_1`` is ``x*y_1``).
        """
        declared_prose = self.symbols is not None
        if word.lower() in PROSE_WORDS and (len(word) > 2 or not declared_prose):
            raise ParseFailure("answer contains prose; write only the math", "prose", token.pos)
        glued = self.glued_function(word, token, call)
        if glued is not None:
            return glued
        if self.symbols is None:
            if call:
                raise ParseFailure(
                    f"`{word}` is not a known function", "unknown_function", token.pos
                )
            self.notes.append(f"`{word}` read as one symbol {word}; write {'*'.join(word)} for a product")
            return self.symbol(word, token)
        suffix = self.following_suffix()
        if suffix and self.declared(word + suffix):
            return self.symbol(word, token)
        pieces = self.split(word, self.last_piece_test(suffix))
        if pieces is None:
            if call:
                raise ParseFailure(
                    f"`{word}` is not a known function", "unknown_function", token.pos
                )
            raise self.unknown_symbol(word, token.pos)
        shown = [*pieces[:-1], pieces[-1] + suffix]
        self.notes.append(f"`{word}{suffix}` read as {'*'.join(shown)}")
        return self.read_pieces(pieces, pieces, token)

    def following_suffix(self) -> str:
        """The canonical ``_...`` of a subscript right after the current name, or ``""``."""
        nxt = self.peek()
        if nxt.kind != "sub":
            return ""
        try:
            return subscript_suffix(nxt.raw, nxt.raw_pos)
        except ParseFailure:
            return ""  # reported when the subscript itself is read

    def last_piece_test(self, suffix: str) -> Callable[[str], bool]:
        """Which last piece of a split run may stand before what follows the run.

        A declared name; with a subscript after the run, a name declared with that
        subscript (``xy_1``: ``y_1``); before ``(``, a declared function (``nk(i)``), and
        before a subscript, a declared sequence function (``nk_i``: ``n*k(i)``).
        """
        names = self.letter_names()
        nxt = self.peek()
        call = self.is_op(nxt, "(")
        functions = self.context.functions
        sequences = self.context.sequences

        def test(piece: str) -> bool:
            if piece in names:
                return True
            if suffix and self.declared(piece + suffix):
                return True
            if call and piece in functions:
                return True
            return bool(suffix) and piece in sequences

        return test

    def read_pieces(self, pieces: Sequence[str], texts: Sequence[str], token: Token) -> Node:
        """Read a split run: push its pieces back as tokens and read the first one."""
        pos = token.pos
        tokens = []
        for piece, text in zip(pieces, texts, strict=True):
            tokens.append(Token("piece", text, pos, pos + len(piece), False))
            pos += len(piece)
        tokens[-1].end = token.end
        for piece_token in reversed(tokens):
            self.lexer.push_front(piece_token)
        return self.nud()

    def glued_function(self, word: str, token: Token, call: bool) -> Node | None:
        """``sinx``, ``lnx``, ``logn``: a prefix function glued to a one-symbol argument."""
        if call:
            return None
        for length in (4, 3, 2):
            head, rest = word[:length], word[length:]
            fname = FUNCTION_NAMES.get(head)
            if fname is None or fname not in PREFIX_FUNCTIONS or not rest:
                continue
            canonical = GREEK_NAMES.get(rest, rest)
            constant = canonical in ("e", "pi") and not self.declared(canonical)
            if self.symbols is None:
                ok = len(rest) == 1 or rest in GREEK_NAMES
            else:
                ok = self.declared(canonical) or constant
            if not ok or self.peek().kind == "sub":
                continue
            if self.is_op(self.peek(), "^"):
                raise ParseFailure(
                    f"`{word}^...` is ambiguous; write {head}({rest})^2 or {head}({rest}^2)",
                    "ambiguous",
                    token.pos,
                )
            self.notes.append(f"`{word}` read as {head}({canonical})")
            pos = token.pos + length
            if constant:
                argument = self.constant(canonical, pos)
            else:
                argument = self.node("sym", pos, (), canonical)
            return self.node("call", token.pos, (argument,), fname)
        return None

    def constant(self, piece: str, pos: int) -> Node:
        return self.node("const", pos, (), CONSTANT_NAMES[piece])

    def letter_names(self) -> frozenset[str]:
        """Declared all-letter names (and ``pi``, ``e``): what a letter run splits into."""
        if self._letter_names is None:
            letter_names = {name for name in self.symbols or () if name.isalpha()}
            letter_names.update(("pi", "e"))
            self._letter_names = frozenset(letter_names)
        return self._letter_names

    def split(self, word: str, last: Callable[[str], bool]) -> list[str] | None:
        """Split a letter run into declared names (fewest pieces), or None.

        Every piece but the last is a declared all-letter name; the last piece is one for
        which ``last`` holds (see ``last_piece_test``).
        """
        names = self.letter_names()
        longest = max((len(name) for name in names), default=0)
        best: list[list[str] | None] = [None] * (len(word) + 1)
        best[0] = []
        for end in range(1, len(word)):
            for start in range(max(0, end - longest), end):
                prefix = best[start]
                if prefix is None or word[start:end] not in names:
                    continue
                candidate = [*prefix, word[start:end]]
                current = best[end]
                if current is None or len(candidate) < len(current):
                    best[end] = candidate
        result: list[str] | None = None
        for start in range(len(word)):
            prefix = best[start]
            if prefix is None or not last(word[start:]):
                continue
            candidate = [*prefix, word[start:]]
            if result is None or len(candidate) < len(result):
                result = candidate
        return result

    def symbol(self, name: str, token: Token) -> Node:
        """A symbol, with a following subscript folded into its name."""
        nxt = self.peek()
        if nxt.kind == "sub":
            self.lexer.next()
            name += subscript_suffix(nxt.raw, nxt.raw_pos)
            nxt = self.peek()
            if self.symbols is not None and name not in self.symbols:
                joined = _DIGIT_SUBSCRIPT.fullmatch(name)
                if joined is not None and self.declared(joined.group(1) + joined.group(2)):
                    self.notes.append(f"`{name}` read as {joined.group(1) + joined.group(2)}")
                    name = joined.group(1) + joined.group(2)
        if self.is_op(nxt, "(") and self.symbols is not None and name not in self.symbols:
            opener = self.lexer.next()
            args, _ = self.items(")", "no")
            self.expect(")", opener)
            return self.node("symcall", token.pos, args or [Node("tuple", opener.pos)], name)
        return self.node("sym", token.pos, (), name)

    def plain_accent(self, prefix: str, token: Token) -> Node:
        """``hat(m)``, ``bar(x)``: the plain spelling of ``\\hat{m}``."""
        opener = self.lexer.next()
        inner = self.expr(0)
        self.expect(")", opener)
        return self.accented(prefix, inner, token)

    def accented(self, prefix: str, inner: Node, token: Token) -> Node:
        if inner.kind != "sym":
            raise ParseFailure(f"{prefix} applies to a single symbol", "syntax", token.pos)
        base, suffix = split_subscript(inner.value)
        name = f"{prefix}({base}){suffix}"
        return self.symbol(name, token)

    # -- functions ------------------------------------------------------------------

    def derivative(self, fname: str, token: Token) -> Node:
        """``f'(x)``, ``\\sigma''(x)``: a derivative of a declared function."""
        order = 0
        while self.is_op(self.peek(), "'"):
            self.lexer.next()
            order += 1
        if order > 3:
            raise ParseFailure("at most three primes", "syntax", token.pos)
        if not self.is_op(self.peek(), "("):
            raise ParseFailure(f"write the argument of {fname}', e.g. {fname}'(x)", "syntax", self.peek().pos)
        call = self.function(fname, token, declared=True)
        if call.kind != "ufunc" or len(call.args) != 1:
            raise ParseFailure(f"{fname}' needs one argument", "syntax", token.pos)
        self.notes.append(f"`{fname}{chr(39) * order}` read as the derivative of {fname}")
        return self.node("deriv", token.pos, (call,), str(order))

    def sequence(self, fname: str, token: Token) -> Node | None:
        """``k_i``, ``k_{i-1}``, ``s_1``: a declared one-argument function applied to its
        subscript; None when the subscripted name is itself a declared symbol."""
        sub = self.peek()
        suffix = self.following_suffix()
        if suffix and self.declared(fname + suffix):
            return None
        self.lexer.next()
        argument = self.subparse(sub.raw, sub.raw_pos, "no")
        return self.node("ufunc", token.pos, (argument,), fname)

    def function(
        self, fname: str, token: Token, *, declared: bool = False, base: Node | None = None
    ) -> Node:
        """A function application, with optional ``_base`` (log) and ``^power``."""
        nxt = self.peek()
        if nxt.kind == "sub":
            if fname != "log":
                raise ParseFailure(f"`{fname}` cannot have a subscript", "syntax", nxt.pos)
            self.lexer.next()
            base = self.subparse(nxt.raw, nxt.raw_pos, "no")
        power = None
        if self.is_op(self.peek(), "^"):
            caret = self.lexer.next()
            power = self.power_argument()
            if (
                fname in INVERSE_TRIG
                and power.kind == "neg"
                and power.args[0].kind == "num"
                and power.args[0].value == "1"
            ):
                fname, power = INVERSE_TRIG[fname], None
            elif power.kind in ("transpose", "transpose_T"):
                raise ParseFailure("a function cannot be transposed", "syntax", caret.pos)
            if self.peek().kind == "sub" and fname == "log" and base is None:
                sub = self.lexer.next()
                base = self.subparse(sub.raw, sub.raw_pos, "no")
        nxt = self.peek()
        if self.is_op(nxt, "("):
            opener = self.lexer.next()
            args, _ = self.items(")", "no")
            self.expect(")", opener)
        elif self.latex and self.is_op(nxt, "{"):
            opener = self.lexer.next()
            args = [self.expr(0)]
            self.expect("}", opener)
        elif fname in PREFIX_FUNCTIONS and not declared:
            if nxt.kind == "eof" or self.is_op(nxt, ")", "]", "}", ",", "=", "+", "*", "/", "^"):
                raise ParseFailure(f"`{fname}` needs an argument", "syntax", nxt.pos)
            args = [self.expr(BP_MUL - 1, ARGUMENT)]
        else:
            raise ParseFailure(f"`{fname}` needs parentheses, e.g. {fname}(x)", "syntax", nxt.pos)
        if base is not None:
            if fname != "log" or len(args) != 1:
                raise ParseFailure("a log base was given twice", "syntax", token.pos)
            args.append(base)
        result = self.node("ufunc" if declared else "call", token.pos, args or [], fname)
        if not args:
            raise ParseFailure(f"`{fname}` needs an argument", "syntax", token.pos)
        if power is not None:
            result = self.node("pow", token.pos, (result, power))
        return result


__all__ = ["Node", "Parser", "alias_index"]
