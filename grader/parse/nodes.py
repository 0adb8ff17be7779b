"""The parse tree: ``Node`` and the parser's binding powers and expression modes."""

from __future__ import annotations

from collections.abc import Sequence

BP_ADD, BP_MUL, BP_UNARY, BP_POW, BP_POSTFIX = 10, 20, 30, 40, 50
NORMAL, ARGUMENT, BODY = 0, 1, 2  # expression modes (see parser module doc)


class Node:
    """A parse-tree node: ``kind``, source ``pos``, child ``args`` and a ``value``."""

    __slots__ = ("kind", "pos", "args", "value")

    def __init__(self, kind: str, pos: int, args: Sequence[Node] = (), value: str = "") -> None:
        self.kind = kind
        self.pos = pos
        self.args = tuple(args)
        self.value = value

    def __repr__(self) -> str:  # for debugging and test failure messages
        inner = ", ".join(repr(arg) for arg in self.args)
        return f"{self.kind}[{self.value}]({inner})"

