"""Write-up scanner speed on pathological input (issue 14): unclosed ``\\answer{`` /
``\\boxed{`` / ``\\def`` groups, which made the old scanner quadratic (80 KB: 58 s).

    python benchmarks/bench_writeup.py

Prints seconds per size; the scanner is linear, so doubling the size doubles the time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from grader.submission.writeup import scan_writeup  # noqa: E402

PATTERNS = {
    "unclosed \\answer{": "\\answer{q1}{",
    "unclosed \\boxed{": "\\boxed{",
    "unclosed \\def": "\\def\\x{",
    "unclosed \\newcommand[": "\\newcommand{\\x}[",
    "\\verb without end": "\\verb|",
    "nested \\boxed": "\\answer{q1}{" + "\\boxed{" * 50 + "x" + "}" * 50 + "}",
}


def main() -> None:
    for name, unit in PATTERNS.items():
        figures = []
        for size in (80_000, 400_000, 1_600_000):
            text = unit * (size // len(unit))
            started = time.perf_counter()
            scan_writeup(text, "hw.tex")
            figures.append(f"{size // 1000:>5} KB {time.perf_counter() - started:6.3f} s")
        print(f"{name:<24} " + " | ".join(figures))


if __name__ == "__main__":
    main()
