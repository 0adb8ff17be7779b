"""The one domain parser (issue 9, item 2): rubric symbols, ``grader compare --symbol``
and the batch contract read ``interval(-2, 3)`` the same way, signs and exponents kept."""

from __future__ import annotations

import json
import math

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from grader.check.compare import run_batch_lines
from grader.cli.compare import compare
from grader.rubric.domains import DomainError, parse_domain
from grader.rubric.models import Domain, SymbolSpec

DOMAIN_CASES = [
    ("positive", {"domain": "positive"}),
    ("Positive Integer", {"domain": "positive_integer"}),
    ("positive-integer", {"domain": "positive_integer"}),
    ("positive_integer", {"domain": "positive_integer"}),
    ("nonnegative", {"domain": "nonnegative"}),
    ("real", {"domain": "real"}),
    ("interval(0, 1)", {"domain": "interval", "low": 0.0, "high": 1.0}),
    ("interval(-2,3)", {"domain": "interval", "low": -2.0, "high": 3.0}),
    ("interval( -2.5 , -0.5 )", {"domain": "interval", "low": -2.5, "high": -0.5}),
    ("(-1e-3, 2E2)", {"domain": "interval", "low": -0.001, "high": 200.0}),
    ("interval(+1, 2)", {"domain": "interval", "low": 1.0, "high": 2.0}),
    ("interval(-.5, .5)", {"domain": "interval", "low": -0.5, "high": 0.5}),
    ("matrix(3,1)", {"shape": (3, 1)}),
    ("identity", {"identity": True}),
]


@pytest.mark.parametrize(("text", "fields"), DOMAIN_CASES, ids=[c[0] for c in DOMAIN_CASES])
def test_parse_domain(text: str, fields: dict) -> None:
    assert parse_domain(text) == fields


BAD_DOMAINS = ["bogus", "interval(3, -2)", "interval(1, 1)", "interval(-2)", "interval(a, b)", "matrix(0, 2)", "interval(--2, 3)", ""]


@pytest.mark.parametrize("text", BAD_DOMAINS)
def test_bad_domains_are_errors(text: str) -> None:
    with pytest.raises(DomainError):
        parse_domain(text)


bounds = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=200, deadline=None)
@given(low=bounds, high=bounds, spaces=st.sampled_from(["", " ", "  "]), prefix=st.sampled_from(["interval", "Interval", ""]))
def test_interval_bounds_round_trip(low: float, high: float, spaces: str, prefix: str) -> None:
    text = f"{prefix}({spaces}{low!r}{spaces},{spaces}{high!r}{spaces})"
    if not low < high:
        with pytest.raises(DomainError):
            parse_domain(text)
        return
    fields = parse_domain(text)
    assert fields == {"domain": "interval", "low": low, "high": high}
    # the rubric reads the same text to the same symbol
    assert SymbolSpec.model_validate(text) == SymbolSpec(domain=Domain.interval, low=low, high=high)


@settings(max_examples=100, deadline=None)
@given(low=st.integers(-10**6, 10**6), width=st.integers(1, 10**6), exponent=st.integers(-5, 5))
def test_scientific_bounds(low: int, width: int, exponent: int) -> None:
    high = low + width
    fields = parse_domain(f"interval({low}e{exponent}, {high}e{exponent})")
    assert math.isclose(fields["low"], low * 10.0**exponent) and math.isclose(fields["high"], high * 10.0**exponent)
    assert fields["low"] < fields["high"]


@settings(max_examples=50, deadline=None)
@given(name=st.sampled_from(["positive", "nonnegative", "nonzero", "integer", "positive_integer", "real"]), separator=st.sampled_from([" ", "-", "_"]), upper=st.booleans())
def test_simple_domains_any_spelling(name: str, separator: str, upper: bool) -> None:
    text = name.replace("_", separator)
    text = text.upper() if upper else text
    assert parse_domain(text) == {"domain": name}
    assert SymbolSpec.model_validate(text).domain is Domain(name)


def test_rubric_symbol_written_as_text() -> None:
    assert SymbolSpec.model_validate("interval(-2, 3)") == SymbolSpec(domain=Domain.interval, low=-2, high=3)


# abs(x) equals x only on a domain with no negative numbers: the sign of a bound matters.
SIGN_CASES = [
    ("abs(x)", "x", "interval(-2,3)", "wrong"),
    ("abs(x)", "x", "interval(-0.001,3)", "wrong"),
    ("abs(x)", "x", "interval(0,3)", "correct"),
    ("abs(x)", "-x", "interval(-3,-1e-2)", "correct"),
    ("abs(x)", "x", "interval(-3,-1e-2)", "wrong"),
]


@pytest.mark.parametrize(("expected", "answer", "domain", "status"), SIGN_CASES, ids=[f"{c[0]} vs {c[1]} on {c[2]}" for c in SIGN_CASES])
def test_compare_cli_keeps_the_sign_of_bounds(expected: str, answer: str, domain: str, status: str) -> None:
    result = CliRunner().invoke(compare, ["--symbol", f"x:{domain}", "--json", "--", expected, answer])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["status"] == status


@pytest.mark.parametrize(("expected", "answer", "domain", "status"), SIGN_CASES, ids=[f"{c[0]} vs {c[1]} on {c[2]}" for c in SIGN_CASES])
def test_batch_contract_keeps_the_sign_of_bounds(expected: str, answer: str, domain: str, status: str) -> None:
    line = json.dumps({"id": "c", "kind": "expression", "gold": expected, "answer": answer, "symbols": {"x": domain}})
    assert run_batch_lines([line], workers=0)[0]["status"] == status


# Bounds are 0 or at least 1e-6 away from it: below that, |x| - x on the negative part is
# smaller than the checker's absolute floor for "zero" (1e-12 in floats, 1e-38 at 50 digits).
bound_values = st.one_of(
    st.just(0.0),
    st.floats(min_value=1e-6, max_value=50, allow_nan=False),
    st.floats(min_value=-50, max_value=-1e-6, allow_nan=False),
)


@settings(max_examples=12, deadline=None)
@given(low=bound_values, width=st.floats(min_value=0.01, max_value=100, allow_nan=False))
def test_abs_vs_identity_follows_the_sign_of_random_bounds(low: float, width: float) -> None:
    """|x| equals x exactly when the interval has no negative numbers, whatever its bounds."""
    high = low + width
    if not low < high:
        return
    domain = f"interval({low!r}, {high!r})"
    line = json.dumps({"id": "p", "kind": "expression", "gold": "abs(x)", "answer": "x", "symbols": {"x": domain}})
    status = run_batch_lines([line], workers=0)[0]["status"]
    assert status == ("correct" if low >= 0 else "wrong"), (domain, status)
