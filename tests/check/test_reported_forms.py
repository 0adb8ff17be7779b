"""Forms rubric authors reported, from answer text to verdict through ``check_part``.

- declared names in any spelling (``p_data``, ``x_max``) are found by canonical name, both
  by the parser and by the checkers' sampling and constraint variables;
- one-argument functions are sequences (``k_i`` is ``k(i)``), from the FunctionSpec;
- ``NAME = RHS`` answers with an undeclared NAME grade the right-hand side;
- split letter runs and comma matrices as students write them.
"""

from __future__ import annotations

import pytest
import sympy

from grader.check.base import CheckContext
from grader.check.engine import check_part
from grader.check.kinds.expression import read_expression
from grader.check.parsing import expected_scalar, lookup_spec, parse_context, split_equation
from grader.check.symbols import spec_for
from grader.check.verdict import Status
from grader.key import KeyPart
from grader.parse.values import Invalid, LabelledValue, Parsed
from grader.rubric.models import Domain, FunctionSpec, Part, SymbolSpec, UndecidedPolicy

from .helpers import make_ctx, needs_parser

pytestmark = needs_parser


def _check(answer: dict, raw, ctx, mistakes: list[dict] | None = None, key_mistakes: dict | None = None):
    part = Part.model_validate({"id": "q1.a", "points": 1, "prompt": "p", "answer": answer, "mistakes": mistakes or []})
    key = KeyPart(kind=answer["kind"], expected=answer.get("expected"), mistakes=key_mistakes or {})
    return check_part(part, key, raw, ctx)


UNIT = SymbolSpec(domain=Domain.interval, low=0, high=1)

# ------------------------------------------------------------------ declared names

P_DATA = make_ctx({"p_data": "positive", "p_g": "positive"})
P_DATA_INTERVAL = make_ctx({"p_data": UNIT})
P_DATA_BRACED = make_ctx({"p_{data}": "positive", "p_g": "positive"})

DECLARED_NAME_CASES = [
    # (case, expected, answer, ctx, status)
    ("plain-declaration-braced-answer", "p_data/(p_data + p_g)", "p_{data}/(p_{data} + p_g)", P_DATA, Status.CORRECT),
    ("plain-declaration-plain-answer", "p_data/(p_data + p_g)", "1/(1 + p_g/p_data)", P_DATA, Status.CORRECT),
    ("plain-declaration-latex-answer", "p_data/(p_data + p_g)", r"\frac{p_{\text{data}}}{p_{\text{data}} + p_g}", P_DATA, Status.CORRECT),
    ("braced-declaration-plain-answer", "p_{data}/(p_{data} + p_g)", "p_data/(p_data + p_g)", P_DATA_BRACED, Status.CORRECT),
    ("plain-declaration-wrong-answer", "p_data/(p_data + p_g)", "p_g/(p_data + p_g)", P_DATA, Status.WRONG),
    # right only on the declared interval (0, 1): shows that sampling found the spec
    ("interval-domain-found-by-canonical-name", "1 - p_data", "sqrt((1 - p_data)^2)", P_DATA_INTERVAL, Status.CORRECT),
    ("interval-domain-log", "log(1 - p_data)", r"\ln(1 - p_{data})", P_DATA_INTERVAL, Status.CORRECT),
]


@pytest.mark.parametrize(
    ("expected", "answer", "ctx", "status"), [c[1:] for c in DECLARED_NAME_CASES], ids=[c[0] for c in DECLARED_NAME_CASES]
)
def test_declared_names_in_any_spelling(expected: str, answer: str, ctx: CheckContext, status: Status) -> None:
    verdict = _check({"kind": "expression", "expected": expected}, answer, ctx)
    assert verdict.status is status, verdict.feedback


LOOKUPS = [
    # (case, declared, looked-up name)
    ("canonical-finds-plain", "p_data", "p_{data}"),
    ("plain-finds-canonical", "p_{data}", "p_data"),
    ("text-command", r"x_{\text{max}}", "x_{max}"),
    ("greek-variant", "varepsilon", "epsilon"),
    ("same-spelling", "d", "d"),
]


@pytest.mark.parametrize(("declared", "name"), [c[1:] for c in LOOKUPS], ids=[c[0] for c in LOOKUPS])
def test_lookup_spec_by_canonical_name(declared: str, name: str) -> None:
    assert lookup_spec({declared: UNIT, "other": SymbolSpec()}, name) is UNIT


def test_lookup_spec_misses_other_names() -> None:
    assert lookup_spec({"p_data": UNIT}, "p_g") is None


def test_sampling_spec_of_a_parsed_symbol() -> None:
    assert spec_for(sympy.Symbol("p_{data}", positive=True), P_DATA_INTERVAL) is P_DATA_INTERVAL.symbols["p_data"]


def test_constraint_variables_by_canonical_name() -> None:
    spec = {"kind": "constraint", "variables": ["x_max"], "conditions": [{"holds": "x_max^2 = 4"}]}
    ctx = make_ctx({"d": "positive"})
    assert _check(spec, "x_max = 2", ctx).status is Status.CORRECT
    assert _check(spec, r"x_{\max} = -2", ctx).status is Status.CORRECT
    assert _check(spec, "x_{max} = 3", ctx).status is Status.WRONG


# ------------------------------------------------------------------ sequences


def _sequence_ctx(undecided: UndecidedPolicy = UndecidedPolicy.accept_if_numeric) -> CheckContext:
    return CheckContext(
        part_id="q10.rf",
        symbols={"n": SymbolSpec(domain=Domain.positive_integer), "r": SymbolSpec(aliases=("RF_n",))},
        functions={"k": FunctionSpec(args=("i",)), "s": FunctionSpec(args=("i",)), "f": FunctionSpec(args=("x", "y"))},
        undecided=undecided,
        seed=3,
    )


def test_one_argument_functions_are_sequences() -> None:
    assert parse_context(_sequence_ctx()).sequences == frozenset({"k", "s"})


RECEPTIVE_FIELD = "1 + Sum((k(i) - 1)*Product(s(j), (j, 1, i - 1)), (i, 1, n))"

SEQUENCE_CASES = [
    # (case, answer, status)
    ("calls", r"1 + \sum_{i=1}^{n} (k(i) - 1) \prod_{j=1}^{i-1} s(j)", Status.CORRECT),
    ("subscripts", r"1 + \sum_{i=1}^{n} (k_i - 1) \prod_{j=1}^{i-1} s_j", Status.CORRECT),
    ("seed-student-first-term-split-off", r"k_1 + \sum_{i=2}^{n} (k_i - 1) \prod_{j=1}^{i-1} s_j", Status.CORRECT),
    ("with-left-hand-side", r"RF_n = k_1 + \sum_{i=2}^{n} (k_i - 1) \prod_{j=1}^{i-1} s_j", Status.CORRECT),
    ("own-stride-included", r"1 + \sum_{i=1}^{n} (k_i - 1) \prod_{j=1}^{i} s_j", Status.WRONG),
    ("shifted-subscript", r"1 + \sum_{i=1}^{n} (k_{i+1} - 1) \prod_{j=1}^{i-1} s_j", Status.WRONG),
]


@pytest.mark.parametrize(("answer", "status"), [c[1:] for c in SEQUENCE_CASES], ids=[c[0] for c in SEQUENCE_CASES])
def test_receptive_field_with_sequences(answer: str, status: Status) -> None:
    verdict = _check({"kind": "expression", "expected": RECEPTIVE_FIELD, "lhs": "r"}, answer, _sequence_ctx())
    assert verdict.status is status, verdict.feedback


# ------------------------------------------------------------------ NAME = RHS

BETA = make_ctx({"beta": UNIT, "delta": "positive", "gamma": "nonzero"})

NAMED_EQUATION_CASES = [
    # (case, answer, lhs of the part, status, fragment of the feedback)
    ("greek-lhs-no-part-lhs", r"\alpha = \beta", None, Status.CORRECT, None),
    ("greek-lhs-dollars", r"$\alpha = \beta$", None, Status.CORRECT, None),
    ("display-math", r"\[ \alpha = \beta \]", None, Status.CORRECT, None),
    ("subscripted-multi-letter-lhs", "RF_n = beta", None, Status.CORRECT, None),
    ("accented-lhs", r"\hat{\alpha} = \beta", None, Status.CORRECT, None),
    ("lhs-matches-part-lhs", r"\alpha = \beta", "alpha", Status.CORRECT, None),
    ("lhs-differs-from-part-lhs", r"\omega = \beta", "alpha", Status.CORRECT, "left-hand side should be alpha, not omega"),
    ("wrong-rhs", r"\alpha = 1 - \beta", None, Status.WRONG, None),
    ("rhs-needs-declared-symbols", r"\alpha = \theta", None, Status.INVALID, "unknown symbol `theta`"),
    ("lhs-not-a-name", r"2\alpha = \beta", None, Status.INVALID, "unknown symbol `alpha`"),
    ("chain-all-right", r"\alpha = \beta = \beta", None, Status.CORRECT, "every side"),
    ("chain-one-side-wrong", r"\alpha = \beta = 2\beta", None, Status.WRONG, "`2*beta` gets the least credit"),
    ("double-equals", r"\alpha == \beta", None, Status.INVALID, None),
]


@pytest.mark.parametrize(
    ("answer", "lhs", "status", "fragment"),
    [c[1:] for c in NAMED_EQUATION_CASES],
    ids=[c[0] for c in NAMED_EQUATION_CASES],
)
def test_named_equations(answer: str, lhs: str | None, status: Status, fragment: str | None) -> None:
    spec = {"kind": "expression", "expected": "beta"}
    if lhs:
        spec["lhs"] = lhs
    verdict = _check(spec, answer, BETA)
    assert verdict.status is status, verdict.feedback
    if fragment:
        assert fragment in verdict.feedback


def test_named_equation_reads_the_name_as_the_left_side() -> None:
    parsed = read_expression("RF_n = 2beta", BETA)
    assert isinstance(parsed, Parsed) and isinstance(parsed.value, LabelledValue)
    assert str(parsed.value.name) == "RF_n" and parsed.value.label == "RF_n"
    assert parsed.shown == "RF_n = 2*beta"
    assert parsed.notes == ("read `RF_n =` as a label",)  # the name is a label, no reading notes


def test_expected_value_may_be_a_named_equation_too() -> None:
    # the rubric check reads key text as an answer; the key must read it the same way
    assert expected_scalar(r"\alpha = 1 - \beta", BETA) == 1 - sympy.Symbol("beta", positive=True)


def test_named_equation_error_points_into_the_right_side() -> None:
    text = r"\alpha = \beta + \theta"
    invalid = read_expression(text, BETA)
    assert isinstance(invalid, Invalid) and invalid.code == "unknown_symbol"
    assert invalid.text == text and invalid.position == text.index(r"\theta")


SPLITS = [
    # (case, text, (left, right) or None)
    ("simple", "a = b", ("a ", " b")),
    ("equals-in-braces", r"\sum_{i=1}^{n} i = b", (r"\sum_{i=1}^{n} i ", " b")),
    ("equals-in-parentheses", "f(x=1) = 2", ("f(x=1) ", " 2")),
    ("escaped-brackets", r"\[ a = b \]", (r"\[ a ", r" b \]")),
    ("no-equals", "a + b", None),
    ("two-equals", "a = b = c", None),
    ("double-equals", "a == b", None),
    ("less-or-equal", "a <= b", None),
    ("not-equal", "a != b", None),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in SPLITS], ids=[c[0] for c in SPLITS])
def test_split_equation(text: str, expected: tuple[str, str] | None) -> None:
    split = split_equation(text)
    if expected is None:
        assert split is None
    else:
        assert split is not None
        left, right, offset = split
        assert (left, right) == expected and text[offset:] == right


# ------------------------------------------------------------------ runs and matrices

RUN_CASES = [
    # (case, expected, answer, status)
    ("big-O-run", "O(W H d k^2)", "O(WHdk^2)", Status.CORRECT),
    ("big-O-run-wrong", "O(W H d k^2)", "O(WHdk)", Status.WRONG),
    ("polynomial-run", "x*y^2", "xy^2", Status.CORRECT),
    ("polynomial-run-not-squared-product", "x^2*y^2", "xy^2", Status.WRONG),
]


@pytest.mark.parametrize(("expected", "answer", "status"), [c[1:] for c in RUN_CASES], ids=[c[0] for c in RUN_CASES])
def test_split_runs(expected: str, answer: str, status: Status) -> None:
    ctx = make_ctx({name: "positive" for name in ("W", "H", "d", "k", "x", "y")})
    verdict = _check({"kind": "expression", "expected": expected}, answer, ctx)
    assert verdict.status is status, verdict.feedback


def test_comma_separated_bmatrix_array_answer() -> None:
    answer = r"\begin{bmatrix} 2.0000, 2.0000 \\ 2.6667, 3.3333 \\ 2.6667, 2.3333 \\ 2.6667, 2.6667 \end{bmatrix}"
    spec = {"kind": "array", "expected": [[2, 2], [8 / 3, 10 / 3], [8 / 3, 7 / 3], [8 / 3, 8 / 3]]}
    verdict = _check(spec, answer, make_ctx())
    assert verdict.status is Status.CORRECT, verdict.feedback


def test_one_by_one_products_with_a_scalar() -> None:
    ctx = make_ctx({"f0": "real", "epsilon": "positive", "g": "matrix(3,1)", "H": "matrix(3,3)"})
    expected = "f0 - epsilon*g^T*g + epsilon^2/2*g^T*H*g"
    assert _check({"kind": "expression", "expected": expected}, "f0 - epsilon g^T g + epsilon^2/2 g^T H g", ctx).status is Status.CORRECT
    bound = _check({"kind": "expression", "expected": "2 g^T g/(g^T H g)"}, r"\frac{2g^T g}{g^T H g}", ctx)
    assert bound.status is Status.CORRECT, bound.feedback
