"""Generate a synthetic class of N students for a rubric, from the rubric's own self-tests.

Two styles:

* ``realistic`` (the default): students write right answers in many equivalent forms of
  their own (terms and factors in any order, expanded or factored, plain or LaTeX) and
  wrong answers with their own numbers (a slipped coefficient, constant or exponent; a
  miscomputed entry), besides the rubric's sample answers and listed mistakes. About
  half of the auto-graded answers are distinct, so a benchmark measures the checker, not
  the cache of identical answers.
* ``simple`` (the former generator): each answer is one of the part's sample answers
  (``tests``), re-spaced; few answers are distinct.

Both add unreadable input, missing parts and prose for manual parts. Most students hand in
``answers.yaml``; some a LaTeX write-up with ``\\answer`` tags, some ``answers.json``;
about 1% hand in a broken YAML file.

    python benchmarks/make_class.py rubrics/ift6135-w2020-a2.yaml /tmp/class -n 1000 [--style simple]

Deterministic for a given seed and style.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from realistic_answers import RealisticAnswers  # noqa: E402

from grader.rubric.load import load_rubric  # noqa: E402
from grader.rubric.models import Part, Rubric  # noqa: E402

STYLES = ("realistic", "simple")

GARBAGE = ("((", "???", "see my notes", "x +* y", "[[1, 2], [3", "\\frac{1}{", "idk")
PROSE = (
    "Because the gradient is multiplied by a factor smaller than one at every step.",
    "The normalization removes the scale, so the effective learning rate changes.",
    "It acts as a regularizer, as shown in the lecture.",
)
FIRST = ("Ada", "Alan", "Grace", "Emmy", "Kurt", "Sofia", "Yoshua", "Geoffrey", "Fei-Fei", "Claude")
LAST = ("Lovelace", "Turing", "Hopper", "Noether", "Godel", "Kovalevskaya", "Bengio", "Hinton", "Li", "Shannon")


def _respace(text: str, style: int) -> str:
    if style == 1:
        return re.sub(r"\s+", "", text) if "\\" not in text else text
    if style == 2:
        return re.sub(r"\s*(?<![eE])([+\-=,])\s*", r" \1 ", text).strip()
    return text


def answer_for(part: Part, rng: random.Random) -> Any:
    """One student's answer to a part (None: left blank)."""
    if part.answer.kind == "manual":
        return rng.choice(PROSE) if rng.random() < 0.8 else None
    roll = rng.random()
    if roll < 0.05:
        return None
    right = [test.answer for test in part.tests if test.score == 1]
    partial = [test.answer for test in part.tests if test.score < 1 and test.status != "invalid"]
    invalid = [test.answer for test in part.tests if test.status == "invalid"]
    if roll < 0.09:
        return rng.choice(invalid) if invalid and rng.random() < 0.5 else rng.choice(GARBAGE)
    if roll < 0.33 and partial:
        return rng.choice(partial)
    if right:
        chosen = rng.choice(right)
        return _respace(chosen, rng.randrange(3)) if isinstance(chosen, str) else chosen
    return rng.choice(partial) if partial else None


Answerer = Callable[[Part, random.Random], Any]


class Census:
    """How many auto-graded answers a class has, and how many distinct (part, answer) pairs
    (the checks ``grader grade`` runs: answers are told apart as it does, by their text with
    whitespace collapsed, or canonical JSON)."""

    def __init__(self) -> None:
        self.answers = 0
        self.distinct: set[tuple[str, str]] = set()

    def add(self, part_id: str, value: Any) -> None:
        text = " ".join(value.split()) if isinstance(value, str) else json.dumps(value, sort_keys=True)
        self.answers += 1
        self.distinct.add((part_id, text))

    def __str__(self) -> str:
        share = len(self.distinct) / self.answers if self.answers else 0.0
        return f"{self.answers} auto-graded answers, {len(self.distinct)} distinct ({share:.0%})"


def write_student(folder: Path, index: int, rubric: Rubric, rng: random.Random, answer: Answerer = answer_for,
                  census: Census | None = None) -> None:
    """Write one student's folder."""
    folder.mkdir(parents=True, exist_ok=True)
    sid = f"s{index:05d}"
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    student = {"id": sid, "name": name, "email": f"{sid}@example.edu"}
    answers = {part.id: value for part in rubric.parts() if (value := answer(part, rng)) is not None}
    if census is not None:
        for part in rubric.parts():
            if part.answer.kind != "manual" and part.id in answers:
                census.add(part.id, answers[part.id])
    style = rng.random()
    if style < 0.01:
        (folder / "answers.yaml").write_text("student: {id: " + sid + "}\nanswers:\n  - [unclosed\n", encoding="utf-8")
    elif style < 0.15 and all(isinstance(value, str) for value in answers.values()):
        body = "\n".join(f"\\answer{{{part_id}}}{{${value}$}}" for part_id, value in answers.items())
        (folder / "writeup.tex").write_text(
            f"\\documentclass{{article}}\n% {name}, {sid}\n\\begin{{document}}\n{body}\n\\end{{document}}\n",
            encoding="utf-8",
        )
    elif style < 0.20:
        data = {"student": student, "assignment": rubric.assignment.id, "answers": answers}
        (folder / "answers.json").write_text(json.dumps(data, indent=1), encoding="utf-8")
    else:
        data = {"student": student, "assignment": rubric.assignment.id, "answers": answers}
        (folder / "answers.yaml").write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def make_class(rubric_path: Path, out: Path, count: int, seed: int = 0, style: str = "realistic",
               census: Census | None = None) -> Path:
    """Create ``out`` with ``count`` student folders; returns ``out``. ``census`` counts the
    answers (broken files and wrong files included, as written)."""
    if style not in STYLES:
        raise ValueError(f"unknown style {style!r} (one of {', '.join(STYLES)})")
    rubric, _ = load_rubric(rubric_path)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    rng = random.Random(seed)
    answerer: Answerer = answer_for
    if style == "realistic":
        realistic = RealisticAnswers(rubric, fallback=answer_for)
        answerer = realistic.answer
    for index in range(count):
        write_student(out / f"student{index:05d}", index, rubric, rng, answerer, census)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("rubric", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("-n", "--count", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--style", choices=STYLES, default="realistic",
                        help="realistic: own forms and own numbers (default); simple: the former generator")
    args = parser.parse_args()
    census = Census()
    make_class(args.rubric, args.out, args.count, args.seed, args.style, census)
    print(f"wrote {args.count} submissions ({args.style}) to {args.out}: {census}")


if __name__ == "__main__":
    main()
