"""Arrays of expressions (issue 10 item 7): a symbolic Jacobian, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import run_grader

from .helpers import needs_parser

pytestmark = needs_parser

RUBRIC = Path(__file__).parent / "data" / "symbolic-jacobian.yaml"


@pytest.mark.torch  # the key is built from autograd.jacobian
def test_rubric_with_a_symbolic_jacobian_passes_its_self_tests() -> None:
    # the key is built by the reference call without a point (sympy differentiation)
    result = run_grader("rubric", "test", str(RUBRIC))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("7 passed, 0 failed"), result.stdout


COMPARE_CASES = [
    ("same entries", "[[cos(pi*x2), 0], [x2, x1]]", r"J = \begin{bmatrix} \cos(\pi x_2) & 0 \\ x_2 & x_1 \end{bmatrix}", "correct", None),
    ("equivalent entries", "[[cos(pi*x2), 0], [x2, x1]]", "[[1 - 2 sin(pi*x2/2)^2, 0], [x2, x1]]", "correct", None),
    ("transposed", "[[cos(pi*x2), 0], [x2, x1]]", "[[cos(pi*x2), x2], [0, x1]]", "wrong", "transpose"),
    ("wrong shape", "[[cos(pi*x2), 0], [x2, x1]]", "[[cos(pi*x2), 0, x2, x1]]", "wrong", "wrong shape"),
    ("numbers for expressions", "[[cos(pi*x2), 0], [x2, x1]]", "[[1, 0], [2, 1]]", "wrong", "entries wrong"),
    ("expressions for numbers", "[[1, 0], [2, 1]]", "[[x1, 0], [2, 1]]", "invalid", "not a real number"),
]


@pytest.mark.parametrize(("expected", "answer", "status", "fragment"), [c[1:] for c in COMPARE_CASES], ids=[c[0] for c in COMPARE_CASES])
def test_compare_kind_array_with_expressions(expected: str, answer: str, status: str, fragment: str | None) -> None:
    result = run_grader("compare", "--kind", "array", "--symbol", "x1:real", "--symbol", "x2:real", expected, answer, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    verdict = json.loads(result.stdout)
    assert verdict["status"] == status, verdict
    if fragment:
        assert fragment in verdict["feedback"], verdict
