"""Shared helpers of the Gradescope tests: a tiny literal-only rubric, its key, the schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema

HERE = Path(__file__).resolve().parent
SCHEMA = json.loads((HERE / "gradescope-results.schema.json").read_text(encoding="utf-8"))

# Literal expected values only: building its key needs no torch.
SMALL_RUBRIC = """\
assignment:
  id: gs-small
  title: "A small rubric for the Gradescope tests"
  version: "3"
defaults:
  visibility: after_due_date
questions:
  - id: q1
    parts:
      - id: q1.a
        points: 2
        prompt: "The value of 1/2 + 1/4."
        answer: {kind: number, expected: 0.75}
        tests:
          - {answer: "3/4", score: 1}
          - {answer: "1/2", score: 0}
      - id: q1.b
        points: 1
        prompt: "Twice three."
        visibility: visible
        answer: {kind: number, expected: 6}
        tests:
          - {answer: 6, score: 1}
      - id: q1.c
        points: 3
        prompt: "Explain why."
        answer: {kind: manual, guidance: "anything sensible"}
  - id: q2
    parts:
      - id: q2.a
        points: 1.5
        prompt: "A number nobody tests."
        visibility: hidden
        answer: {kind: number, expected: 10}
"""


def validate(doc: Any) -> None:
    """Raise jsonschema.ValidationError unless ``doc`` is a valid Gradescope results.json."""
    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft202012Validator)


def write_small_rubric(folder: Path) -> tuple[Path, Path]:
    """Write the small rubric and its key into ``folder``; returns (rubric path, key path)."""
    from grader.key.build import build_key
    from grader.rubric.load import load_rubric

    folder.mkdir(parents=True, exist_ok=True)
    rubric_path = folder / "rubric.yaml"
    rubric_path.write_text(SMALL_RUBRIC, encoding="utf-8")
    rubric, sha = load_rubric(rubric_path)
    key_path = folder / "key.json"
    key_path.write_text(build_key(rubric, sha).dumps(), encoding="utf-8")
    return rubric_path, key_path
