"""A declared identity matrix takes the size its neighbours need."""

from __future__ import annotations

import pytest
import sympy

from grader.parse import Invalid, ParseContext, SymbolInfo, parse_answer

SYMBOLS = {
    "X": SymbolInfo("X", shape=(4, 3)),
    "y": SymbolInfo("y", shape=(4, 1)),
    "I": SymbolInfo("I", identity=True),
    "J": SymbolInfo("J", identity=True, shape=(3, 3)),
    "lambda": SymbolInfo("lambda", positive=True),
}
CONTEXT = ParseContext(symbols=SYMBOLS)

CASES = [
    # (name, text, expected shape of the value, sizes of the identities in it)
    ("added to X^T X: d x d", "(X^T X + lambda I)^{-1} X^T y", (3, 1), {3}),
    ("added to X X^T: n x n", r"X^T (X X^T + \lambda I)^{-1} y", (3, 1), {4}),
    ("multiplied on the left", "I X", (4, 3), set()),
    ("multiplied on the right", "X I", (4, 3), set()),
    ("fixed size", "X^T X + J", (3, 3), {3}),
]


def _identity_sizes(value: sympy.Basic) -> set[int]:
    return {int(node.args[0]) for node in sympy.preorder_traversal(value) if isinstance(node, sympy.Identity)}


@pytest.mark.parametrize(("text", "shape", "sizes"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_identity_takes_its_size_from_context(text: str, shape: tuple[int, int], sizes: set[int]) -> None:
    parsed = parse_answer(text, CONTEXT)
    assert not isinstance(parsed, Invalid), parsed
    assert tuple(parsed.value.shape) == shape
    assert _identity_sizes(parsed.value) == sizes


def test_identity_times_matrix_is_the_matrix() -> None:
    parsed = parse_answer("I X", CONTEXT)
    assert parsed.value == sympy.MatrixSymbol("X", 4, 3)


def test_misaligned_product_is_invalid_not_silently_resized() -> None:
    parsed = parse_answer("X^T (X^T X + lambda I)^{-1} y", CONTEXT)
    assert isinstance(parsed, Invalid) and parsed.code == "type"
