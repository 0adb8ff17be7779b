"""What the checker keeps between answers changes no verdict.

- the engine's comparison cache (``engine._compare``): answers read to the same value and
  shown text get the verdict a fresh comparison gives; another context, spec or expected
  value is never served from it; a verdict handed out is a copy;
- the numeric probe of two plain sides (``equivalence._compile_plain_pair``) is the probe
  the general path builds (same symbols in the same order, matrices, floats, kinks).
"""

from __future__ import annotations

import copy
import threading

import pytest
import sympy

from grader.check import engine
from grader.check import equivalence as eq
from grader.check.engine import check_part
from grader.check.verdict import Verdict
from grader.key import KeyPart
from grader.rubric.models import Part, SymbolSpec, UndecidedPolicy

from .helpers import make_ctx, needs_parser


def _part(answer: dict, mistakes: list[dict] | None = None) -> Part:
    return Part.model_validate({"id": "q.cache", "points": 2, "prompt": "p", "answer": answer, "mistakes": mistakes or []})


BIAS_PART = _part({"kind": "expression", "expected": "1 - beta^t"}, [{"id": "infinite_sum", "match": "1", "score": 0, "feedback": "t terms"}])
BIAS_KEY = KeyPart(kind="expression", expected="1 - beta^t", mistakes={"infinite_sum": "1"})
BIAS_SYMBOLS = {"beta": SymbolSpec.model_validate({"domain": "interval", "low": 0, "high": 1}), "t": "positive_integer"}

CONSTRAINT_PART = _part({"kind": "constraint", "variables": ["alpha", "beta"], "conditions": [{"holds": "alpha < beta"}, {"holds": "alpha^2 + alpha*beta + beta^2 = 3/d"}]})
CONSTRAINT_KEY = KeyPart(kind="constraint", expected=None)
CONSTRAINT_SYMBOLS = {"d": "positive_integer"}

MATRIX_PART = _part({"kind": "expression", "expected": "(X^T X + lambda I)^(-1) X^T y"})
MATRIX_KEY = KeyPart(kind="expression", expected="(X^T X + lambda I)^(-1) X^T y")
MATRIX_SYMBOLS = {"X": "matrix(5,3)", "y": "matrix(5,1)", "lambda": "positive", "I": SymbolSpec.model_validate({"identity": True})}

# (name, part, key, symbols, first text, second text read to the same value and shown text)
SAME_READING = [
    ("wrong closed form, spacing", BIAS_PART, BIAS_KEY, BIAS_SYMBOLS, "1 - beta^(12 t)", "1-beta^(12*t)"),
    ("wrong closed form, LaTeX", BIAS_PART, BIAS_KEY, BIAS_SYMBOLS, "1 - beta^(12 t)", "1 - \\beta^{12 t}"),
    ("right closed form", BIAS_PART, BIAS_KEY, BIAS_SYMBOLS, "1 - beta^t", "1-\\beta^{t}"),
    ("mistake rule", BIAS_PART, BIAS_KEY, BIAS_SYMBOLS, "1", " 1 "),
    ("constraint, right", CONSTRAINT_PART, CONSTRAINT_KEY, CONSTRAINT_SYMBOLS, "alpha = -sqrt(3/d), beta = sqrt(3/d)", "alpha=-sqrt(3/d), beta=sqrt(3/d)"),
    ("constraint, wrong", CONSTRAINT_PART, CONSTRAINT_KEY, CONSTRAINT_SYMBOLS, "alpha = -sqrt(6/d), beta = sqrt(6/d)", "alpha = -sqrt(6/d) , beta = sqrt(6/d)"),
    ("matrix, wrong power", MATRIX_PART, MATRIX_KEY, MATRIX_SYMBOLS, "(X^T X + lambda I)^(-17) X^T y", "(X^T X + lambda I)^{-17} X^T y"),
]


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    engine._COMPARE_CACHE.clear()


def _fresh(part: Part, key: KeyPart, raw: str, ctx) -> Verdict:
    engine._COMPARE_CACHE.clear()
    return check_part(part, key, raw, ctx)


@needs_parser
@pytest.mark.parametrize(("part", "key", "symbols", "first", "second"), [c[1:] for c in SAME_READING], ids=[c[0] for c in SAME_READING])
def test_kept_comparison_is_the_fresh_one(part: Part, key: KeyPart, symbols: dict, first: str, second: str) -> None:
    ctx = make_ctx(symbols)
    check_part(part, key, first, ctx)
    kept = len(engine._COMPARE_CACHE)
    assert kept >= 1
    served = check_part(part, key, second, ctx)
    assert len(engine._COMPARE_CACHE) == kept, "the second answer should be served from the cache"
    assert served.to_json() == _fresh(part, key, second, ctx).to_json()


@needs_parser
def test_other_context_is_never_served() -> None:
    """sqrt(x^2) is x for positive x only: the same answer, spec and expected value in
    another context is compared again."""
    part = _part({"kind": "expression", "expected": "x"})
    key = KeyPart(kind="expression", expected="x")
    positive, real = make_ctx({"x": "positive"}), make_ctx({"x": "real"})
    assert check_part(part, key, "sqrt(x^2)", positive).score == 1
    assert check_part(part, key, "sqrt(x^2)", real).score == 0
    assert check_part(part, key, "sqrt(x^2)", positive).score == 1


@needs_parser
def test_other_policy_is_never_served() -> None:
    """A comparison cached under one context object is not reused for an equal-looking
    context with another undecided policy."""
    part = _part({"kind": "expression", "expected": "x"})
    key = KeyPart(kind="expression", expected="x")
    first = make_ctx({"x": "positive"})
    second = make_ctx({"x": "positive"}, undecided=UndecidedPolicy.accept_if_numeric)
    check_part(part, key, "x", first)
    before = len(engine._COMPARE_CACHE)
    check_part(part, key, "x", second)
    assert len(engine._COMPARE_CACHE) == before + 1


@needs_parser
def test_other_expected_value_is_never_served() -> None:
    ctx = make_ctx({"x": "real"})
    part = _part({"kind": "expression", "expected": "x"})
    assert check_part(part, KeyPart(kind="expression", expected="x"), "x", ctx).score == 1
    assert check_part(part, KeyPart(kind="expression", expected="2*x"), "x", ctx).score == 0


@needs_parser
def test_served_verdict_is_a_copy() -> None:
    ctx = make_ctx(BIAS_SYMBOLS)
    first = check_part(BIAS_PART, BIAS_KEY, "1 - beta^(12 t)", ctx)
    expected_json = copy.deepcopy(first.to_json())
    first.evidence["stage"] = "tampered"
    second = check_part(BIAS_PART, BIAS_KEY, "1-beta^(12*t)", ctx)
    second.evidence.clear()
    third = check_part(BIAS_PART, BIAS_KEY, "1 - beta^(12 * t)", ctx)
    assert third.to_json() == expected_json


@needs_parser
def test_no_cache_outside_the_main_thread() -> None:
    """Outside the main thread the step budgets cannot apply: nothing is kept there."""
    ctx = make_ctx(BIAS_SYMBOLS)
    results: list[Verdict] = []
    worker = threading.Thread(target=lambda: results.append(check_part(BIAS_PART, BIAS_KEY, "1 - beta^(3 t)", ctx)))
    worker.start()
    worker.join()
    assert results and results[0].score == 0
    assert len(engine._COMPARE_CACHE) == 0


# --------------------------------------------------------------------------- plain probes

x, y = sympy.symbols("x y", real=True)
n = sympy.Symbol("n", integer=True, positive=True)
p = sympy.Symbol("p", positive=True)
X, W = sympy.MatrixSymbol("X", 5, 3), sympy.MatrixSymbol("W", 3, 3)
A = sympy.MatrixSymbol("A", n, n)
f = sympy.Function("f")
i = sympy.Symbol("i", integer=True)

PAIRS = [
    ("scalars", x**2 + y, y + x * x),
    ("equal sides", sympy.sin(x) + 1, sympy.sin(x) + 1),
    ("floats", 0.5 * x, x / 2),
    ("constants only", sympy.sqrt(2), sympy.Rational(3, 2)),
    ("one side without symbols", x + p, sympy.Integer(3)),
    ("matrices", (X.T * X + p * sympy.Identity(3)).I * X.T, X.T),
    ("two matrices", W * X.T, X.T),
    ("symbolic size", A * A, A**2),
    ("explicit matrix", sympy.ImmutableMatrix([[x, 1], [0, y]]), sympy.ImmutableMatrix([[x, 1.0], [0, y]])),
]

GENERAL_ONLY = [
    ("abstract function", f(x) + 1, f(x)),
    ("sum", sympy.Sum(i, (i, 1, n)), n * (n + 1) / 2),
    ("kink", sympy.Abs(x), x),
    ("max", sympy.Max(0, x), (x + sympy.Abs(x)) / 2),
]


def _summary(probe: eq._Probe) -> tuple:
    return (probe.scalars, probe.bounds, probe.matrices, probe.has_floats, probe.kinks)


@pytest.mark.parametrize("mode", ["fp", "mp"])
@pytest.mark.parametrize(("expected", "submitted"), [c[1:] for c in PAIRS], ids=[c[0] for c in PAIRS])
def test_plain_probe_is_the_general_probe(expected: sympy.Basic, submitted: sympy.Basic, mode: str) -> None:
    plain = eq._compile_plain_pair(expected, submitted, mode)  # type: ignore[arg-type]
    general = eq._compile_general_pair(expected, submitted, mode, 0)  # type: ignore[arg-type]
    assert plain is not None
    assert _summary(plain) == _summary(general)
    assert plain.expected is not plain.submitted  # each side keeps its own scale
    env = eq._draw_env(plain, make_ctx(), __import__("random").Random(3), (1, 2, 3), 0, mode)
    for side_plain, side_general in ((plain.expected, general.expected), (plain.submitted, general.submitted)):
        try:
            value_plain = side_plain.evaluate(env)
        except eq.EvaluationError:
            with pytest.raises(eq.EvaluationError):
                side_general.evaluate(env)
            continue
        value_general = side_general.evaluate(env)
        assert repr(value_plain) == repr(value_general)
        assert side_plain.scale == side_general.scale and side_plain.cancellation == side_general.cancellation


@pytest.mark.parametrize(("expected", "submitted"), [c[1:] for c in GENERAL_ONLY], ids=[c[0] for c in GENERAL_ONLY])
def test_special_sides_take_the_general_path(expected: sympy.Basic, submitted: sympy.Basic) -> None:
    assert eq._compile_plain_pair(expected, submitted, "fp") is None


def test_compiled_side_depends_on_precision() -> None:
    """mp constants are evaluated when compiling: another precision is another entry."""
    import mpmath

    with mpmath.workdps(20):
        low = eq._compile_pair(sympy.pi, sympy.pi + x, "mp", 0).expected.evaluate({})
    with mpmath.workdps(60):
        high = eq._compile_pair(sympy.pi, sympy.pi + x, "mp", 0).expected.evaluate({})
        assert abs(high - mpmath.pi) < mpmath.mpf(10) ** -55
    assert abs(low - high) > mpmath.mpf(10) ** -40


# --------------------------------------------------------------------------- values kept per point


def _matrix_point(seed: int) -> dict:
    import numpy as np

    rng = np.random.default_rng(seed)
    return {X: rng.standard_normal((5, 3)), p: 0.75}


MATRIX_EXPRESSIONS = [
    ("inverse", (X.T * X + p * sympy.Identity(3)).I * X.T),
    ("power", (X.T * X + p * sympy.Identity(3)) ** -3),
    ("cancelling sum", X.T * X - X.T * X + p * sympy.Identity(3)),
]


@pytest.mark.parametrize("mode", ["fp", "mp"])
@pytest.mark.parametrize("expr", [c[1] for c in MATRIX_EXPRESSIONS], ids=[c[0] for c in MATRIX_EXPRESSIONS])
def test_kept_point_value_is_the_evaluated_one(expr: sympy.Basic, mode: str) -> None:
    import mpmath
    import numpy as np

    from grader.check.numeric import compile_numeric

    kept, plain = compile_numeric(expr, mode, memo_size=4, keyed=True), compile_numeric(expr, mode)  # type: ignore[arg-type]
    points = [_matrix_point(seed) for seed in range(6)]
    if mode == "mp":
        points = [eq._mp_env(point) for point in points]
    with mpmath.workdps(60):
        for point in points + points[::-1]:  # the second pass meets kept and evicted points
            first = kept.evaluate(point)
            scale, cancellation = kept.scale, kept.cancellation
            again = kept.evaluate(point)
            reference = plain.evaluate(point)
            assert repr(first) == repr(again) == repr(reference)
            assert (scale, cancellation) == (kept.scale, kept.cancellation) == (plain.scale, plain.cancellation)
            again[0, 0] = again[0, 0] + 1  # a caller changing its copy changes nothing kept
            assert repr(kept.evaluate(point)) == repr(reference)
    assert len(kept.memo) <= 4 and len(kept.by_point) <= 4
    if mode == "mp":  # new point objects with the same values: kept by value
        with mpmath.workdps(60):
            copies = [eq._mp_env(_matrix_point(seed)) for seed in (4, 5)]
            assert [repr(kept.evaluate(point)) for point in copies] == [repr(plain.evaluate(point)) for point in copies]
    if mode == "fp":
        assert np.all(np.isfinite(reference.astype(float)))


def test_point_key_is_exact() -> None:
    import mpmath
    import numpy as np

    from grader.check.numeric import point_key

    assert point_key({x: 0.0}) != point_key({x: -0.0})
    assert point_key({x: 1.0}) != point_key({y: 1.0})
    assert point_key({X: np.zeros((5, 3))}) != point_key({X: np.zeros((3, 5))})
    with mpmath.workdps(20):
        low = point_key({x: mpmath.mpf(1)})
    with mpmath.workdps(60):
        high = point_key({x: mpmath.mpf(1)})
    assert low != high  # mp arithmetic depends on the working precision
    assert point_key({x: lambda index: 1.0}) is None  # a probe function: never kept


# --------------------------------------------------------------------------- kept probe points

SAMPLED = [
    ("scalars", sympy.Integer(1) - sympy.Symbol("beta", positive=True) ** n, sympy.Integer(1), {"beta": SymbolSpec.model_validate({"domain": "interval", "low": 0, "high": 1}), "n": "positive_integer"}),
    ("matrices", (X.T * X + p * sympy.Identity(3)).I * X.T, X.T, {"X": "matrix(5,3)", "p": "positive"}),
    ("kinks", sympy.Abs(x - 1), x - 1, {"x": "positive"}),
    ("sum bound", sympy.Sum(i, (i, 1, n)), n * (n + 1) / 2, {"n": "positive_integer"}),
]


def _run(expected: sympy.Basic, submitted: sympy.Basic, ctx, mode: str) -> list:
    import mpmath

    with mpmath.workdps(50):
        probe = eq._compile_pair(expected, submitted, mode, 0)  # type: ignore[arg-type]
        samples = eq._sample(probe, ctx, None, (1, 2, 3, 5, 8), mode=mode, wanted=8, salt="fast")
    return [(eq.describe_point(env, 20), repr(e), repr(s), ok) for env, e, s, ok in samples.valid]


@pytest.mark.parametrize("mode", ["fp", "mp"])
@pytest.mark.parametrize(("expected", "submitted", "symbols"), [c[1:] for c in SAMPLED], ids=[c[0] for c in SAMPLED])
def test_kept_points_are_the_drawn_ones(expected: sympy.Basic, submitted: sympy.Basic, symbols: dict, mode: str) -> None:
    ctx = make_ctx(symbols)
    eq._DRAWS.clear()
    fresh = _run(expected, submitted, ctx, mode)
    kept = _run(expected, submitted, ctx, mode)  # served from the kept points
    assert kept == fresh and len(fresh) >= 6
    eq._DRAWS.clear()
    assert _run(expected, submitted, ctx, mode) == fresh


def test_kept_points_are_per_context_and_read_only() -> None:
    import numpy as np

    expected, submitted = X.T * X, X.T * X
    first, second = make_ctx({"X": "matrix(5,3)"}), make_ctx({"X": "matrix(5,3)"}, seed=8)
    eq._DRAWS.clear()
    probe = eq._compile_pair(expected, submitted, "fp", 0)
    one = eq._draws_for(probe, first, (1, 2, 3), "fp", "fast")
    other = eq._draws_for(probe, second, (1, 2, 3), "fp", "fast")
    assert one is not other
    assert eq._draws_for(probe, first, (1, 2, 3), "fp", "fast") is one
    point = one.point(0)
    assert not np.array_equal(point[X], other.point(0)[X])
    with pytest.raises(ValueError):
        point[X][0, 0] = 1.0  # shared between answers: never changed in place


@pytest.mark.parametrize("mode", ["fp", "mp"])
def test_kept_failure_is_the_evaluated_one(mode: str) -> None:
    """A point where a side is undefined raises the same EvaluationError when kept."""
    import mpmath

    from grader.check.numeric import EvaluationError, compile_numeric

    expr = 1 / (x - 1) + sympy.log(y)
    kept = compile_numeric(expr, mode, memo_size=8)  # type: ignore[arg-type]
    plain = compile_numeric(expr, mode)  # type: ignore[arg-type]
    convert = float if mode == "fp" else mpmath.mpf
    points = [{x: convert(1.0), y: convert(2.0)}, {x: convert(3.0), y: convert(2.0)}, {x: convert(3.0), y: convert(0.0)}]
    with mpmath.workdps(30):
        for point in points * 2:
            outcomes = []
            for compiled in (kept, plain):
                try:
                    outcomes.append(("value", repr(compiled.evaluate(point)), compiled.scale, compiled.cancellation))
                except EvaluationError as exc:
                    outcomes.append(("error", str(exc)))
            assert outcomes[0] == outcomes[1]


# decided without a budgeted proof step (those are skipped off the main thread, as before)
NUMERIC_ONLY = [case for case in SAME_READING if ("wrong" in case[0] or "mistake" in case[0]) and "constraint" not in case[0]]


@needs_parser
@pytest.mark.parametrize(("part", "key", "symbols", "first", "second"), [c[1:] for c in NUMERIC_ONLY], ids=[c[0] for c in NUMERIC_ONLY])
def test_other_threads_get_the_same_verdicts(part: Part, key: KeyPart, symbols: dict, first: str, second: str) -> None:
    """Off the main thread nothing is shared (compiled sides, points, parses, comparisons
    are made for the call): the verdicts are those of the main thread."""
    ctx = make_ctx(symbols)
    main = [check_part(part, key, text, ctx).to_json() for text in (first, second)]
    other: list[dict] = []
    worker = threading.Thread(target=lambda: other.extend(check_part(part, key, text, ctx).to_json() for text in (first, second)))
    worker.start()
    worker.join()
    assert other == main


def test_kinks_of_several_symbols_draw_their_own_points() -> None:
    """Points added across kinks of several symbols continue the random stream of the run:
    an earlier answer that needed more draws (undefined points) changes nothing."""
    a, b = sympy.symbols("a b", positive=True)
    # a (log-uniform in 0.1..10) is above b at every random point: only moved points cross
    ctx = make_ctx({"a": "positive", "b": SymbolSpec.model_validate({"domain": "interval", "low": 0, "high": 0.05})})
    kink = sympy.Abs(a - b)
    eq._DRAWS.clear()
    fresh = _run(kink, a - b, ctx, "fp")
    eq._DRAWS.clear()
    _run(kink, kink + sympy.log(1 - a), ctx, "fp")  # undefined for a > 1: many more draws
    assert _run(kink, a - b, ctx, "fp") == fresh
    assert any(not ok for *_rest, ok in fresh)  # |a - b| and a - b told apart
