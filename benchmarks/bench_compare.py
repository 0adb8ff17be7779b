"""Benchmark of ``grader compare --batch`` (through the library), side by side with Math-Verify.

Generates a few hundred mixed cases (numbers, arrays, symbolic expressions right and
wrong, tuples/sets, and hostile answers), each with its truth (should the answer get
credit?), runs them through ``run_batch_lines`` (the supervised pool) and prints, per
category, the median and worst per-check time as measured inside the worker, plus the
wall-clock time of the whole batch and the accuracy against the truth.

The same pairs then go through Math-Verify (``math_verify.verify(parse(gold),
parse(answer))``), a peer, installed by this script into a throw-away virtual environment
under the temporary folder (``--peer-venv``; never a dependency of grader). Both
accuracies, per category and overall, and the per-pair time ratio (Math-Verify time /
grader time, each measured around the comparison only) are printed. ``--no-peer`` skips
it. Not a test.

    .venv/bin/python benchmarks/bench_compare.py [--workers 2] [--no-peer]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from grader.check.compare import run_batch_lines

EXPRESSIONS: list[tuple[str, str, str, dict[str, str], dict[str, str]]] = [
    # (expected, right form, wrong form, symbols, functions)
    ("(x+1)^2", "x^2 + 2x + 1", "x^2 + 1", {"x": "real"}, {}),
    ("sqrt(2/d)", r"\sqrt{\frac{2}{d}}", "2/sqrt(d)", {"d": "positive"}, {}),
    ("tanh(x)", "2 sigma(2x) - 1", "2 sigma(x) - 1", {"x": "real"}, {"sigma": "1/(1+exp(-x))"}),
    ("sigma(x)(1-sigma(x))", "exp(-x)/(1+exp(-x))^2", "sigma(x)^2", {"x": "real"}, {"sigma": "1/(1+exp(-x))"}),
    ("log(exp(x)+exp(y))", "x + log(1 + exp(y - x))", "x + y", {"x": "real", "y": "real"}, {}),
    ("p/(1-p)", "1/(1/p - 1)", "(1-p)/p", {"p": "interval(0,1)"}, {}),
    ("x", "sqrt(x^2)", "-x", {"x": "positive"}, {}),
    ("1 + n (k - 1)", r"1 + \sum_{l=1}^{n} (k-1)", "n k", {"n": "positive integer", "k": "positive"}, {}),
    ("(1/4)^n", "4^(-n)", "(1/2)^n", {"n": "positive integer"}, {}),
    ("g^T H", "(H^T g)^T", "(H g)^T", {"g": "matrix(3,1)", "H": "matrix(3,3)"}, {}),
    ("O(n d^2)", "O(2 d^2 n)", "O(n^2 d)", {"n": "positive integer", "d": "positive"}, {}),
    ("beta1^t", "exp(t log(beta1))", "beta1 t", {"beta1": "interval(0,1)", "t": "positive integer"}, {}),
    ("(1-beta)/(1-beta^t)", "(beta - 1)/(beta^t - 1)", "1/(1-beta^t)", {"beta": "interval(0,1)", "t": "positive integer"}, {}),
    ("x^2", "x*x", "x^2 + 0.0005", {"x": "real"}, {}),
    ("0", "x - x", "1e-4*x", {"x": "real"}, {}),
    ("sin(x)^2", "1 - cos(x)^2", "cos(x)^2", {"x": "real"}, {}),
]

HOSTILE = [
    "9**9**9**9",
    "(x+1)**(10**9)",
    "__import__('os').system('echo pwned')",
    "x" + "+x" * 3000,
    "(" * 500 + "x" + ")" * 500,
    "factorial(10^6)",
    "\\frac{" * 100 + "1" + "}{2}" * 100,
    "exp(exp(exp(exp(x))))",
    "10^(10^(10^10))",
    "[" * 300 + "1" + "]" * 300,
]


def build_cases(rng: random.Random) -> list[dict[str, Any]]:
    """Right and wrong numbers, arrays, expressions, tuples/sets and hostile answers."""
    cases: list[dict[str, Any]] = []
    for index in range(60):
        value = rng.uniform(-100, 100)
        fraction = f"{rng.randint(1, 50)}/{rng.randint(51, 99)}"
        forms = [
            (fraction, f"{fraction_value(fraction):.6f}"),
            (repr(value), f"{value:.6g}"),
            (repr(value), f"{value * 1.05:.6g}"),
            (fraction, f"\\frac{{{fraction.split('/')[0]}}}{{{fraction.split('/')[1]}}}"),
            (repr(value), f"{value:.3e}"),
        ]
        gold, answer = forms[index % len(forms)]
        variant = index % len(forms)
        truth = variant != 2 and (variant != 4 or abs(float(answer) - value) <= 1e-4 * abs(value))  # 3 digits may miss rtol
        cases.append({"id": f"number-{index}", "category": "number", "kind": "number", "gold": gold, "answer": answer, "rtol": 1e-4,
                      "truth": truth})
    for index in range(50):
        rows, cols = rng.randint(1, 4), rng.randint(1, 4)
        gold = [[round(rng.uniform(-5, 5), 3) for _ in range(cols)] for _ in range(rows)]
        variant = index % 5
        if variant == 0:
            answer: Any = gold
        elif variant == 1:
            answer = [list(column) for column in zip(*gold, strict=False)]
        elif variant == 2:
            answer = [[2 * item for item in row] for row in gold]
        elif variant == 3:
            answer = "[" + ", ".join("[" + ", ".join(str(item) for item in row) + "]" for row in gold) + "]"
        else:
            answer = r"\begin{bmatrix}" + r" \\ ".join(" & ".join(str(item) for item in row) for row in gold) + r"\end{bmatrix}"
        truth = variant in (0, 3, 4) or (variant == 1 and answer == gold)
        cases.append({"id": f"array-{index}", "category": "array", "kind": "array", "gold": gold, "answer": answer,
                      "truth": truth or (variant == 2 and all(item == 0 for row in gold for item in row))})
    for index in range(96):
        expected, right, wrong, symbols, functions = EXPRESSIONS[index % len(EXPRESSIONS)]
        is_right = (index // len(EXPRESSIONS)) % 2 == 0
        cases.append({
            "id": f"expr-{index}", "category": "expression (right)" if is_right else "expression (wrong)",
            "kind": "expression", "gold": expected, "answer": right if is_right else wrong,
            "symbols": symbols, "functions": functions, "truth": is_right,
        })
    for index in range(20):
        kind = "set" if index % 2 else "tuple"
        swapped = index % 4 < 2
        cases.append({"id": f"{kind}-{index}", "category": kind, "kind": kind, "gold": "(1/d, d, d^2)",
                      "answer": "(d, 1/d, d^2)" if swapped else "(1/d, d, d^3)", "symbols": {"d": "positive"},
                      "truth": swapped and kind == "set"})
    for index, answer in enumerate(HOSTILE * 2):
        cases.append({"id": f"hostile-{index}", "category": "hostile", "kind": "expression", "gold": "x^2", "answer": answer,
                      "symbols": {"x": "real"}, "truth": False})
    return cases


def fraction_value(text: str) -> float:
    """'a/b' -> a/b for two integers (the benchmark's own generated text, not student input)."""
    numerator, denominator = text.split("/")
    return int(numerator) / int(denominator)


# ------------------------------------------------------------------ the peer: Math-Verify

PEER_REQUIREMENT = "math-verify==0.9.0"

# runs inside the peer's venv: one JSON line per case in, one JSON line per case out
PEER_SCRIPT = r"""
import json, sys, time
from math_verify import parse, verify
for line in sys.stdin:
    case = json.loads(line)
    start = time.perf_counter()
    try:
        verdict = bool(verify(parse(case["gold"]), parse(case["answer"])))
        error = ""
    except Exception as exc:  # the peer failing on a pair is its verdict "no credit"
        verdict, error = False, type(exc).__name__
    print(json.dumps({"id": case["id"], "verdict": verdict, "seconds": time.perf_counter() - start, "error": error}), flush=True)
"""


def peer_python(venv: Path) -> Path:
    """The peer's interpreter, installing Math-Verify into ``venv`` the first time."""
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    probe = subprocess.run([str(python), "-c", "import math_verify"], capture_output=True)
    if probe.returncode != 0:
        print(f"installing {PEER_REQUIREMENT} into {venv} (throw-away; not a grader dependency)", flush=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", PEER_REQUIREMENT],
                       check=True)
    return python


def latex_of(value: Any) -> str:
    """A case's gold or answer as text Math-Verify reads (arrays as LaTeX matrices, in $...$)."""
    if isinstance(value, list):
        rows = value if value and isinstance(value[0], list) else [value]
        value = r"\begin{pmatrix}" + r" \\ ".join(" & ".join(str(item) for item in row) for row in rows) + r"\end{pmatrix}"
    text = str(value)
    return text if text.startswith("$") else f"${text}$"


def run_peer(cases: list[dict[str, Any]], venv: Path, timeout: float) -> dict[str, dict[str, Any]]:
    python = peer_python(venv)
    lines = "".join(json.dumps({"id": c["id"], "gold": latex_of(c["gold"]), "answer": latex_of(c["answer"])}) + "\n"
                    for c in cases)
    done = subprocess.run([str(python), "-c", PEER_SCRIPT], input=lines, capture_output=True, text=True,
                          timeout=timeout * len(cases))
    records = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {record["id"]: record for record in records}


def _accuracy(rows: list[tuple[float, bool]]) -> str:
    """Right: full credit for a right answer, none for a wrong one. A false accept: any credit
    for a wrong answer (partial credit included)."""
    right = sum((score == 1) if truth else (score == 0) for score, truth in rows)
    false_accepts = sum(score > 0 and not truth for score, truth in rows)
    return f"{right / len(rows):6.1%} ({false_accepts} false accepts)" if rows else "-"


def compare_with_peer(cases: list[dict[str, Any]], records: list[dict[str, Any]], peer: dict[str, dict[str, Any]]) -> None:
    ours: dict[str, list[tuple[float, bool]]] = {}
    theirs: dict[str, list[tuple[float, bool]]] = {}
    ratios: dict[str, list[float]] = {}
    disagreements: list[str] = []
    for case, record in zip(cases, records, strict=True):
        other = peer.get(case["id"])
        if other is None:
            continue
        category = case["category"]
        score = float(record["score"])
        ours.setdefault(category, []).append((score, case["truth"]))
        theirs.setdefault(category, []).append((float(bool(other["verdict"])), case["truth"]))
        if (score == 1) != case["truth"] or (not case["truth"] and score > 0):
            disagreements.append(f"{case['id']} ({record['status']}, truth {'right' if case['truth'] else 'wrong'})")
        ratios.setdefault(category, []).append(float(other["seconds"]) / max(float(record["seconds"]), 1e-6))
    print(f"\nside by side with Math-Verify ({PEER_REQUIREMENT}) on the same {sum(map(len, ours.values()))} pairs")
    print(f"{'category':<20} {'grader accuracy':>26} {'Math-Verify accuracy':>26} {'time ratio (MV / grader), median':>34}")
    for category in ours:
        print(f"{category:<20} {_accuracy(ours[category]):>26} {_accuracy(theirs[category]):>26} "
              f"{statistics.median(ratios[category]):>33.1f}x")
    everything = [pair for rows in ours.values() for pair in rows]
    everything_peer = [pair for rows in theirs.values() for pair in rows]
    all_ratios = [ratio for values in ratios.values() for ratio in values]
    print(f"{'all':<20} {_accuracy(everything):>26} {_accuracy(everything_peer):>26} {statistics.median(all_ratios):>33.1f}x")
    if disagreements:
        print("grader verdicts that differ from the truth: " + ", ".join(disagreements))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-peer", action="store_true", help="do not run Math-Verify")
    parser.add_argument("--peer-venv", type=Path, default=Path(tempfile.gettempdir()) / "grader-bench-math-verify")
    arguments = parser.parse_args()
    cases = build_cases(random.Random(arguments.seed))
    lines = [json.dumps({key: value for key, value in case.items() if key not in ("category", "truth")}) for case in cases]
    start = time.perf_counter()
    records = run_batch_lines(lines, workers=arguments.workers, timeout=arguments.timeout)
    wall = time.perf_counter() - start
    by_category: dict[str, list[float]] = {}
    statuses: dict[str, dict[str, int]] = {}
    slowest: dict[str, str] = {}
    for case, record in zip(cases, records, strict=True):
        category = case["category"]
        seconds = float(record["seconds"])
        times = by_category.setdefault(category, [])
        if not times or seconds > max(times):
            slowest[category] = case["id"]
        times.append(seconds)
        counts = statuses.setdefault(category, {})
        counts[record["status"]] = counts.get(record["status"], 0) + 1
    print(f"{len(cases)} cases, {arguments.workers} workers, wall {wall:.2f} s ({wall / len(cases) * 1e3:.1f} ms per case)\n")
    print(f"{'category':<20} {'n':>4} {'median ms':>10} {'p90 ms':>9} {'worst ms':>9}  worst case      statuses")
    for category, times in by_category.items():
        ordered = sorted(times)
        p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
        summary = ", ".join(f"{count} {status}" for status, count in sorted(statuses[category].items()))
        print(
            f"{category:<20} {len(times):>4} {statistics.median(times) * 1e3:>10.2f} {p90 * 1e3:>9.2f} "
            f"{max(times) * 1e3:>9.1f}  {slowest[category]:<15} {summary}"
        )
    if not arguments.no_peer:
        compare_with_peer(cases, records, run_peer(cases, arguments.peer_venv, arguments.timeout))


if __name__ == "__main__":
    main()
