"""Benchmark of ``grader compare --batch`` (through the library): per-kind check times.

Generates a few hundred mixed cases (numbers, arrays, symbolic expressions right and
wrong, tuples/sets, and hostile answers), runs them through ``run_batch_lines`` (the
supervised pool) and prints, per category, the median and worst per-check time as
measured inside the worker, plus the wall-clock time of the whole batch. Not a test.

    .venv/bin/python benchmarks/bench_compare.py [--workers 2] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
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
        cases.append({"id": f"number-{index}", "category": "number", "kind": "number", "gold": gold, "answer": answer, "rtol": 1e-4})
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
        cases.append({"id": f"array-{index}", "category": "array", "kind": "array", "gold": gold, "answer": answer})
    for index in range(96):
        expected, right, wrong, symbols, functions = EXPRESSIONS[index % len(EXPRESSIONS)]
        is_right = (index // len(EXPRESSIONS)) % 2 == 0
        cases.append({
            "id": f"expr-{index}", "category": "expression (right)" if is_right else "expression (wrong)",
            "kind": "expression", "gold": expected, "answer": right if is_right else wrong,
            "symbols": symbols, "functions": functions,
        })
    for index in range(20):
        kind = "set" if index % 2 else "tuple"
        cases.append({"id": f"{kind}-{index}", "category": kind, "kind": kind, "gold": "(1/d, d, d^2)", "answer": "(d, 1/d, d^2)" if index % 4 < 2 else "(1/d, d, d^3)", "symbols": {"d": "positive"}})
    for index, answer in enumerate(HOSTILE * 2):
        cases.append({"id": f"hostile-{index}", "category": "hostile", "kind": "expression", "gold": "x^2", "answer": answer, "symbols": {"x": "real"}})
    return cases


def fraction_value(text: str) -> float:
    """'a/b' -> a/b for two integers (the benchmark's own generated text, not student input)."""
    numerator, denominator = text.split("/")
    return int(numerator) / int(denominator)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    cases = build_cases(random.Random(arguments.seed))
    lines = [json.dumps({key: value for key, value in case.items() if key != "category"}) for case in cases]
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


if __name__ == "__main__":
    main()
