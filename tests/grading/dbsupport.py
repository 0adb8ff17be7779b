"""A tiny class graded for real (literal rubric, real checks) for the results database tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

RUBRIC_YAML = """\
assignment: {id: tiny, title: Tiny class, version: "1"}
questions:
  - id: q1
    parts:
      - id: q1.expr
        points: 2
        prompt: "Bias-corrected first moment."
        answer:
          kind: expression
          expected: "m/(1 - beta^t)"
          symbols:
            m: {domain: real}
            beta: {domain: interval, low: 0, high: 1}
            t: {domain: positive_integer}
        mistakes:
          - id: no_correction
            match: "m"
            score: 0.25
            feedback: "You forgot the bias correction."
      - id: q1.proof
        points: 3
        prompt: "Prove it."
        answer: {kind: manual, guidance: "Full credit for the telescoping argument."}
"""


def write_rubric(folder: Path, text: str = RUBRIC_YAML) -> Path:
    path = folder / "tiny.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def write_class(folder: Path, answers: dict[str, dict[str, Any]]) -> Path:
    """One folder per student with an answers.yaml (JSON is valid YAML)."""
    import json

    root = folder / "subs"
    for student, parts in answers.items():
        (root / student).mkdir(parents=True, exist_ok=True)
        doc = {"student": {"id": student, "name": f"Student {student}"}, "answers": parts}
        (root / student / "answers.yaml").write_text(json.dumps(doc), encoding="utf-8")
    return root


CLASS = {
    "s1": {"q1.expr": "m/(1-beta^t)", "q1.proof": "By telescoping."},
    "s2": {"q1.expr": "\\frac{m}{1-\\beta^t}", "q1.proof": "By   telescoping."},
    "s3": {"q1.expr": "m", "q1.proof": "trivial"},
    "s4": {"q1.expr": "m/(1+beta^t)", "q1.proof": "trivial"},
    "s5": {"q1.expr": "m/(1-beta^t)"},
}


def grade_records(rubric_path: Path, subs: Path) -> tuple[Any, str, Any, list[Any]]:
    """Grade a class with the real reader and checker; (rubric, sha, key, StudentRecords)."""
    from grader.grading.db import StudentRecord
    from grader.grading.pipeline import run_checks
    from grader.grading.plan import normalize_answer, plan_checks, submission_folders
    from grader.grading.score import score_extraction
    from grader.key.build import build_key
    from grader.rubric.load import load_rubric
    from grader.submission.extract import extract

    rubric, sha = load_rubric(rubric_path)
    key = build_key(rubric, sha)
    extractions = [extract(folder, rubric) for folder in submission_folders(subs)]
    verdicts = run_checks(rubric, key, plan_checks(rubric, extractions), workers=1)
    records = []
    for extraction in extractions:
        graded = score_extraction(rubric, sha, extraction, verdicts)
        texts = {}
        for part_id, raw in extraction.answers.items():
            normalized = normalize_answer(raw)
            if normalized is not None:
                texts[part_id] = normalized[0]
        records.append(StudentRecord(graded.stem, graded.result, graded.submission_sha256, graded.sources,
                                     graded.notes, texts))
    return rubric, sha, key, records
