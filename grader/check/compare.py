"""The library behind ``grader compare``: check one answer against an expected value, or a
JSONL batch of them (the click command is ``grader.cli.compare``).

One pair::

    grader compare "tanh(x)" "2*sigma(2x) - 1" --function "sigma=1/(1+exp(-x))"
    grader compare "[[1, 2], [3, 4]]" "[[1, 3], [2, 4]]" --kind array --json

Batch (each line ``{"id", "kind", "gold", "answer", "symbols"?, "functions"?, "rtol"?,
"atol"?, "sigfigs"?, "decimals"?, "undecided"?, "partial_credit"?, "element"?}``, the
part options a rubric has, with the rubric's defaults; one output line ``{"id", "score",
"status", "feedback", "parsed", "seconds"}`` per input line, in order, even for malformed
or hostile lines; a line with an unusable option is "invalid" and says which)::

    grader compare --batch cases.jsonl --output verdicts.jsonl --workers 2 --timeout 10

Every check runs through ``grader.check.pool.run_tasks``, so a hostile answer costs at
most its budget. The exit code is 0 whatever the verdicts (2 on usage errors).
"""

from __future__ import annotations

import json
import re
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.rubric.domains import parse_domain

__all__ = ["CompareCase", "case_problem", "compare_batch", "compare_case", "compare_supervised", "parse_domain", "run_batch_lines"]

KINDS = ("expression", "number", "array", "tuple", "set")
POLICIES = ("accept_if_numeric", "manual_review", "reject")
ELEMENTS = ("expression", "number")


@dataclass
class CompareCase:
    """One comparison: what is expected, what was submitted, and how to read them."""

    expected: Any
    submitted: Any
    kind: str = "expression"
    symbols: dict[str, str] = field(default_factory=dict)
    functions: dict[str, str | None] = field(default_factory=dict)
    rtol: float | None = None
    atol: float | None = None
    sigfigs: int | None = None
    decimals: int | None = None
    undecided: str = "manual_review"
    partial_credit: bool | None = None  # array, tuple, set (default: the rubric's, no partial credit)
    element: str | None = None  # tuple, set: "expression" or "number"
    case_id: str = "compare"


def _part_and_context(case: CompareCase) -> tuple[Any, Any, Any]:
    from grader.check.engine import context_for
    from grader.key import KeyPart
    from grader.rubric.models import Rubric

    if case.kind not in KINDS:
        raise ValueError(f"unknown kind {case.kind!r} (use {', '.join(KINDS)})")
    tolerance: dict[str, Any] = {}
    if case.rtol is not None:
        tolerance["rtol"] = case.rtol
    if case.atol is not None:
        tolerance["atol"] = case.atol
    if case.sigfigs is not None:
        tolerance["sigfigs"] = case.sigfigs
    if case.decimals is not None:
        tolerance["decimals"] = case.decimals
    answer: dict[str, Any] = {"kind": case.kind, "expected": "0"}
    if case.partial_credit is not None:
        if case.kind not in ("array", "tuple", "set"):
            raise ValueError(f"partial_credit applies to array, tuple and set, not {case.kind}")
        answer["partial_credit"] = case.partial_credit
    if case.element is not None:
        if case.kind not in ("tuple", "set"):
            raise ValueError(f"element applies to tuple and set, not {case.kind}")
        if case.element not in ELEMENTS:
            raise ValueError(f"unknown element {case.element!r} (use {', '.join(ELEMENTS)})")
        answer["element"] = case.element
    if case.undecided not in POLICIES:
        raise ValueError(f"unknown undecided policy {case.undecided!r} (use {', '.join(POLICIES)})")
    symbols = {name: parse_domain(domain) for name, domain in case.symbols.items()}
    functions = {name: ({"definition": definition} if definition else {}) for name, definition in case.functions.items()}
    if tolerance:  # the part's own tolerance (for numbers it also relaxes exact integers)
        answer["tolerance"] = tolerance
    part_id = re.sub(r"[^A-Za-z0-9_.\-]", "_", str(case.case_id)) or "compare"
    if not part_id[0].isalnum():
        part_id = "c" + part_id
    rubric = Rubric.model_validate(
        {
            "assignment": {"id": "compare", "title": "grader compare"},
            "defaults": {"symbols": symbols, "functions": functions, "undecided": case.undecided, "tolerance": tolerance or {}},
            "questions": [{"id": "q", "parts": [{"id": part_id, "points": 1, "prompt": "compare", "answer": answer}]}],
        }
    )
    part = rubric.parts()[0]
    context = context_for(rubric, part, seed=zlib.crc32(part_id.encode()))
    return part, KeyPart(kind=case.kind, expected=case.expected), context


def case_problem(case: CompareCase) -> str | None:
    """Why a case's options cannot be used together (one line), or None."""
    try:
        _part_and_context(case)
    except ValueError as exc:
        return str(exc).splitlines()[0]
    return None


def compare_case(case: CompareCase) -> dict[str, Any]:
    """Check one case; returns the verdict as JSON (with ``parsed`` and ``seconds``)."""
    from grader.check.engine import check_part

    start = time.perf_counter()
    part, key_part, context = _part_and_context(case)
    verdict = check_part(part, key_part, case.submitted, context)
    result = verdict.to_json()
    result["parsed"] = verdict.shown
    result["seconds"] = round(time.perf_counter() - start, 6)
    return result


# --------------------------------------------------------------------------- batch


def _whole(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{key} must be a whole number, got {value!r}")
    return value


def _flag(data: dict[str, Any], key: str) -> bool | None:
    value = data.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise ValueError(f"{key} must be true or false, got {value!r}")


def _line_case(line: str) -> tuple[str | None, CompareCase | str]:
    """(id, case) or (id, reason the line cannot be used)."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"malformed JSON: {exc.msg} at column {exc.colno}"
    if not isinstance(data, dict):
        return None, "each line must be a JSON object"
    case_id = data.get("id")
    case_id = None if case_id is None else str(case_id)
    missing = [key for key in ("kind", "gold", "answer") if key not in data]
    if missing:
        return case_id, f"missing field(s): {', '.join(missing)}"
    symbols = data.get("symbols") or {}
    functions = data.get("functions") or {}
    if not isinstance(symbols, dict) or not isinstance(functions, dict):
        return case_id, "'symbols' and 'functions' must be objects"
    try:
        case = CompareCase(
            expected=data["gold"],
            submitted=data["answer"],
            kind=str(data["kind"]),
            symbols={str(k): str(v) for k, v in symbols.items()},
            functions={str(k): (None if v is None else str(v)) for k, v in functions.items()},
            rtol=None if data.get("rtol") is None else float(data["rtol"]),
            atol=None if data.get("atol") is None else float(data["atol"]),
            sigfigs=_whole(data, "sigfigs"),
            decimals=_whole(data, "decimals"),
            undecided=str(data.get("undecided") or "manual_review"),
            partial_credit=_flag(data, "partial_credit"),
            element=None if data.get("element") is None else str(data["element"]),
            case_id=case_id or "case",
        )
    except (TypeError, ValueError) as exc:
        return case_id, f"bad field: {exc}"
    return case_id, case


def _batch_line(line: str) -> dict[str, Any]:
    """The output record of one input line (runs inside a pool worker)."""
    start = time.perf_counter()
    case_id, case = _line_case(line)
    if isinstance(case, str):
        return {"id": case_id, "score": 0.0, "status": "invalid", "feedback": case, "parsed": "", "seconds": 0.0}
    try:
        result = compare_case(case)
    except ValueError as exc:  # an unusable case description (kind, domain, tolerance)
        return {"id": case_id, "score": 0.0, "status": "invalid", "feedback": str(exc).splitlines()[0], "parsed": "", "seconds": 0.0}
    return {
        "id": case_id,
        "score": result["score"],
        "status": result["status"],
        "feedback": result["feedback"],
        "parsed": result["parsed"],
        "seconds": round(time.perf_counter() - start, 6),
    }


def _make_on_timeout(seconds: float) -> Callable[[str, str], dict[str, Any]]:
    def on_timeout(line: str, reason: str) -> dict[str, Any]:
        case_id, _case = _line_case(line)
        status = "error" if reason.startswith("the checker") else "timeout"
        return {"id": case_id, "score": 0.0, "status": status, "feedback": reason, "parsed": "", "seconds": seconds}

    return on_timeout


def _warm_up() -> None:
    """Import and exercise the checkers once, so forked workers start warm."""
    for kind, gold, answer in (("expression", "x^2", "x*x"), ("number", "1/3", "0.3333"), ("array", [[1]], [[1]])):
        _batch_line(json.dumps({"id": "warm", "kind": kind, "gold": gold, "answer": answer}))


def run_batch_lines(lines: Sequence[str], *, workers: int = 1, timeout: float = 10.0, memory_mb: int = 1024, progress: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """One output record per input line, in order (blank lines are reported as invalid)."""
    from grader.check.pool import Budget, run_tasks

    if workers > 0:
        _warm_up()
    return run_tasks(
        _batch_line,
        list(lines),
        workers=workers,
        budget=Budget(seconds=timeout, memory_mb=memory_mb),
        on_timeout=_make_on_timeout(timeout),
        progress=progress,
    )


def compare_batch(input_path: str | Path, output_path: str | Path, *, workers: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
    """Read a JSONL file of cases, write one verdict line per input line."""
    lines = Path(input_path).read_text(encoding="utf-8").splitlines()
    records = run_batch_lines(lines, workers=workers, timeout=timeout)
    with open(output_path, "w", encoding="utf-8") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return records


def compare_supervised(case: CompareCase, *, timeout: float = 10.0) -> dict[str, Any]:
    """One comparison in a supervised worker (time and memory budget enforced from outside)."""
    from grader.check.pool import Budget, run_tasks

    def on_timeout(_case: CompareCase, reason: str) -> dict[str, Any]:
        status = "error" if reason.startswith("the checker") else "timeout"
        return {"score": 0.0, "status": status, "feedback": reason, "parsed": "", "seconds": timeout, "evidence": {}}

    return run_tasks(compare_case, [case], workers=1, budget=Budget(seconds=timeout), on_timeout=on_timeout)[0]
