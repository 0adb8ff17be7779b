"""Hostile input: code injection, resource exhaustion, limits. Each is Invalid, fast, inert."""

from __future__ import annotations

import builtins
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grader.parse import (
    Invalid,
    Limits,
    ParseContext,
    Parsed,
    SymbolInfo,
    parse_answer,
    parse_number,
)

BIG = ParseContext(limits=Limits(max_length=10**7))

HOSTILE = [
    ("dunder-import", "__import__('os').system('x')", None, "forbidden"),
    ("class-walk", "().__class__", None, "forbidden"),
    ("subclasses", "().__class__.__bases__[0].__subclasses__()", None, "forbidden"),
    ("exec-call", 'exec("1")', None, "forbidden"),
    ("eval-call", "eval(x)", None, "forbidden"),
    ("open-call", "open(x)", None, "forbidden"),
    ("lambda", "lambda: 1", None, "forbidden"),
    ("lambda-args", "lambda x, y: x", None, "forbidden"),
    ("attribute", "x.real", None, "forbidden"),
    ("semicolon", "x; y", None, "forbidden"),
    ("backtick", "`x`", None, "forbidden"),
    ("double-quotes", '"x"', None, "forbidden"),
    ("single-quotes", "'x'", None, "forbidden"),
    ("dunder-name", "x__y", None, "forbidden"),
    ("power-tower", "9**9**9**9", None, "exponent_too_large"),
    ("huge-symbolic-power", "(x+1)**(10**9)", None, "exponent_too_large"),
    ("ten-tower", "10**10**10", None, "exponent_too_large"),
    ("two-to-billion", "2^(10^9)", None, "exponent_too_large"),
    ("irrational-huge-exponent", "2^(pi*10^9)", None, "exponent_too_large"),
    ("many-digit-power", "2^1000", None, "exponent_too_large"),
    ("latex-tower", r"9^{9^{9^{9}}}", None, "exponent_too_large"),
    ("factorial-call", "factorial(10**6)", None, "factorial_too_large"),
    ("factorial-bang", "(10^6)!", None, "factorial_too_large"),
    ("factorial-irrational", "(sqrt(2)*10^5)!", None, "factorial_too_large"),
    ("binomial", "binom(10^6, 5*10^5)", None, "factorial_too_large"),
    ("latex-input", r"\input{/etc/passwd}", None, "forbidden"),
    ("latex-def", r"\def\x{}", None, "forbidden"),
    ("latex-write18", r"\immediate\write18{rm -rf /}", None, "forbidden"),
    ("latex-openin", r"\openin1=/etc/passwd", None, "forbidden"),
    ("latex-catcode", r"\catcode`\@=11", None, "forbidden"),
    ("latex-in-subscript", r"x_{\input{a}}", None, "forbidden"),
    ("one-megabyte", "x" * 10**6, None, "too_long"),
    ("nested-parens", "(" * 10**5 + "x" + ")" * 10**5, BIG, "too_deep"),
    ("nested-parens-default-limits", "(" * 10**5 + "x" + ")" * 10**5, None, "too_long"),
    ("nested-braces", "{" * 10**5 + "x" + "}" * 10**5, BIG, "too_deep"),
    ("unary-chain", "-" * 10**5 + "x", BIG, "too_deep"),
    ("power-chain", "x" + "^x" * 10**4, BIG, "too_deep"),
    ("sqrt-chain", r"\sqrt" * 10**4 + "{x}", BIG, "too_deep"),
    ("abs-chain", "|" * 2000 + "x" + "|" * 2000, BIG, "too_deep"),
    ("million-elements", "[" + ",".join(["1"] * 10**6) + "]", BIG, "too_many_elements"),
    ("many-nodes", "x+" * 6000 + "x", BIG, "too_many_nodes"),
    ("long-integer", "1" * 100, None, "too_many_digits"),
    ("million-digit-integer", "7" * 10**6, BIG, "too_many_digits"),
    ("scientific-exponent", "1e999999", None, "exponent_too_large"),
    ("product-of-huge-numbers", "(10^60)*" * 400 + "1", None, "too_many_digits"),
    ("ragged-lists", "matrix([[1, 2], [3]])", None, "ragged"),
    ("ragged-latex", r"\begin{bmatrix} 1 & 2 \\ 3 \end{bmatrix}", None, "ragged"),
    ("matrix-power", r"\begin{bmatrix} 1 & 1 \\ 1 & 1 \end{bmatrix}^{1000}", None, "exponent_too_large"),
    ("non-string", None, None, "type"),
]


WARM_UP = (
    r"\sqrt{\frac{2}{d}} + \sum_{i=1}^{n} i^2 + \begin{bmatrix}1&2\end{bmatrix}",
    "sigmoid(x) + O(n^2) + relu(y) + |x| + n! + binom(n, 2) + sin(x)^2 + log(x, 2)",
    "(x+1)^(1/3) + 2^pi + floor(x) + max(x, y) + product(k, k, 1, n) + 0.5 + 1e-3",
)


@pytest.fixture
def no_code_execution(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Make eval/exec of source text raise (and record) while the parser runs.

    sympy imports some modules lazily, and importing executes the module's code object
    (compiled from its file) through ``exec``; that is allowed. Anything else (a string,
    or code compiled from a string) is recorded and refused. A warm-up parse first
    triggers most lazy imports.
    """
    for text in WARM_UP:
        parse_answer(text)
    calls: list[str] = []
    real_exec = builtins.exec

    def is_module_code(args: tuple) -> bool:  # type: ignore[type-arg]
        code = args[0] if args else None
        filename = getattr(code, "co_filename", "<string>")
        return not isinstance(code, str) and not filename.startswith("<")

    def guard_eval(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(f"eval{args[:1]!r}")
        raise AssertionError("eval called during parsing")

    def guard_exec(*args, **kwargs):  # type: ignore[no-untyped-def]
        if is_module_code(args):
            return real_exec(*args, **kwargs)
        calls.append(f"exec{args[:1]!r}")
        raise AssertionError("exec called during parsing")

    monkeypatch.setattr(builtins, "eval", guard_eval)
    monkeypatch.setattr(builtins, "exec", guard_exec)
    yield calls


@pytest.mark.parametrize(
    ("text", "context", "code"), [h[1:] for h in HOSTILE], ids=[h[0] for h in HOSTILE]
)
def test_hostile_input_is_invalid_and_inert(
    text: str, context: ParseContext | None, code: str, no_code_execution: list[str]
) -> None:
    # the code names the limit that stopped it (checked before the work it guards); how
    # fast that is depends on the machine, so speed is measured in benchmarks/, not here
    result = parse_answer(text, context)
    assert isinstance(result, Invalid), result
    assert result.code == code, result.reason
    assert no_code_execution == []


def test_one_megabyte_is_rejected_before_any_other_work(monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.parse import api

    def no_work(*_args: object, **_kwargs: object) -> object:
        raise AssertionError("an over-long answer reached the parser")

    monkeypatch.setattr(api, "normalize", no_work)
    monkeypatch.setattr(api, "_parse_clean", no_work)
    result = parse_answer("x" * 10**6)
    assert isinstance(result, Invalid) and result.code == "too_long"


def test_parse_number_is_guarded_too(no_code_execution: list[str]) -> None:
    for text in ("__import__('os')", "9**9**9**9", "1" * 10**6, "(" * 5000 + ")" * 5000):
        result = parse_number(text)
        assert isinstance(result, Invalid), text
    assert no_code_execution == []


def test_normal_answers_parse_while_eval_is_forbidden(no_code_execution: list[str]) -> None:
    for text in (r"\sqrt{\frac{2}{d}}", "sigmoid(x) + O(n^2)", r"\begin{bmatrix}1&2\end{bmatrix}", "f"):
        assert not isinstance(parse_answer(text), Invalid), text
    assert no_code_execution == []


def test_limits_are_configurable() -> None:
    strict = ParseContext(limits=Limits(max_length=10, max_digits=3, max_exponent=5, max_factorial=4))
    assert parse_answer("x" * 11, strict).code == "too_long"  # type: ignore[union-attr]
    assert parse_answer("1234", strict).code == "too_many_digits"  # type: ignore[union-attr]
    assert parse_answer("x^6", strict).code == "exponent_too_large"  # type: ignore[union-attr]
    assert parse_answer("5!", strict).code == "factorial_too_large"  # type: ignore[union-attr]
    assert not isinstance(parse_answer("x^5 + 4!", strict), Invalid)
    shallow = ParseContext(limits=Limits(max_depth=2))
    assert not isinstance(parse_answer("((x))", shallow), Invalid)
    assert parse_answer("(((x)))", shallow).code == "too_deep"  # type: ignore[union-attr]


def test_internal_errors_never_escape(monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.parse import build

    def broken(self, node):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    monkeypatch.setattr(build.Builder, "build_value", broken)
    result = parse_answer("x + 1")
    assert isinstance(result, Invalid) and result.code == "internal"


_PIECES = list("0123456789xyzabeTt+-*/^_()[]{}|,=!%.' ") + [
    r"\frac", r"\sqrt", r"\left(", r"\right)", r"\left|", r"\right|", r"\sum", r"\prod", "_{",
    "^{", r"\alpha", r"\hat", r"\mathbf", r"\begin{bmatrix}", r"\end{bmatrix}", "&", r"\\",
    r"\cdot", r"\text{", "sin", "log", "exp", "sqrt", "max", "matrix", "sum", "hat", "√", "²",
    "α", "‖", r"\|", r"\log_", r"\operatorname{", "pi", "lambda", "10^", "**", r"\%", "$",
    r"\top", r"\infty", "O(", r"\binom", r"\lfloor", r"\rfloor", "1e5", "0.5", "96,096", "x_1",
]  # fmt: skip
_FUZZ_CONTEXT = ParseContext(
    symbols={
        "x": SymbolInfo("x"),
        "y": SymbolInfo("y", positive=True),
        "A": SymbolInfo("A", shape=(2, 2)),
        "T": SymbolInfo("T"),
    },
    functions=frozenset({"f"}),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(_PIECES), max_size=25).map("".join), st.booleans())
def test_fuzz_never_raises_or_fails_internally(text: str, declared: bool) -> None:
    context = _FUZZ_CONTEXT if declared else None
    for function in (parse_answer, parse_number):
        result = function(text, context)
        assert isinstance(result, (Invalid, Parsed))
        if isinstance(result, Invalid):
            assert result.code != "internal", (text, result.reason)
        else:
            assert isinstance(result.shown, str)
