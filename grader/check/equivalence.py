"""Is a submitted expression equivalent to the expected one? Reject fast, prove, or confirm.

1. Numeric rejection: both sides are compiled once (``grader.check.numeric``) and
   evaluated at >= 8 seeded random points drawn from each symbol's domain (matrix symbols:
   random non-square arrays of the declared shapes; sum/product bounds: the part's
   ``integer_checks``; abstract functions: a fixed random smooth function). Points where
   a side is undefined, complex or infinite are redrawn; too few usable points is
   "undecided", never "wrong". The tolerance is tight (relative 1e-9 plus 1e-12 times the
   size of the numbers that cancelled), so ``1e-4*x`` vs ``0`` and ``x^2 + 0.0005`` vs
   ``x^2`` are told apart. A float disagreement is rechecked at the same point with
   60 digits before the answer is called wrong (float cancellation is never evidence).
   The first points of a symbol lie on both sides of every kink of max/min/abs/sign/
   Heaviside; sum bounds take ``integer_checks`` first, then larger integers.
2. Symbolic proof: piecewise answers by cases (``grader.check.piecewise``), then
   ``expected - submitted`` through a chain of sympy steps (expand, cancel, the rewrites
   of ``grader.check.rewrites``, simplify, rewrite(exp), expand_log, trigsimp, ...), each
   under a soft budget of CPU time (``ctx.step_seconds``, ``grader.check.timing``; skipped
   outside the main thread), never of wall-clock time, so a loaded machine gives the same
   verdicts. Steps cut by their budget are retried once with a larger one
   (``PROOF_PASSES``) before the answer goes on to numeric confirmation (and, at worst,
   "undecided"). A difference that expands to a nonzero polynomial with rational
   coefficients is "different" (every domain is infinite).
3. High-precision confirmation: 50 digits at 20 fresh points (with a second set of
   probe functions). Agreement is "equal, numerically confirmed, not proved"; the rubric's
   UndecidedPolicy decides what that is worth (see ``grader.check.engine``).

Big-O answers ``O(f)`` (also ``Theta``/``Omega``) must be written in that notation when
the expected answer is. The insides are compared as growth rates: for polynomial-like
insides (sums of monomials in the size variables, rational exponents) exactly, by their
leading monomials (so O(HD + 2H^2) = O(H(D + H)) and O(d(W + H - 1)) = O(dW + dH));
otherwise up to a positive constant factor, and with a single variable also up to
lower-order terms (the limit of the ratio at infinity must be a positive constant).
"""

from __future__ import annotations

import math
import random
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

import mpmath
import numpy as np
import sympy
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions import MatrixExpr, MatrixSymbol

from grader.check.base import CheckContext
from grader.check.identity import POINTS, exact_identity, is_rational_expression
from grader.check.numeric import Compiled, EvaluationError, compile_numeric
from grader.check.parsing import lookup_spec
from grader.check.piecewise import (
    has_kinks,
    kink_arguments,
    kink_points,
    kink_roots,
    prove_by_cases,
)
from grader.check.rewrites import INVERSE_FUNCTIONS, extra_proof_steps, prove_by_derivative
from grader.check.symbols import (
    FunctionDefs,
    Sampler,
    apply_functions,
    defined_functions,
    matrix_sample,
    probe_definitions,
    sampler_for,
    spec_for,
)
from grader.check.timing import StepTimeout, cpu_seconds, step_allowed, time_limit
from grader.check.tolerance import accepts
from grader.rubric.models import Domain, Tolerance

__all__ = ["Equivalence", "Outcome", "compare_expressions", "describe_point", "big_o_inner"]

Outcome = Literal["proved", "numeric", "different", "undecided"]

FAST_POINTS = 8
MIN_POINTS = 6
MAX_ATTEMPTS = 60
CONFIRM_POINTS = 20
CONFIRM_DIGITS = 50
# Proof passes, in step budgets (ctx.step_seconds of CPU time): (per step, all steps of the
# pass). The steps the first pass cut are retried with a 3x larger budget; all together
# they use at most 2 step budgets, as one pass of 2 did.
PROOF_PASSES = ((0.5, 1.0), (1.5, 1.0))
BIG_O_NAMES = ("O", "Theta", "Omega", "Θ", "Ω")


@dataclass
class Equivalence:
    """The outcome of one comparison, with what to tell the student and staff."""

    outcome: Outcome
    message: str
    points: int = 0
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def equal(self) -> bool:
        return self.outcome in ("proved", "numeric")


# --------------------------------------------------------------------------- probing


@dataclass
class _Probe:
    """Compiled sides and what to sample."""

    expected: Compiled
    submitted: Compiled
    scalars: list[sympy.Symbol]
    bounds: list[sympy.Symbol]
    matrices: list[MatrixSymbol]
    has_floats: bool
    kinks: dict[sympy.Symbol, list[float]] = field(default_factory=dict)
    kink_arguments: list[Compiled] = field(default_factory=list)  # fp only: kinks of several symbols
    kink_roots: list[tuple[sympy.Symbol, Compiled]] = field(default_factory=list)  # ... and where each symbol crosses them


def _bound_symbols(expr: sympy.Basic) -> set[sympy.Symbol]:
    found: set[sympy.Symbol] = set()
    for loop in expr.atoms(sympy.Sum, sympy.Product):
        for _variable, low, high in loop.limits:
            found |= {s for s in (low.free_symbols | high.free_symbols) if isinstance(s, sympy.Symbol)}
    return found


def _bound_value(integer_checks: tuple[int, ...], index: int, rng: random.Random) -> int:
    """The value of a sum/product bound at probe ``index``: the part's ``integer_checks``
    first, then random integers beyond them (up to twice the largest, at least 16), so a
    term that vanishes on the probe set (``(n-1)(n-2)(n-3)(n-5)(n-8)``, ``floor(n/9)``)
    is still seen."""
    if index < len(integer_checks):
        return integer_checks[index]
    low = min(integer_checks)
    return rng.randint(low, max(2 * max(integer_checks), low + 15, 16))


def _draw_env(probe: _Probe, ctx: CheckContext, rng: random.Random, integer_checks: tuple[int, ...], index: int, mode: str,
              samplers: dict[sympy.Symbol, Sampler] | None = None) -> dict[Any, Any]:
    """One probe point. ``samplers`` keeps each symbol's sampler between the draws of one
    sampling run (looking a symbol's spec up costs more than drawing from it)."""
    if samplers is None:
        samplers = {}
    env: dict[Any, Any] = {}
    convert: Callable[[float], Any] = float if mode == "fp" else mpmath.mpf
    for position, symbol in enumerate(probe.bounds):
        env[symbol] = convert(float(_bound_value(integer_checks, index + position, rng)))
    dimensions: dict[sympy.Symbol, int] = {}
    for matrix in probe.matrices:
        shape = []
        for dim in matrix.shape:
            if isinstance(dim, sympy.Symbol):
                if dim not in dimensions:
                    used = set(dimensions.values())
                    choices = [size for size in range(2, 7) if size not in used] or [2]
                    dimensions[dim] = rng.choice(choices)
                    env[dim] = convert(float(dimensions[dim]))
                shape.append(dimensions[dim])
            else:
                shape.append(int(dim))
        array = matrix_sample((shape[0], shape[1]), rng)
        env[matrix] = array if mode == "fp" else np.vectorize(mpmath.mpf, otypes=[object])(array)
    for symbol in probe.scalars:
        if symbol not in env:
            near = _near_kink(symbol, probe.kinks.get(symbol, []), ctx, rng, index)
            if near is None:
                sampler = samplers.get(symbol)
                if sampler is None:
                    sampler = samplers[symbol] = sampler_for(symbol, ctx)
                near = sampler(rng)
            env[symbol] = convert(near)
    return env


def _near_kink(symbol: sympy.Symbol, points: list[float], ctx: CheckContext, rng: random.Random, index: int) -> float | None:
    """The first probe points of a symbol with kinks go in every stretch its kinks cut its
    domain into (below the first, between neighbours, above the last), so ``|x|`` and
    ``x`` are told apart on a domain that is mostly positive, and ``H(x)`` and
    ``H(x - 0.001)`` too."""
    if not points:
        return None
    bounds = _continuous_bounds(symbol, ctx)
    if bounds is None:
        return None
    low, high = bounds
    inside = sorted(point for point in set(points) if low < point < high)
    if not inside:
        return None
    edges = [max(low, inside[0] - max(1.0, abs(inside[0]))), *inside, min(high, inside[-1] + max(1.0, abs(inside[-1])))]
    stretches = [(start, end) for start, end in zip(edges, edges[1:], strict=False) if start < end]
    if index >= len(stretches):
        return None
    start, end = stretches[index]
    value = start + (end - start) * rng.uniform(0.05, 0.95)
    if value == 0 and spec_for(symbol, ctx).domain is Domain.nonzero:
        return None
    return value


def _finite_value(value: Any, mode: str) -> Any | None:
    """The value as real float/mpf or real array; None if complex or not finite."""
    if isinstance(value, np.ndarray):
        if value.size == 1:
            return _finite_value(value.reshape(()).item(), mode)
        if mode == "fp":
            if np.iscomplexobj(value):
                if np.max(np.abs(value.imag)) > 1e-9 * max(1.0, float(np.max(np.abs(value.real)))):
                    return None
                value = value.real
            array = np.asarray(value, dtype=float)
            return array if np.all(np.isfinite(array)) else None
        items = [_finite_value(item, mode) for item in value.flat]
        if any(item is None for item in items):
            return None
        return np.array(items, dtype=object).reshape(value.shape)
    if mode == "fp":
        number = complex(value)
        if not (np.isfinite(number.real) and np.isfinite(number.imag)):
            return None
        if abs(number.imag) > 1e-9 * max(1.0, abs(number.real)):
            return None
        return number.real
    number = mpmath.mpmathify(value)
    if not mpmath.isfinite(number):
        return None
    if isinstance(number, mpmath.mpc):
        if abs(number.imag) > mpmath.mpf(10) ** (-CONFIRM_DIGITS + 10) * max(1, abs(number.real)):
            return None
        return number.real
    return number


def _close(expected: Any, submitted: Any, scale: float, tolerance: Tolerance | None, mode: str, has_floats: bool) -> bool:
    if isinstance(expected, np.ndarray) or isinstance(submitted, np.ndarray):
        if not (isinstance(expected, np.ndarray) and isinstance(submitted, np.ndarray)):
            return False
        if expected.shape != submitted.shape:
            return False
        size = max([abs(item) for item in expected.flat] + [abs(item) for item in submitted.flat] + [scale])
        return all(
            _close(e, s, float(size), tolerance, mode, has_floats)
            for e, s in zip(expected.flat, submitted.flat, strict=False)
        )
    difference = abs(expected - submitted)
    size = max(abs(expected), abs(submitted))
    if tolerance is not None:
        return bool(difference <= tolerance.atol + tolerance.rtol * abs(expected) + 1e-12 * scale)
    if mode == "fp":
        rtol, atol = 1e-9, 1e-12 * max(1.0, float(scale))
    elif has_floats:
        rtol, atol = 1e-13, 1e-15 * max(1.0, float(scale))
    else:
        rtol, atol = 1e-30, 1e-38 * max(1.0, float(scale))
    return bool(difference <= atol + rtol * size)


def describe_point(env: dict[Any, Any], limit: int = 4) -> str:
    """'d = 3.2, x = -0.51' for the scalar symbols of a probe point."""
    return ", ".join(_point_names(env)[:limit])


def _point_names(env: dict[Any, Any]) -> list[str]:
    shown = []
    for symbol, value in env.items():
        if isinstance(symbol, sympy.Symbol) and not isinstance(value, np.ndarray):
            shown.append(f"{symbol} = {float(value):.3g}")
    return sorted(shown)


def _format_value(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return f"a {'x'.join(map(str, value.shape))} matrix"
    return f"{float(value):.4g}"


@dataclass
class _Samples:
    valid: list[tuple[dict[Any, Any], Any, Any, bool]] = field(default_factory=list)
    undefined: int = 0
    one_sided: int = 0
    rechecked: int = 0


RECHECK_DIGITS = 60
RECHECK_RELATIVE = 1e-6  # float disagreements smaller than this are always rechecked
RECHECK_CANCELLATION = 1e6  # ... and so are those where a sum lost 6 digits or more


def _mp_env(env: dict[Any, Any]) -> dict[Any, Any]:
    converted: dict[Any, Any] = {}
    for key, value in env.items():
        if isinstance(value, np.ndarray):
            converted[key] = np.vectorize(mpmath.mpf, otypes=[object])(value)
        else:
            converted[key] = mpmath.mpf(value)
    return converted


def _clearly_different(probe: _Probe, env: dict[Any, Any], expected_value: Any, submitted_value: Any) -> bool:
    """A float disagreement that no cancellation can explain: the values differ by more
    than a millionth and no sum lost more than 6 of the 16 digits on the way."""
    if isinstance(expected_value, np.ndarray) or isinstance(submitted_value, np.ndarray):
        return False
    size = max(abs(expected_value), abs(submitted_value))
    if not abs(expected_value - submitted_value) > RECHECK_RELATIVE * size:
        return False
    try:
        probe.expected.evaluate(env)
        lost = probe.expected.cancellation
        probe.submitted.evaluate(env)
        lost = max(lost, probe.submitted.cancellation)
    except EvaluationError:
        return False
    return bool(lost < RECHECK_CANCELLATION)


def _recheck_precisely(expected: sympy.Basic, submitted: sympy.Basic, samples: _Samples, ctx: CheckContext, tolerance: Tolerance | None,
                       digits: int = RECHECK_DIGITS, fp_probe: _Probe | None = None) -> _Samples:
    """Float disagreements are decided again at the same points with 60-digit arithmetic
    before an answer is called wrong: a true identity whose float evaluation cancels
    catastrophically (``1/(22619537 - 15994428 sqrt(2))``) is never "wrong" from floats
    alone. A float disagreement no cancellation can explain (``_clearly_different``) is
    final; otherwise the first failing point is rechecked first, and when it still
    differs that is the verdict."""
    failing = [index for index, (_env, e, s, ok) in enumerate(samples.valid) if not ok]
    if fp_probe is not None and failing:
        env, expected_value, submitted_value, _ok = samples.valid[failing[0]]
        if _clearly_different(fp_probe, env, expected_value, submitted_value):
            return samples
    try:
        with mpmath.workdps(digits):
            probe = _compile_pair(expected, submitted, "mp", 0)
            valid = list(samples.valid)
            for index in failing:
                env = valid[index][0]
                precise_env = _mp_env(env)
                precise_expected = _finite_value(probe.expected.evaluate(precise_env), "mp")
                precise_submitted = _finite_value(probe.submitted.evaluate(precise_env), "mp")
                if precise_expected is None or precise_submitted is None:
                    return samples
                scale = max(probe.expected.scale, probe.submitted.scale)
                agree = _close(precise_expected, precise_submitted, float(scale), tolerance, "mp", probe.has_floats)
                valid[index] = (env, precise_expected, precise_submitted, agree)
                if not agree:
                    break  # differs at high precision too: wrong
    except (EvaluationError, ArithmeticError, TypeError, ValueError):
        return samples
    return _Samples(valid=valid, undefined=samples.undefined, one_sided=samples.one_sided, rechecked=len(failing))


@dataclass
class _Draws:
    """The probe points of one sampling run, drawn on demand and kept: the points depend
    only on the context, the salt, the mode and what is sampled (symbols, bounds, matrix
    shapes, kinks, integer checks), so every answer of a part with the same symbols meets
    the same points. Kept points are shared read-only (matrix samples are not writeable)."""

    probe: _Probe
    ctx: CheckContext
    integer_checks: tuple[int, ...]
    mode: str
    rng: random.Random
    samplers: dict[sympy.Symbol, Sampler] = field(default_factory=dict)
    points: list[dict[Any, Any]] = field(default_factory=list)

    def point(self, index: int) -> dict[Any, Any]:
        while len(self.points) <= index:
            env = _draw_env(self.probe, self.ctx, self.rng, self.integer_checks, len(self.points), self.mode, self.samplers)
            for value in env.values():
                if isinstance(value, np.ndarray):
                    value.flags.writeable = False
            self.points.append(env)
        return self.points[index]


DRAWS_KEPT = 256
_DRAWS: dict[tuple[Any, ...], _Draws] = {}


def _points_rng(ctx: CheckContext, salt: str) -> random.Random:
    return random.Random(zlib.crc32(f"{ctx.seed}/{ctx.part_id}/{salt}".encode()))


def _draws_for(probe: _Probe, ctx: CheckContext, integer_checks: tuple[int, ...], mode: str, salt: str) -> _Draws:
    """The kept points of a sampling run (see ``_Draws``); the context is matched by
    identity (the entry holds it, so its id is not reused while it is kept)."""
    if not _in_main_thread():  # drawn for this run only
        return _Draws(probe, ctx, tuple(integer_checks), mode, _points_rng(ctx, salt))
    key = (
        id(ctx), ctx.seed, ctx.part_id, salt, mode, mpmath.mp.dps if mode == "mp" else 0,
        tuple(probe.scalars), tuple(probe.bounds), tuple(probe.matrices),
        tuple((symbol, tuple(points)) for symbol, points in probe.kinks.items()), tuple(integer_checks),
    )
    draws = _DRAWS.get(key)
    if draws is not None and draws.ctx is ctx:
        _DRAWS[key] = _DRAWS.pop(key)  # most recently used last
        return draws
    draws = _Draws(probe, ctx, tuple(integer_checks), mode, _points_rng(ctx, salt))
    _DRAWS[key] = draws
    while len(_DRAWS) > DRAWS_KEPT:
        _DRAWS.pop(next(iter(_DRAWS)))
    return draws


def _sample(probe: _Probe, ctx: CheckContext, tolerance: Tolerance | None, integer_checks: tuple[int, ...], *, mode: str, wanted: int, salt: str) -> _Samples:
    if probe.kink_arguments:  # more points follow from the same random stream: drawn for this run only
        draws = _Draws(probe, ctx, tuple(integer_checks), mode, _points_rng(ctx, salt))
    else:
        draws = _draws_for(probe, ctx, integer_checks, mode, salt)
    samples = _Samples()
    for attempt in range(MAX_ATTEMPTS if mode == "fp" else wanted * 3):
        if len(samples.valid) >= wanted:
            break
        env = draws.point(attempt)
        expected = submitted = None
        try:
            expected = _finite_value(probe.expected.evaluate(env), mode)
            scale = probe.expected.scale
        except EvaluationError:
            scale = 0.0
        try:
            submitted = _finite_value(probe.submitted.evaluate(env), mode)
            scale = max(scale, probe.submitted.scale)
        except EvaluationError:
            pass
        if expected is None or submitted is None:
            if (expected is None) != (submitted is None):
                samples.one_sided += 1
            samples.undefined += 1
            continue
        agree = _close(expected, submitted, float(scale), tolerance, mode, probe.has_floats)
        samples.valid.append((env, expected, submitted, agree))
    if probe.kink_arguments:
        _cover_kink_signs(probe, ctx, tolerance, integer_checks, draws.rng, samples)
    return samples


KINK_SEARCH_DRAWS = 200  # random points searched for a missing side of a kink of several symbols
KINK_EXTRA_POINTS = 8


def _across(symbol: sympy.Symbol, root: Compiled, env: dict[Any, Any], ctx: CheckContext, rng: random.Random,
            below: bool) -> float | None:
    """A value of ``symbol`` below (or above) where it crosses a kink, the other symbols
    as drawn; None when that side is outside its domain (or it is an integer symbol)."""
    bounds = _continuous_bounds(symbol, ctx)
    crossing = _fp_value(root, env)
    if bounds is None or crossing is None:
        return None
    low, high = bounds
    reach = max(1.0, abs(crossing))
    start, end = (max(low, crossing - reach), min(crossing, high)) if below else (max(crossing, low), min(high, crossing + reach))
    if not start < end:
        return None
    value = start + (end - start) * rng.uniform(0.05, 0.95)
    return value if low < value < high else None


def _continuous_bounds(symbol: sympy.Symbol, ctx: CheckContext) -> tuple[float, float] | None:
    """The open range a real symbol is drawn from (None for integer symbols)."""
    spec = spec_for(symbol, ctx)
    if spec.domain in (Domain.integer, Domain.positive_integer):
        return None
    if spec.domain in (Domain.positive, Domain.nonnegative):
        return 0.0, math.inf
    if spec.domain is Domain.interval and spec.low is not None and spec.high is not None:
        return spec.low, spec.high
    return -math.inf, math.inf


def _fp_value(compiled: Compiled, env: dict[Any, Any]) -> Any | None:
    """A compiled expression's real float value at ``env``; None where it is not defined."""
    try:
        return _finite_value(compiled.evaluate(env), "fp")
    except EvaluationError:
        return None


def _signs(probe: _Probe, env: dict[Any, Any]) -> tuple[int, ...] | None:
    signs = []
    for argument in probe.kink_arguments:
        value = _fp_value(argument, env)
        if value is None:
            return None
        signs.append(1 if value > 0 else -1 if value < 0 else 0)
    return tuple(signs)


def _cover_kink_signs(probe: _Probe, ctx: CheckContext, tolerance: Tolerance | None, integer_checks: tuple[int, ...],
                      rng: random.Random, samples: _Samples) -> None:
    """Kinks of several symbols (``|x - y|``, ``max(x, y)``, ``relu(w x + b)``): the
    random points may all fall on one side (x in (0, 1000), y in (0, 1): x > y almost
    always), so that ``|x - y|`` and ``x - y`` agree everywhere they were compared. Search
    more points and add those with a sign pattern of the kink arguments not seen yet."""
    seen = {_signs(probe, env) for env, *_rest in samples.valid}
    added = 0
    for attempt in range(KINK_SEARCH_DRAWS):
        if added >= KINK_EXTRA_POINTS:
            break
        env = _draw_env(probe, ctx, rng, integer_checks, MAX_ATTEMPTS + attempt, "fp")
        if probe.kink_roots and attempt % 4:  # three draws in four: one symbol moved across a kink
            move = attempt - attempt // 4 - 1  # 0, 1, 2, ... over the moving draws
            symbol, root = probe.kink_roots[(move // 2) % len(probe.kink_roots)]
            moved = _across(symbol, root, env, ctx, rng, below=move % 2 == 0)
            if moved is None:
                continue
            env[symbol] = moved
        pattern = _signs(probe, env)
        if pattern is None or pattern in seen:
            continue
        seen.add(pattern)
        try:
            expected = _finite_value(probe.expected.evaluate(env), "fp")
            scale = probe.expected.scale
            submitted = _finite_value(probe.submitted.evaluate(env), "fp")
            scale = max(scale, probe.submitted.scale)
        except EvaluationError:
            continue
        if expected is None or submitted is None:
            continue
        samples.valid.append((env, expected, submitted, _close(expected, submitted, float(scale), tolerance, "fp", probe.has_floats)))
        added += 1


def _diagnose(samples: _Samples) -> dict[str, Any]:
    """Constant factor or constant offset between the sides (scalar answers)."""
    pairs = [(float(e), float(s)) for _env, e, s, _ok in samples.valid if not isinstance(e, np.ndarray)]
    if len(pairs) < 3:
        return {}
    if all(e != 0 for e, _s in pairs):
        ratios = [s / e for e, s in pairs]
        if max(ratios) - min(ratios) <= 1e-7 * max(1.0, abs(ratios[0])) and abs(ratios[0] - 1) > 1e-7:
            return {"factor": ratios[0]}
    offsets = [s - e for e, s in pairs]
    if max(offsets) - min(offsets) <= 1e-7 * max(1.0, max(abs(e) for e, _s in pairs)):
        return {"offset": offsets[0]}
    return {}


def _different(samples: _Samples, stage: str) -> Equivalence:
    failing = [(env, e, s) for env, e, s, ok in samples.valid if not ok]
    env, _expected_value, submitted_value = failing[0]
    diagnosis = _diagnose(samples)
    names = _point_names(env)
    where = ", ".join(names[:4])
    message = f"not equivalent to the expected answer: it differs at {len(failing)} of {len(samples.valid)} test points"
    if where:
        message += f" (e.g. at {where} yours is {_format_value(submitted_value)})"
    if "factor" in diagnosis:
        message += "; it is " + ("the negative of the expected answer" if abs(diagnosis["factor"] + 1) < 1e-7 else "off by a constant factor")
    elif "offset" in diagnosis:
        message += "; it is off by a constant"
    evidence: dict[str, Any] = {
        "stage": stage,
        "points_checked": len(samples.valid),
        "points_differing": len(failing),
        "point": ", ".join(names[:20]),
        "expected_value": _format_value(_expected_value),
        "submitted_value": _format_value(submitted_value),
        **diagnosis,
    }
    return Equivalence("different", message, len(samples.valid), evidence)


# --------------------------------------------------------------------------- proof


def _proof_steps(difference: sympy.Basic) -> list[tuple[str, Callable[[], Any]]]:
    if isinstance(difference, MatrixExpr):
        return [
            ("doit", lambda: difference.doit()),
            ("expand", lambda: difference.expand().doit()),
            ("simplify", lambda: sympy.simplify(difference)),
        ]
    steps: list[tuple[str, Callable[[], Any]]] = [
        ("expand", lambda: sympy.expand(difference)),
        ("cancel", lambda: sympy.cancel(sympy.together(difference))),
        ("rewrite exp", lambda: sympy.cancel(sympy.together(sympy.expand(difference.rewrite(sympy.exp))))),
        ("simplify", lambda: sympy.simplify(difference)),
        ("simplify exp", lambda: sympy.simplify(sympy.expand(difference.rewrite(sympy.exp)))),
        ("expand_log", lambda: sympy.simplify(sympy.logcombine(sympy.expand_log(difference)))),
        ("trigsimp", lambda: sympy.trigsimp(difference)),
        ("powsimp", lambda: sympy.simplify(sympy.powdenest(sympy.powsimp(difference)))),
    ]
    steps[2:2] = extra_proof_steps(difference)  # inverse functions as logs, radicals, arctangent constants
    if difference.has(sympy.Sum, sympy.Product):
        # Sums with symbolic bounds: sympy proves them by evaluating them (doit) or not at
        # all; the general simplifiers only burn the budget. Numeric checks at several
        # concrete bounds follow.
        return [
            ("doit", lambda: _evaluate_sums(difference)),
            ("expand", lambda: sympy.expand(difference)),
        ]
    return steps


def _evaluate_sums(difference: sympy.Basic) -> sympy.Basic:
    """Closed forms of the sums, simplified only when none is left unevaluated."""
    evaluated = _generic_branch(difference.doit())
    if evaluated.has(sympy.Sum, sympy.Product):
        return sympy.expand(evaluated)
    return sympy.simplify(evaluated)


def _generic_branch(expr: sympy.Basic) -> sympy.Basic:
    """Piecewise((a, Eq(s, 1)), (b, True)) -> b: equal except on a set of measure zero.

    sympy's closed forms of sums (geometric series) carry such special cases; the answer
    is compared where it is defined, as with cancel(x**2/x) == x.
    """

    def generic(node: Any) -> Any:
        *special, last = node.args
        if last[1] is sympy.true and all(isinstance(cond, sympy.Eq) for _value, cond in special):
            return last[0]
        return node

    return expr.replace(lambda node: isinstance(node, sympy.Piecewise), generic)


def _is_zero(value: Any) -> bool:
    if isinstance(value, MatrixExpr):
        return bool(value.is_ZeroMatrix) or value == sympy.ZeroMatrix(*value.shape)
    if isinstance(value, sympy.MatrixBase):
        return all(item == 0 for item in value)
    return value == 0


def _interval_substitution(difference: sympy.Basic, ctx: CheckContext) -> sympy.Basic | None:
    """Write each interval symbol p in (a, b) as a + (b - a)/(1 + q) with q > 0.

    A bijection of (0, oo) onto (a, b), so a proof for all q > 0 is a proof for all p in
    (a, b); sympy then knows the signs of p - a and b - p (e.g. log(1 - p) for p < 1).
    """
    replacements = {}
    for symbol in difference.free_symbols:
        spec = lookup_spec(ctx.symbols, getattr(symbol, "name", ""))
        if isinstance(symbol, sympy.Symbol) and spec is not None and spec.low is not None and spec.high is not None:
            low, high = sympy.nsimplify(spec.low), sympy.nsimplify(spec.high)
            positive = sympy.Dummy(f"{symbol.name}_q", positive=True)
            replacements[symbol] = low + (high - low) / (1 + positive)
    return difference.xreplace(replacements) if replacements else None


def _prove_zero(difference: sympy.Basic, ctx: CheckContext) -> str | None:
    """The name of the step that reduced ``difference`` to zero, or None."""
    if _is_zero(difference):
        return "structural"
    if not step_allowed():
        return None
    steps = _proof_steps(difference)
    substituted = None if isinstance(difference, MatrixExpr) else _interval_substitution(difference, ctx)
    if substituted is not None:
        steps[2:2] = [(f"interval {name}", step) for name, step in _proof_steps(substituted)[:6] if name in ("expand_log", "simplify", "cancel")]
    # CPU-time budgets (a loaded machine does not cut a step short); the steps cut by their
    # budget get one more try with a larger one before the proof gives up
    cut: list[tuple[str, Callable[[], Any]]] = []
    for step_budget, total in PROOF_PASSES:
        deadline = cpu_seconds() + total * ctx.step_seconds
        for name, step in steps:
            remaining = min(step_budget * ctx.step_seconds, deadline - cpu_seconds())
            if remaining <= 0:
                cut.append((name, step))
                continue
            try:
                with time_limit(remaining):
                    result = step()
            except StepTimeout:
                cut.append((name, step))
                continue
            except MemoryError:
                raise
            except Exception:  # noqa: BLE001 - a sympy step failing is "not proved", never a verdict
                continue
            if _is_zero(result):
                return name
        steps, cut = cut, []
        if not steps:
            break
    return None


def _plain_number(value: sympy.Basic) -> bool:
    if not isinstance(value, sympy.Expr) or value.free_symbols or not value.is_number:
        return False
    try:
        number = complex(sympy.N(value, 30))
    except (TypeError, ValueError, OverflowError):
        return False
    return number.imag == 0 and math.isfinite(number.real)


def _leaf_is_zero(expr: sympy.Basic) -> bool:
    """A case of a proof by cases (no max/min/abs left) is zero: cheap steps, then simplify."""
    if _is_zero(expr):
        return True
    try:
        return bool(sympy.expand(expr) == 0 or sympy.cancel(sympy.together(expr)) == 0 or sympy.simplify(expr) == 0)
    except StepTimeout:
        raise
    except Exception:  # noqa: BLE001 - a sympy step failing is "not proved"
        return False


def _prove_by_cases(expected: sympy.Basic, submitted: sympy.Basic, ctx: CheckContext) -> str | None:
    """Piecewise answers (max, min, abs, sign, Heaviside): a proof by cases on the signs
    of their arguments (``grader.check.piecewise``), within one step budget."""
    if isinstance(expected, MatrixExpr) or not (has_kinks(expected) or has_kinks(submitted)) or not step_allowed():
        return None
    difference = sympy.Add(expected, -submitted)
    try:
        with time_limit(ctx.step_seconds):
            return prove_by_cases(difference, _leaf_is_zero)
    except StepTimeout:
        return None
    except Exception:  # noqa: BLE001 - not proved; the other steps and the numeric confirmation follow
        return None


def _symbol_interval(symbol: sympy.Symbol, ctx: CheckContext) -> sympy.Interval | None:
    """The open interval a scalar symbol's domain is (None when it is not one interval)."""
    spec = spec_for(symbol, ctx)
    if spec.domain is Domain.interval and spec.low is not None and spec.high is not None:
        return sympy.Interval.open(sympy.nsimplify(spec.low), sympy.nsimplify(spec.high))
    if spec.domain in (Domain.positive, Domain.nonnegative):
        return sympy.Interval.open(0, sympy.oo)
    if spec.domain is Domain.real:
        return sympy.Interval.open(-sympy.oo, sympy.oo)
    return None


def _prove_by_derivative(difference: sympy.Basic, ctx: CheckContext) -> bool:
    """One-variable identities with inverse functions (``grader.check.rewrites``), in one step budget."""
    symbols = [symbol for symbol in difference.free_symbols if isinstance(symbol, sympy.Symbol)]
    if len(symbols) != 1 or len(difference.free_symbols) != 1 or not difference.has(*INVERSE_FUNCTIONS) or not step_allowed():
        return False
    domain = _symbol_interval(symbols[0], ctx)
    if domain is None:
        return False
    try:
        with time_limit(ctx.step_seconds):
            return prove_by_derivative(difference, symbols[0], domain, _leaf_is_zero)
    except StepTimeout:
        return False
    except Exception:  # noqa: BLE001 - not proved; the numeric confirmation follows
        return False


def _nonzero_polynomial(difference: sympy.Basic, ctx: CheckContext) -> bool:
    """True when ``difference`` expands to a nonzero polynomial in scalar symbols (or a
    nonzero rational number).

    Every domain is infinite (intervals, integers), so a nonzero polynomial is nonzero
    somewhere on it: the answers differ even if they agreed at every probe point (a term
    ``(n-1)(n-2)(n-3)(n-5)(n-8)`` vanishing on the integers probed).
    """
    if not isinstance(difference, sympy.Expr) or difference.has(sympy.Sum, sympy.Product, AppliedUndef, MatrixSymbol, sympy.Float):
        return False
    symbols = [symbol for symbol in difference.free_symbols if isinstance(symbol, sympy.Symbol)]
    if not step_allowed():
        return False
    try:
        with time_limit(min(ctx.step_seconds, 0.5)):
            expanded = sympy.expand(difference)
            if not symbols:  # a constant: exp(100) vs exp(100) + 1 agree to 43 digits, yet differ
                return bool(expanded.is_Rational and expanded != 0)
            if expanded == 0 or not expanded.is_polynomial(*symbols):
                return False
            coefficients = sympy.Poly(expanded, *symbols).coeffs()
            # rational coefficients only: a constant such as atan(1/2) + atan(2) - pi/2 may be
            # zero without sympy seeing it
            return bool(coefficients) and all(c.is_Rational for c in coefficients) and any(c != 0 for c in coefficients)
    except StepTimeout:
        return False
    except Exception:  # noqa: BLE001 - not a polynomial sympy can handle: no verdict from here
        return False


# --------------------------------------------------------------------------- main entry


def _prepare(expr: sympy.Basic, definitions: FunctionDefs) -> sympy.Basic:
    return canonical_indices(_close_long_sums(apply_functions(expr, definitions)))


LONG_SUM_TERMS = 20_000
LONG_SUM_SECONDS = 1.0


def _close_long_sums(expr: sympy.Basic) -> sympy.Basic:
    """Sums and products with numeric bounds too long to add up term by term (sum of i for
    i up to 10^9) are replaced by their closed form when sympy finds one quickly."""
    if not isinstance(expr, sympy.Basic) or not expr.has(sympy.Sum, sympy.Product) or not step_allowed():
        return expr

    def too_long(node: sympy.Basic) -> bool:
        if not isinstance(node, (sympy.Sum, sympy.Product)):
            return False
        for _variable, low, high in node.limits:
            if low.is_Integer and high.is_Integer and int(high) - int(low) > LONG_SUM_TERMS:
                return True
        return False

    def closed(node: sympy.Basic) -> sympy.Basic:
        try:
            with time_limit(LONG_SUM_SECONDS):
                value = node.doit()
        except (StepTimeout, ArithmeticError, ValueError, TypeError, NotImplementedError, RecursionError):
            return node
        return node if value.has(sympy.Sum, sympy.Product) else value

    return expr.replace(too_long, closed)


def canonical_indices(expr: sympy.Basic, depth: int = 0) -> sympy.Basic:
    """Rename the bound variables of sums and products by nesting depth, so that
    sum_{l=1}^{n} k(l) and sum_{i=1}^{n} k(i) are the same expression (alpha-equivalence)."""
    if not isinstance(expr, sympy.Basic) or not expr.has(sympy.Sum, sympy.Product):
        return expr
    if isinstance(expr, (sympy.Sum, sympy.Product)):
        renamed: dict[sympy.Basic, sympy.Basic] = {}
        limits = []
        for offset, (variable, low, high) in enumerate(expr.limits):
            index = sympy.Symbol(f"__index{depth + offset}", integer=True)  # never a parsed name (dunders are refused)
            low = canonical_indices(low.xreplace(renamed), depth)
            high = canonical_indices(high.xreplace(renamed), depth)
            renamed[variable] = index
            limits.append((index, low, high))
        body = canonical_indices(expr.function.xreplace(renamed), depth + len(limits))
        return type(expr)(body, *limits)
    return expr.func(*[canonical_indices(arg, depth) for arg in expr.args])


@dataclass(frozen=True)
class _Side:
    """What ``_compile_pair`` needs to know about one side, found in one pass and kept per
    expression (the expected side is the same for every answer of a part).

    ``plain``: no abstract function call, no sum/product, no kink (max, min, abs, ...):
    the sides of a pair then need no probe functions, bound symbols or kink points.
    ``free_symbols`` is sympy's set, never mutated; ``matrices`` the matrix symbols in
    the order of a preorder traversal (first occurrences), so a set built from both sides
    iterates as ``atoms(MatrixSymbol)`` of the pair does.
    """

    plain: bool
    free_symbols: set[sympy.Basic]
    matrices: tuple[MatrixSymbol, ...]
    has_floats: bool


@lru_cache(maxsize=1024)
def _side(expr: sympy.Basic) -> _Side:
    matrices: dict[MatrixSymbol, None] = {}
    has_floats = special = False
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, MatrixSymbol):
            matrices[node] = None
        elif isinstance(node, sympy.Float):
            has_floats = True
        elif isinstance(node, (AppliedUndef, sympy.Sum, sympy.Product)):
            special = True
    plain = not special and not has_kinks(expr)
    return _Side(plain, expr.free_symbols, tuple(matrices), has_floats)


@lru_cache(maxsize=4096)
def _printed(symbol: sympy.Basic) -> str:
    """``str(symbol)``, the sort key of probe symbols (printing a symbol is slow)."""
    return str(symbol)


POINT_MEMO = 64  # outcomes kept per compiled side (see numeric.Compiled)


@lru_cache(maxsize=1024)
def _compiled(expr: sympy.Basic, mode: Literal["fp", "mp"], digits: int) -> Compiled:
    """``compile_numeric`` kept per expression, mode and working precision (``digits``:
    mp constants are evaluated at compile time). Compiling is pure; a Compiled object
    keeps the scale of its last evaluation (reset by every call) and its outcomes at the
    last probe points (by the point object; matrix expressions also by the values)."""
    return compile_numeric(expr, mode, memo_size=POINT_MEMO, keyed=bool(_side(expr).matrices))


def _compile_plain_pair(expected: sympy.Basic, submitted: sympy.Basic, mode: Literal["fp", "mp"]) -> _Probe | None:
    """``_compile_pair`` of two plain sides (see ``_Side``) from what is kept per side;
    None when a side is not plain. Gives the same probe as the general path: no probe
    functions, no bounds, no kinks; the same symbol and matrix orders."""
    if not (isinstance(expected, sympy.Basic) and isinstance(submitted, sympy.Basic)):
        return None
    expected_side, submitted_side = _side(expected), _side(submitted)
    if not (expected_side.plain and submitted_side.plain):
        return None
    free: set[sympy.Basic] = set().union(expected_side.free_symbols, submitted_side.free_symbols)
    scalars = sorted((s for s in free if isinstance(s, sympy.Symbol)), key=_printed)
    matrix_set: set[MatrixSymbol] = set()
    for matrix in (*expected_side.matrices, *submitted_side.matrices):
        matrix_set.add(matrix)
    matrices = sorted(matrix_set, key=_printed)
    dimension_symbols = {d for m in matrices for d in m.shape if isinstance(d, sympy.Symbol)}
    scalars = [s for s in scalars if s not in dimension_symbols]
    digits = mpmath.mp.dps
    compiled_expected = _compiled(expected, mode, digits)
    compiled_submitted = _compiled(submitted, mode, digits)
    if compiled_submitted is compiled_expected:  # equal sides: each needs its own scale cell
        compiled_submitted = compile_numeric(submitted, mode)
    return _Probe(
        expected=compiled_expected,
        submitted=compiled_submitted,
        scalars=scalars,
        bounds=[],
        matrices=matrices,
        has_floats=expected_side.has_floats or submitted_side.has_floats,
        kinks={},
    )


def _compile_pair(expected: sympy.Basic, submitted: sympy.Basic, mode: Literal["fp", "mp"], seed: int) -> _Probe:
    """Both sides compiled for numeric probing, with the symbols, bounds, matrices and kinks to sample."""
    plain = _compile_plain_pair(expected, submitted, mode) if _in_main_thread() else None
    return plain if plain is not None else _compile_general_pair(expected, submitted, mode, seed)


def _in_main_thread() -> bool:
    """What is kept between answers (compiled sides with their scale and outcomes, probe
    points) is shared mutable state: used only by the main thread, where the pool workers
    and the CLI check answers; another thread builds its own, as before."""
    return threading.current_thread() is threading.main_thread()


def _compile_general_pair(expected: sympy.Basic, submitted: sympy.Basic, mode: Literal["fp", "mp"], seed: int) -> _Probe:
    probes = probe_definitions(sympy.Tuple(expected, submitted), seed)
    expected_numeric = apply_functions(expected, probes)
    submitted_numeric = apply_functions(submitted, probes)
    both = sympy.Tuple(expected_numeric, submitted_numeric)
    bounds = _bound_symbols(both)
    scalars = sorted((s for s in both.free_symbols if isinstance(s, sympy.Symbol) and s not in bounds), key=str)
    matrices = sorted(both.atoms(MatrixSymbol), key=str)
    dimension_symbols = {d for m in matrices for d in m.shape if isinstance(d, sympy.Symbol)}
    scalars = [s for s in scalars if s not in dimension_symbols]
    return _Probe(
        expected=compile_numeric(expected_numeric, mode),
        submitted=compile_numeric(submitted_numeric, mode),
        scalars=scalars,
        bounds=sorted(bounds, key=str),
        matrices=matrices,
        has_floats=bool(both.atoms(sympy.Float)),
        kinks={symbol: kink_points(both, symbol) for symbol in scalars} if has_kinks(both) else {},
        **(_compile_kinks(both, scalars) if mode == "fp" and not matrices and has_kinks(both) else {}),
    )


def _compile_kinks(both: sympy.Basic, scalars: list[sympy.Symbol]) -> dict[str, Any]:
    """The kink arguments of several symbols, and the roots that cross them, compiled."""
    arguments = kink_arguments(both)
    compiled, roots = [], []
    for argument in arguments:
        try:
            compiled.append(compile_numeric(argument, "fp"))
        except EvaluationError:
            continue
    for symbol, root in kink_roots(arguments):
        if symbol in scalars:
            try:
                roots.append((symbol, compile_numeric(root, "fp")))
            except EvaluationError:
                continue
    return {"kink_arguments": compiled, "kink_roots": roots}


def _as_scalar_if_1x1(expr: sympy.Basic) -> sympy.Basic:
    """A 1x1 matrix expression (g^T H g) as the scalar it stands for, so it can be compared
    with (and subtracted from) a scalar answer."""
    if isinstance(expr, MatrixExpr) and tuple(expr.shape) == (1, 1):
        return sympy.Trace(expr)
    if isinstance(expr, sympy.MatrixBase) and tuple(expr.shape) == (1, 1):
        return expr[0, 0]
    return expr


def _shape(expr: sympy.Basic) -> tuple[Any, ...] | None:
    if isinstance(expr, (MatrixExpr, sympy.MatrixBase)):
        shape = tuple(expr.shape)
        return None if shape == (1, 1) else shape
    return None


def big_o_inner(expr: sympy.Basic) -> sympy.Basic | None:
    """The inside of O(f) / Theta(f) / Omega(f), or None."""
    if isinstance(expr, sympy.Order):
        return expr.expr
    if isinstance(expr, AppliedUndef) and expr.func.__name__ in BIG_O_NAMES and len(expr.args) == 1:
        return expr.args[0]
    return None


def compare_expressions(
    expected: sympy.Basic,
    submitted: sympy.Basic,
    ctx: CheckContext,
    *,
    tolerance: Tolerance | None = None,
    integer_checks: tuple[int, ...] = (1, 2, 3, 5, 8),
) -> Equivalence:
    """Decide whether ``submitted`` equals ``expected`` (see the module docstring)."""
    definitions = defined_functions(ctx)
    expected_inner, submitted_inner = big_o_inner(expected), big_o_inner(submitted)
    if expected_inner is not None:
        if submitted_inner is None:
            return Equivalence("different", "expected an answer in O(...) notation", evidence={"stage": "growth"})
        return _compare_growth(expected_inner, submitted_inner, ctx, definitions)
    if submitted_inner is not None:
        return Equivalence("different", "expected an exact expression, not an O(...) class", evidence={"stage": "growth"})
    expected = _as_scalar_if_1x1(_prepare(expected, definitions))
    submitted = _as_scalar_if_1x1(_prepare(submitted, definitions))
    if tolerance is not None and _plain_number(expected) and _plain_number(submitted):
        # two numbers with a tolerance: decided exactly as the number kind does
        if accepts(submitted, expected, tolerance):
            return Equivalence("proved", "equal within the tolerance", 1, {"stage": "tolerance"})
        return Equivalence("different", "not equal to the expected value within the tolerance", 1, {"stage": "tolerance"})
    expected_shape, submitted_shape = _shape(expected), _shape(submitted)
    if expected_shape != submitted_shape:
        def name(shape: tuple[Any, ...] | None) -> str:
            return "a scalar" if shape is None else "a " + "x".join(map(str, shape)) + " matrix"

        return Equivalence(
            "different",
            f"not equivalent to the expected answer: yours is {name(submitted_shape)}, the expected answer is {name(expected_shape)}",
            evidence={"stage": "shape"},
        )
    try:
        probe = _compile_pair(expected, submitted, "fp", 0)
    except EvaluationError as exc:
        samples, probe_error = _Samples(), str(exc)
    else:
        samples, probe_error = _sample(probe, ctx, tolerance, integer_checks, mode="fp", wanted=FAST_POINTS, salt="fast"), ""
        if any(not ok for *_rest, ok in samples.valid):
            samples = _recheck_precisely(expected, submitted, samples, ctx, tolerance, fp_probe=probe)
            if any(not ok for *_rest, ok in samples.valid):
                return _different(samples, "fast numeric" if not samples.rechecked else "high-precision recheck")
    if is_rational_expression(expected) and is_rational_expression(submitted):
        # rational on both sides: an exact random-point identity test decides
        exact = exact_identity(expected, submitted, ctx.seed)
        if exact == "equal":
            return Equivalence("proved", "equivalent (proved by an exact random-point identity test)", POINTS,
                               {"stage": "identity test", "step": "exact identity test", "points_checked": POINTS})
        if exact == "different" and tolerance is None:  # with a tolerance, "close" may be right
            return Equivalence("different", "not equivalent to the expected answer: very close to it at every test point, but not equal when computed exactly",
                               evidence={"stage": "identity test"})
    proof = _prove_by_cases(expected, submitted, ctx)
    if proof is None:
        proof = _prove_zero(sympy.Add(expected, -submitted) if not isinstance(expected, MatrixExpr) else expected - submitted, ctx)
    if proof is not None:
        return Equivalence("proved", f"equivalent (proved by {proof})", len(samples.valid), {"stage": "symbolic", "step": proof, "points_checked": len(samples.valid)})
    if not isinstance(expected, MatrixExpr) and not isinstance(submitted, MatrixExpr):
        derivative = _prove_by_derivative(sympy.Add(expected, -submitted), ctx)
        if derivative:
            return Equivalence("proved", "equivalent (proved: zero derivative, continuous on the domain, zero at a point)", len(samples.valid),
                               {"stage": "symbolic", "step": "derivative", "points_checked": len(samples.valid)})
    if tolerance is None and not isinstance(expected, MatrixExpr) and _nonzero_polynomial(sympy.Add(expected, -submitted), ctx):
        what = "polynomial" if sympy.Add(expected, -submitted).free_symbols else "number"
        return Equivalence("different", f"not equivalent to the expected answer: the difference simplifies to a nonzero {what}",
                           len(samples.valid), {"stage": "symbolic", "step": "nonzero polynomial difference"})
    if probe_error:
        return Equivalence("undecided", f"could not evaluate the answer numerically ({probe_error}) and could not prove it equivalent", 0, {"stage": "compile", "error": probe_error})
    if len(samples.valid) < MIN_POINTS:
        return Equivalence(
            "undecided",
            f"could not decide: only {len(samples.valid)} of the random test points were in the domain of both expressions",
            len(samples.valid),
            {"stage": "fast numeric", "points_checked": len(samples.valid), "undefined": samples.undefined, "one_sided": samples.one_sided},
        )
    return _confirm(expected, submitted, ctx, tolerance, integer_checks)


def _confirm(expected: sympy.Basic, submitted: sympy.Basic, ctx: CheckContext, tolerance: Tolerance | None, integer_checks: tuple[int, ...]) -> Equivalence:
    with mpmath.workdps(CONFIRM_DIGITS):
        try:
            probe = _compile_pair(expected, submitted, "mp", 1)
        except EvaluationError as exc:
            return Equivalence("undecided", f"could not confirm numerically ({exc})", 0, {"stage": "confirm"})
        samples = _sample(probe, ctx, tolerance, integer_checks, mode="mp", wanted=CONFIRM_POINTS, salt="confirm")
    if any(not ok for *_rest, ok in samples.valid):
        samples = _recheck_precisely(expected, submitted, samples, ctx, tolerance, digits=3 * CONFIRM_DIGITS)
        if any(not ok for *_rest, ok in samples.valid):
            return _different(samples, "high-precision numeric")
    if len(samples.valid) < MIN_POINTS:
        return Equivalence("undecided", "could not decide: too few test points where both answers are defined", len(samples.valid), {"stage": "confirm"})
    return Equivalence(
        "numeric",
        f"equivalent (numerically confirmed at {len(samples.valid)} points with {CONFIRM_DIGITS} digits, not proved)",
        len(samples.valid),
        {"stage": "confirm", "points_checked": len(samples.valid), "digits": CONFIRM_DIGITS},
    )


Exponents = dict[sympy.Symbol, sympy.Rational]


def _leading_monomials(expr: sympy.Basic) -> list[Exponents] | None:
    """The maximal monomials of a polynomial-like expression in size variables.

    ``expr`` is expanded into terms coefficient * product of symbol**rational. A term
    with a negative coefficient must be strictly dominated by a positive one (it is then
    lower order). None when the expression is not of that form (logs, exponentials...).
    """
    terms = sympy.expand(expr).as_coefficients_dict()
    positive: list[Exponents] = []
    negative: list[Exponents] = []
    for monomial, coefficient in terms.items():
        powers = monomial.as_powers_dict() if monomial != 1 else {}
        exponents: Exponents = {}
        for base, power in powers.items():
            if not isinstance(base, sympy.Symbol) or not power.is_Rational:
                return None
            exponents[base] = power
        if not coefficient.is_number or coefficient == 0:
            return None
        (positive if coefficient > 0 else negative).append(exponents)
    if not positive:
        return None

    def dominated(small: Exponents, large: Exponents, strict: bool) -> bool:
        symbols = set(small) | set(large)
        below = all(small.get(symbol, 0) <= large.get(symbol, 0) for symbol in symbols)
        return below and (not strict or small != large)

    if not all(any(dominated(term, other, True) for other in positive) for term in negative):
        return None
    return [term for term in positive if not any(dominated(term, other, True) for other in positive)]


def _same_polynomial_growth(expected: sympy.Basic, submitted: sympy.Basic) -> bool | None:
    """Theta-equivalence of polynomial-like growth (every variable a size >= 1), or None.

    For sums of monomials with positive coefficients in variables >= 1, p = Theta(q) exactly
    when every monomial of p is bounded by a monomial of q (exponents componentwise <=) and
    the other way round.
    """
    expected_terms, submitted_terms = _leading_monomials(expected), _leading_monomials(submitted)
    if expected_terms is None or submitted_terms is None:
        return None

    def covered(terms: list[Exponents], by: list[Exponents]) -> bool:
        return all(
            any(all(term.get(symbol, 0) <= other.get(symbol, 0) for symbol in set(term) | set(other)) for other in by)
            for term in terms
        )

    return covered(expected_terms, submitted_terms) and covered(submitted_terms, expected_terms)


def _compare_growth(expected: sympy.Basic, submitted: sympy.Basic, ctx: CheckContext, definitions: FunctionDefs) -> Equivalence:
    """Big-O: same growth up to a positive constant (and lower-order terms in one variable)."""
    expected = _prepare(expected, definitions)
    submitted = _prepare(submitted, definitions)
    polynomial: bool | None = None
    if step_allowed():  # expanding (a + b)^1000 must not run unbounded
        try:
            with time_limit(ctx.step_seconds):
                polynomial = _same_polynomial_growth(expected, submitted)
        except StepTimeout:
            polynomial = None
    if polynomial is True:
        return Equivalence("proved", "same growth rate", evidence={"stage": "growth", "method": "leading monomials"})
    if polynomial is False:
        return Equivalence("different", "not the same growth rate as the expected answer", evidence={"stage": "growth", "method": "leading monomials"})
    ratio = sympy.Mul(submitted, sympy.Pow(expected, -1))
    variables = sorted(ratio.free_symbols, key=str)
    constant = sympy.Symbol("growth_constant", positive=True)
    try:
        probe = _compile_pair(sympy.Mul(constant, sympy.Integer(1)), ratio, "fp", 0)
    except EvaluationError as exc:
        return Equivalence("undecided", f"could not evaluate the growth rate ({exc})", 0, {"stage": "growth"})
    values = []
    rng = random.Random(ctx.seed)
    for _attempt in range(MAX_ATTEMPTS):
        # growth is about large sizes: every variable log-uniform in [2, 1000]
        env: dict[Any, Any] = {symbol: math.exp(rng.uniform(math.log(2), math.log(1000))) for symbol in (*probe.scalars, *probe.bounds)}
        try:
            value = _finite_value(probe.submitted.evaluate(env), "fp")
        except EvaluationError:
            continue
        if value is not None:
            values.append(float(value))
        if len(values) >= FAST_POINTS:
            break
    evidence: dict[str, Any] = {"stage": "growth", "variables": [str(v) for v in variables]}
    if len(values) >= MIN_POINTS and min(values) > 0 and max(values) - min(values) <= 1e-9 * max(values):
        return Equivalence("proved" if not _has_symbols(ratio, ctx) else "numeric", "same growth rate (equal up to a constant factor)", len(values), evidence)
    if len(variables) == 1 and step_allowed():
        try:
            with time_limit(ctx.step_seconds):
                limit = sympy.limit(ratio, variables[0], sympy.oo)
        except StepTimeout:
            return Equivalence("undecided", "could not decide the growth rate in the time budget", 0, evidence)
        except Exception:  # noqa: BLE001 - sympy failing to find a limit: undecided
            limit = None
        if limit is not None and limit.is_number and limit.is_finite and limit.is_positive:
            return Equivalence("proved", "same growth rate (the ratio tends to a positive constant)", len(values), {**evidence, "limit": str(limit)})
        if limit is not None and limit.is_number:
            return Equivalence("different", "not the same growth rate as the expected answer", len(values), {**evidence, "limit": str(limit)})
        return Equivalence("undecided", "could not decide the growth rate", len(values), evidence)
    return Equivalence("different", "not the same growth rate as the expected answer (compared up to a constant factor)", len(values), evidence)


def _has_symbols(ratio: sympy.Basic, ctx: CheckContext) -> bool:
    """True when the ratio could not be simplified to a constant within the budget."""
    if not step_allowed():
        return True
    try:
        with time_limit(ctx.step_seconds):
            return bool(sympy.simplify(ratio).free_symbols)
    except StepTimeout:
        return True
