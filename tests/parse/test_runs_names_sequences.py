"""Forms rubric authors reported: split letter runs, declared-name spellings, sequences.

- a letter run split into declared names is a product whose LAST name takes a power,
  subscript or postfix mark (``xy^2`` is ``x*y^2``, never ``(xy)^2``);
- a declared name is canonicalized like the same text in an answer (``p_data`` and
  ``p_{data}`` declare one symbol, ``p_{data}``);
- a declared one-argument function reads its subscript as the argument (``k_{i-1}``).
"""

from __future__ import annotations

import pytest
import sympy

from grader.parse import (
    Invalid,
    ParseContext,
    SymbolInfo,
    canonical_context,
    canonical_name,
    parse_answer,
)

from .helpers import invalid, r, read, value

x, y, a, b, n, k, z = (r(name) for name in "x y a b n k z".split())
alpha, beta = r("alpha"), r("beta")
W, H, d = r("W"), r("H"), r("d")
y_1 = r("y_1")
big_o = sympy.Function("O")

RUNS_CONTEXT = ParseContext(
    symbols={
        name: SymbolInfo(name)
        for name in ("x", "y", "z", "a", "b", "n", "k", "W", "H", "d", "alpha", "beta", "y_1")
    }
)

SPLIT_RUNS = [
    # (case, text, expected value) -- all with the names of RUNS_CONTEXT declared
    ("power-binds-last-letter", "xy^2", x * y**2),
    ("coefficient-then-run", "2xy^2", 2 * x * y**2),
    ("latex-braced-power", r"xy^{2}", x * y**2),
    ("latex-commands", r"\alpha\beta^2", alpha * beta**2),
    ("greek-words-run", "alphabeta^2", alpha * beta**2),
    ("big-O-run", "O(WHdk^2)", big_o(W * H * d * k**2)),
    ("big-O-run-latex", r"\mathcal{O}(WHdk^{2})", big_o(W * H * d * k**2)),
    ("three-letters", "xyz^2", x * y * z**2),
    ("negated-run", "-xy^2", -x * y**2),
    ("power-of-group-after-run", "xy(a+b)^2", x * y * (a + b) ** 2),
    ("run-then-power-then-run", "xy^2ab", x * y**2 * a * b),
    ("subscript-binds-last-letter", "xy_1", x * y_1),
    ("latex-subscript", r"xy_{1}", x * y_1),
    ("digits-on-last-letter", "xy1", x * y_1),
    ("factorial-binds-last-letter", "nk!", n * sympy.factorial(k)),
    ("prefix-function-argument", r"\sin xy^2", sympy.sin(x * y**2)),
    ("run-in-plain-exponent", "x^ab", x**a * b),  # like x^2y = x^2*y: ^ takes one operand
    ("run-in-braced-exponent", "x^{ab}", x ** (a * b)),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in SPLIT_RUNS], ids=[c[0] for c in SPLIT_RUNS])
def test_split_runs_bind_postfix_to_the_last_letter(text: str, expected: sympy.Basic) -> None:
    assert value(text, RUNS_CONTEXT) == expected


def test_split_run_note_shows_the_subscript_on_the_last_name() -> None:
    assert "`xy_1` read as x*y_1" in read("xy_1", RUNS_CONTEXT).notes
    assert "`WHdk` read as W*H*d*k" in read("O(WHdk^2)", RUNS_CONTEXT).notes


def test_prime_on_the_last_scalar_of_a_run_is_refused_not_dropped() -> None:
    # issue 9: a prime marks a derivative or another quantity; "ab'" is never a*b
    result = parse_answer("ab'", RUNS_CONTEXT)
    assert isinstance(result, Invalid) and result.code == "prime" and "on b" in result.reason


def test_split_run_with_transpose_of_a_matrix() -> None:
    context = ParseContext(symbols={"a": SymbolInfo("a"), "u": SymbolInfo("u", shape=(3, 1))})
    u = sympy.MatrixSymbol("u", 3, 1)
    assert value("au'", context) == a * u.T
    assert value("au^T", context) == a * u.T


def test_run_with_a_declared_subscripted_name_is_that_name() -> None:
    context = ParseContext(symbols={"ab_1": SymbolInfo("ab_1"), "a": SymbolInfo("a"), "b": SymbolInfo("b")})
    assert value("ab_1", context) == r("ab_1")
    only_b_2 = ParseContext(symbols={"a": SymbolInfo("a"), "b_2": SymbolInfo("b_2")})
    assert value("ab_2", only_b_2) == a * r("b_2")


def test_undeclared_runs_stay_one_symbol() -> None:
    assert value("xy^2") == r("xy") ** 2  # without declarations a run is one name (with a note)
    assert value("xy_1") == r("xy_1")


def test_run_that_does_not_split_is_an_unknown_symbol() -> None:
    assert invalid("xq^2", RUNS_CONTEXT).code == "unknown_symbol"
    assert invalid("xq_1", RUNS_CONTEXT).code == "unknown_symbol"


# ------------------------------------------------------------------ declared names

DECLARED_NAMES = [
    # (case, declared name, answer text, canonical name)
    ("underscore-word", "p_data", "p_data", "p_{data}"),
    ("underscore-word-latex-answer", "p_data", r"p_{\text{data}}", "p_{data}"),
    ("braced-declaration-plain-answer", "p_{data}", "p_data", "p_{data}"),
    ("text-declaration", r"p_{\text{data}}", "p_data", "p_{data}"),
    ("greek-underscore-word", "theta_next", r"\theta_{next}", "theta_{next}"),
    ("u-norm", "u_norm", "u_{norm}", "u_{norm}"),
    ("spaced-subscript", "d_{t - 1}", "d_{t-1}", "d_{t-1}"),
    ("greek-variant", "varepsilon", r"\epsilon", "epsilon"),
    ("latex-greek-declaration", r"\lambda", "lambda", "lambda"),
    ("latex-accent-declaration", r"\hat{m}_t", "hat(m)_t", "hat(m)_t"),
    ("one-letter-subscript", "v_{t}", "v_t", "v_t"),
    ("plain-run", "unorm", "unorm", "unorm"),
    ("letters-and-digits", "f0", "f0", "f0"),
]


@pytest.mark.parametrize(
    ("declared", "text", "canonical"), [c[1:] for c in DECLARED_NAMES], ids=[c[0] for c in DECLARED_NAMES]
)
def test_declared_names_are_canonicalized(declared: str, text: str, canonical: str) -> None:
    context = ParseContext(symbols={declared: SymbolInfo(declared, positive=True)})
    assert canonical_name(declared) == canonical
    assert set(canonical_context(context).symbols or {}) == {canonical}
    got = value(text, context)
    assert got == sympy.Symbol(canonical, positive=True)
    assert got.is_positive


NOT_A_SYMBOL = [
    ("euler-constant", "e"),
    ("pi", "pi"),
    ("call", "f(x)"),
    ("product", "2x"),
    ("unreadable", "x +"),
]


@pytest.mark.parametrize("name", [c[1] for c in NOT_A_SYMBOL], ids=[c[0] for c in NOT_A_SYMBOL])
def test_canonical_name_leaves_non_symbols_alone(name: str) -> None:
    assert canonical_name(name) == name


def test_aliases_still_name_the_canonical_symbol() -> None:
    context = ParseContext(
        symbols={"g": SymbolInfo("g"), "u_norm": SymbolInfo("u_norm", positive=True, aliases=("||u||", r"\|u\|", "unorm"))}
    )
    g, u_norm = r("g"), sympy.Symbol("u_{norm}", positive=True)
    for text in ("g/u_norm", "g/u_{norm}", "g/||u||", r"\frac{g}{\|u\|}", "g/unorm"):
        assert value(text, context) == g / u_norm, text


def test_unknown_symbol_lists_canonical_names() -> None:
    context = ParseContext(symbols={"p_data": SymbolInfo("p_data")})
    failure = invalid("p_model", context)
    assert failure.code == "unknown_symbol" and "p_{data}" in failure.reason


def test_two_spellings_of_one_name_the_later_wins() -> None:
    context = ParseContext(symbols={"p_data": SymbolInfo("p_data"), "p_{data}": SymbolInfo("p_{data}", positive=True)})
    assert list(canonical_context(context).symbols or {}) == ["p_{data}"]
    assert value("p_data", context).is_positive


# ------------------------------------------------------------------ sequences

k_f, s_f = sympy.Function("k"), sympy.Function("s")
i_sym, j_sym = r("i"), r("j")
i_bound, j_bound = sympy.Symbol("i", integer=True), sympy.Symbol("j", integer=True)
n_pos = sympy.Symbol("n", integer=True, positive=True)

SEQUENCES_CONTEXT = ParseContext(
    symbols={"i": SymbolInfo("i"), "j": SymbolInfo("j"), "n": SymbolInfo("n", integer=True, positive=True)},
    functions=frozenset({"k", "s", "f"}),
    sequences=frozenset({"k", "s"}),
)

SEQUENCES = [
    # (case, text, expected value)
    ("index", "k_i", k_f(i_sym)),
    ("braced-index", "k_{i}", k_f(i_sym)),
    ("shifted-index", "k_{i-1}", k_f(i_sym - 1)),
    ("number", "k_1", k_f(1)),
    ("other-function", "s_j", s_f(j_sym)),
    ("power", "k_i^2", k_f(i_sym) ** 2),
    ("latex-power", r"k_{i}^{2}", k_f(i_sym) ** 2),
    ("call-still-works", "k(i) - k_i", sympy.Integer(0)),
    ("run-ending-in-a-sequence", "nk_i", n_pos * k_f(i_sym)),
    (
        "seed-receptive-field",
        r"k_1 + \sum_{i=2}^{n} (k_i - 1) \prod_{j=1}^{i-1} s_j",
        k_f(1) + sympy.Sum((k_f(i_sym) - 1) * sympy.Product(s_f(j_sym), (j_sym, 1, i_sym - 1)), (i_sym, 2, n_pos)),
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in SEQUENCES], ids=[c[0] for c in SEQUENCES])
def test_subscripted_declared_functions_are_sequences(text: str, expected: sympy.Basic) -> None:
    assert value(text, SEQUENCES_CONTEXT) == expected


def test_seed_receptive_field_binds_the_sum_and_product_indices() -> None:
    context = ParseContext(
        symbols={"n": SymbolInfo("n", integer=True, positive=True)},
        functions=frozenset({"k", "s"}),
        sequences=frozenset({"k", "s"}),
    )
    got = value(r"k_1 + \sum_{i=2}^{n} (k_i - 1) \prod_{j=1}^{i-1} s_j", context)
    inner = sympy.Product(s_f(j_bound), (j_bound, 1, i_bound - 1))
    assert got == k_f(1) + sympy.Sum((k_f(i_bound) - 1) * inner, (i_bound, 2, n_pos))
    assert got.free_symbols == {n_pos}


NOT_SEQUENCES = [
    # (case, text, context): a subscript on a name that is no declared sequence stays part
    # of the name, which is then not declared
    ("function-of-two-arguments", "f_i", SEQUENCES_CONTEXT),
    ("plain-symbol", "k_i", ParseContext(symbols={"k": SymbolInfo("k"), "i": SymbolInfo("i")})),
    ("function-without-sequence", "k_i", ParseContext(symbols={"i": SymbolInfo("i")}, functions=frozenset({"k"}))),
]


@pytest.mark.parametrize(("text", "context"), [c[1:] for c in NOT_SEQUENCES], ids=[c[0] for c in NOT_SEQUENCES])
def test_subscripts_of_other_names_stay_names(text: str, context: ParseContext) -> None:
    assert invalid(text, context).code == "unknown_symbol"


def test_declared_subscripted_symbol_wins_over_the_sequence() -> None:
    context = ParseContext(
        symbols={"k_1": SymbolInfo("k_1"), "i": SymbolInfo("i")},
        functions=frozenset({"k"}),
        sequences=frozenset({"k"}),
    )
    assert value("k_1", context) == r("k_1")
    assert value("k_2", context) == k_f(2)
    assert value("k_i", context) == k_f(i_sym)
