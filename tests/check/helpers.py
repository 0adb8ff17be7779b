"""Shared helpers of the checker tests: contexts, hand-built parsed values, parser presence."""

from __future__ import annotations

from typing import Any

import pytest

import grader.parse
from grader.check.base import CheckContext
from grader.parse.values import Parsed
from grader.rubric.models import Domain, FunctionSpec, SymbolSpec, Tolerance, UndecidedPolicy

HAS_PARSER = hasattr(grader.parse, "parse_answer")
needs_parser = pytest.mark.skipif(not HAS_PARSER, reason="grader.parse.parse_answer has not landed yet")


def make_ctx(
    symbols: dict[str, str | SymbolSpec] | None = None,
    functions: dict[str, str | None] | None = None,
    *,
    tolerance: Tolerance | None = None,
    undecided: UndecidedPolicy = UndecidedPolicy.manual_review,
    seed: int = 7,
) -> CheckContext:
    """A CheckContext from short domain names ('positive', 'matrix(3,1)', ...)."""
    specs: dict[str, SymbolSpec] = {}
    for name, domain in (symbols or {}).items():
        if isinstance(domain, SymbolSpec):
            specs[name] = domain
        elif domain.startswith("matrix("):
            rows, cols = (int(part) for part in domain[7:-1].split(","))
            specs[name] = SymbolSpec(shape=(rows, cols))
        else:
            specs[name] = SymbolSpec(domain=Domain(domain))
    function_specs = {name: FunctionSpec(definition=definition) for name, definition in (functions or {}).items()}
    return CheckContext(
        part_id="test.part",
        symbols=specs,
        functions=function_specs,
        tolerance=tolerance or Tolerance(),
        undecided=undecided,
        seed=seed,
    )


def parsed(value: Any, text: str = "") -> Parsed:
    return Parsed(value=value, text=text or str(value), shown=text or str(value))
