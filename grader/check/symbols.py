"""Rubric symbols and functions, seen by the checkers.

- ``sampler_for``: where random probing draws a symbol's values (its rubric domain, or the
  sympy assumptions the parser gave it when the rubric does not declare it);
- ``matrix_sample``: random non-square arrays for matrix symbols;
- ``defined_functions``: FunctionSpec definitions (``sigma(x) := 1/(1+exp(-x))``) parsed once
  and substituted into answers;
- ``probe_function``: for an abstract function (no definition), a fixed random smooth
  function of its arguments, seeded by its name, substituted identically on both sides for
  numeric probing only (a symbolic proof keeps the function abstract).
"""

from __future__ import annotations

import math
import random
import zlib
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import numpy as np
import sympy
from sympy.core.function import AppliedUndef

from grader.check.base import CheckContext
from grader.check.parsing import ExpectedValueError, lookup_spec, parse_expected
from grader.parse import canonical_name
from grader.parse.values import Invalid
from grader.rubric.models import Domain, SymbolSpec

__all__ = [
    "domain_spec",
    "Sampler",
    "apply_functions",
    "defined_functions",
    "matrix_sample",
    "probe_function",
    "sampler_for",
    "spec_for",
]

Sampler = Callable[[random.Random], float]

INTEGER_VALUES = tuple(range(1, 13))


def domain_spec(domain: Domain) -> SymbolSpec:
    """A SymbolSpec with only a domain."""
    return SymbolSpec.model_validate({"domain": domain.value})


def _log_uniform(rng: random.Random, low: float = 0.1, high: float = 10.0) -> float:
    return math.exp(rng.uniform(math.log(low), math.log(high)))


def _spec_sampler(spec: SymbolSpec) -> Sampler:
    domain = spec.domain
    if domain is Domain.positive or domain is Domain.nonnegative:
        return _log_uniform
    if domain is Domain.nonzero:
        return lambda rng: rng.choice((-1.0, 1.0)) * _log_uniform(rng)
    if domain is Domain.positive_integer:  # mostly small; sometimes larger, so a term that vanishes on 1..12 is seen
        return lambda rng: float(rng.choice(INTEGER_VALUES) if rng.random() < 0.75 else rng.randint(13, 40))
    if domain is Domain.integer:
        return lambda rng: float(rng.randint(-12, 12) if rng.random() < 0.75 else rng.choice((-1, 1)) * rng.randint(13, 40))
    if domain is Domain.interval:
        low, high = float(spec.low or 0.0), float(spec.high or 1.0)
        return lambda rng: low + (high - low) * rng.uniform(0.02, 0.98)
    # real: both signs, magnitudes spread over two decades
    return lambda rng: rng.choice((-1.0, 1.0)) * _log_uniform(rng, 0.05, 10.0)


def spec_for(symbol: sympy.Symbol, ctx: CheckContext) -> SymbolSpec:
    """The rubric spec of a symbol, or one derived from the symbol's sympy assumptions.

    Rubric symbols are found by canonical name (the parser's ``p_{data}`` is the rubric's
    ``p_data``), see ``grader.check.parsing.lookup_spec``.
    """
    spec = lookup_spec(ctx.symbols, symbol.name)
    if spec is not None:
        return spec
    for candidate in ctx.symbols.values():
        if symbol.name in candidate.aliases:
            return candidate
    if symbol.is_integer and symbol.is_positive:
        return domain_spec(Domain.positive_integer)
    if symbol.is_integer:
        return domain_spec(Domain.integer)
    if symbol.is_positive or symbol.is_nonnegative:
        return domain_spec(Domain.positive)
    if symbol.is_nonzero and symbol.is_real:
        return domain_spec(Domain.nonzero)
    return domain_spec(Domain.real)


def sampler_for(symbol: sympy.Symbol, ctx: CheckContext) -> Sampler:
    """Random values for one scalar symbol."""
    return _spec_sampler(spec_for(symbol, ctx))


def matrix_sample(shape: tuple[int, int], rng: random.Random) -> np.ndarray:
    """A random float matrix (standard normal entries) of the given shape."""
    generator = np.random.default_rng(rng.getrandbits(63))
    return generator.standard_normal(shape)


# --------------------------------------------------------------------------- functions


FunctionDefs = dict[str, tuple[tuple[sympy.Symbol, ...], sympy.Expr]]


def defined_functions(ctx: CheckContext) -> FunctionDefs:
    """Parse each FunctionSpec definition (cached by the parser layer)."""
    definitions: FunctionDefs = {}
    for name, spec in ctx.functions.items():
        if spec.definition is None:
            continue
        extra = {arg: domain_spec(Domain.real) for arg in spec.args}
        parsed = parse_expected(spec.definition, ctx, allow_equation=False, extra_symbols=extra)
        if isinstance(parsed, Invalid):
            raise ExpectedValueError(ctx.part_id, f"function {name}: cannot read definition: {parsed.reason}")
        body = parsed.value
        if not isinstance(body, sympy.Expr):
            raise ExpectedValueError(ctx.part_id, f"function {name}: definition is not an expression")
        by_name = {symbol.name: symbol for symbol in body.free_symbols if isinstance(symbol, sympy.Symbol)}
        names = tuple(canonical_name(arg) for arg in spec.args)
        arguments = tuple(by_name.get(arg, sympy.Symbol(arg, real=True)) for arg in names)
        definitions[name] = (arguments, body)
    return definitions


@lru_cache(maxsize=256)  # immutable sympy values, the same for the same arguments: built once
def probe_function(name: str, arity: int, seed: int = 0) -> tuple[tuple[sympy.Symbol, ...], sympy.Expr]:
    """A fixed random smooth function of ``arity`` arguments, seeded by its name.

    A sum of phase-shifted sines and one exponential of a mix of the arguments, with
    rational coefficients: no parity, no homogeneity, not a polynomial, so a wrong use
    of an abstract function (f(2x) vs 2f(x), f(-x) vs -f(x), f(x, y) vs f(y, x)) shows.
    """
    rng = random.Random(zlib.crc32(f"{name}/{arity}/{seed}".encode()))

    def rational(low: float, high: float) -> sympy.Rational:
        return sympy.Rational(round(rng.uniform(low, high) * 64), 64)

    arguments = tuple(sympy.Dummy(f"{name}_arg{i}", real=True) for i in range(arity))
    body: sympy.Expr = rational(-1, 1)
    for argument in arguments:
        body += rational(0.5, 1.5) * sympy.sin(rational(0.6, 1.4) * argument + rational(0.2, 1.2))
    mix = sum((rational(0.1, 0.35) * argument for argument in arguments), sympy.Integer(0))
    body += rational(0.3, 0.8) * sympy.exp(mix)
    return arguments, body


def apply_functions(expr: sympy.Basic, definitions: FunctionDefs) -> sympy.Basic:
    """Replace calls of named functions by their definitions (then evaluate derivatives)."""
    if not definitions or not expr.has(AppliedUndef):
        return expr

    def is_defined(node: Any) -> bool:
        return isinstance(node, AppliedUndef) and node.func.__name__ in definitions

    def expand(node: Any) -> Any:
        arguments, body = definitions[node.func.__name__]
        if len(arguments) != len(node.args):
            return node
        return body.xreplace(dict(zip(arguments, node.args, strict=False)))

    replaced = expr.replace(is_defined, expand)
    if replaced.has(sympy.Derivative):
        replaced = replaced.doit(deep=True)
    return replaced


def probe_definitions(expr: sympy.Basic, seed: int = 0) -> FunctionDefs:
    """Probe functions for every abstract function call left in ``expr``."""
    found: FunctionDefs = {}
    for node in expr.atoms(AppliedUndef):
        name = node.func.__name__
        if name not in found:
            found[name] = probe_function(name, len(node.args), seed)
    return found
