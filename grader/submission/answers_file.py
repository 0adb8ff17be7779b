"""Answers files (``answers.yaml`` / ``answers.json``): text in, ``AnswersDoc`` out.

Layout::

    student: {id: "20231234", name: "Ada Lovelace", email: "ada@example.org"}   # optional
    assignment: ift6135-a2                                                       # optional
    answers:
      q4.1.mu_batch: "[[1, 2], [3, 4]]"
      q3.1.c: "mu = 0, sigma^2 = 1/d"
      q2.lambda: 0.5

YAML is read with ``grader.structured.LiteralSafeLoader``: PyYAML's SafeLoader (the
loader ``yaml.safe_load`` uses; never ``yaml.load`` with a full loader), extended only to
(1) report duplicate keys and (2) keep scalars whose YAML 1.1 typing would surprise a
student as their text: ``yes``/``no``/``on``/``off`` stay text, ``010`` is not octal 8,
``1:30`` is not 90, dates stay text. A document nested more than
``grader.structured.MAX_YAML_NESTING`` levels is not read (libyaml's composer would
crash on ``[[[[...``), and each structured answer is bounded by
``grader.structured.too_large`` (YAML alias bombs). Every answer remembers the line it
came from.

These functions are pure (text in, value out); reading files is in ``extract``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from grader.results import Student
from grader.structured import (
    MAX_DEPTH,
    MAX_ITEMS,
    MAX_YAML_NESTING,
    LiteralSafeLoader,
    nesting_exceeds,
    too_large,
    yaml_error_message,
)

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ANSWER_ITEMS = MAX_ITEMS  # numbers/strings in one structured answer (stops YAML alias bombs)
MAX_ANSWER_DEPTH = MAX_DEPTH

__all__ = ["AnswersDoc", "parse_answers_yaml", "parse_answers_json", "MAX_FILE_BYTES"]


@dataclass
class AnswersDoc:
    """What an answers file holds. ``lines`` maps a part id to the 1-based line of its answer."""

    answers: dict[str, Any] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    student: Student | None = None
    assignment: str | None = None
    problems: list[str] = field(default_factory=list)
    readable: bool = True  # False when the file could not be parsed at all


# --------------------------------------------------------------------------- YAML


def _yaml_error(filename: str, exc: yaml.YAMLError) -> str:
    message, mark = yaml_error_message(exc)
    where = f"{filename}:{mark.line + 1}:{mark.column + 1}" if mark is not None else filename
    return f"{where}: not valid YAML: {message}"


def _key_lines(node: Any) -> dict[str, int]:
    """1-based line of each key of the ``answers`` mapping (from the composed node tree)."""
    if not isinstance(node, yaml.MappingNode):
        return {}
    for key_node, value_node in node.value:
        if getattr(key_node, "value", None) == "answers" and isinstance(value_node, yaml.MappingNode):
            return {str(k.value): v.start_mark.line + 1 for k, v in value_node.value}
    return {}


def parse_answers_yaml(text: str, filename: str = "answers.yaml") -> AnswersDoc:
    """Parse the text of an answers YAML file. Never raises on bad input."""
    if len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        return AnswersDoc(problems=[f"{filename}: larger than {MAX_FILE_BYTES // 1024} KB; not read"], readable=False)
    if nesting_exceeds(text, MAX_YAML_NESTING):
        return AnswersDoc(problems=[f"{filename}: nested too deeply; not read"], readable=False)
    loader = LiteralSafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        return AnswersDoc(problems=[_yaml_error(filename, exc)], readable=False)
    except RecursionError:
        return AnswersDoc(problems=[f"{filename}: nested too deeply; not read"], readable=False)
    finally:
        loader.dispose()
    doc = _from_data(data, filename)
    doc.lines = {part_id: line for part_id, line in _key_lines(node).items() if part_id in doc.answers}
    for key, line in loader.duplicates:
        doc.problems.append(f"{filename}:{line}: key '{key}' appears more than once; the last one is used")
    return doc


# --------------------------------------------------------------------------- JSON


def parse_answers_json(text: str, filename: str = "answers.json") -> AnswersDoc:
    """Parse the text of an answers JSON file. Never raises on bad input."""
    if len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        return AnswersDoc(problems=[f"{filename}: larger than {MAX_FILE_BYTES // 1024} KB; not read"], readable=False)
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in items:
            if key in out:
                duplicates.append(key)
            out[key] = value
        return out

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=str)
    except json.JSONDecodeError as exc:
        return AnswersDoc(problems=[f"{filename}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"], readable=False)
    except RecursionError:
        return AnswersDoc(problems=[f"{filename}: nested too deeply; not read"], readable=False)
    doc = _from_data(data, filename)
    doc.lines = {part_id: _json_key_line(text, part_id) for part_id in doc.answers}
    doc.lines = {part_id: line for part_id, line in doc.lines.items() if line}
    for key in duplicates:
        doc.problems.append(f"{filename}: key '{key}' appears more than once; the last one is used")
    return doc


def _json_key_line(text: str, key: str) -> int:
    match = re.search(re.escape(json.dumps(key)) + r"\s*:", text)
    return text.count("\n", 0, match.start()) + 1 if match else 0


# --------------------------------------------------------------------------- shared


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _from_data(data: Any, filename: str) -> AnswersDoc:
    doc = AnswersDoc()
    if data is None:
        doc.problems.append(f"{filename}: the file is empty")
        return doc
    if not isinstance(data, dict):
        doc.problems.append(f"{filename}: expected a mapping with an 'answers' key, found a {type(data).__name__}")
        doc.readable = False
        return doc
    unknown = sorted(str(key) for key in data if key not in ("student", "assignment", "answers"))
    if unknown:
        doc.problems.append(f"{filename}: ignored top-level keys {', '.join(unknown)} (expected student, assignment, answers)")
    student = data.get("student")
    if isinstance(student, dict):
        sid = _text(student.get("id") or student.get("sid"))
        name, email = _text(student.get("name")), _text(student.get("email"))
        if sid:
            doc.student = Student(id=sid, name=name, email=email)
        elif name or email:
            doc.problems.append(f"{filename}: the student block has no 'id'; identity taken from elsewhere")
    elif student is not None:
        doc.problems.append(f"{filename}: 'student' should be a mapping {{id, name, email}}")
    if data.get("assignment") is not None:
        doc.assignment = _text(data.get("assignment"))
    answers = data.get("answers")
    if answers is None:
        doc.problems.append(f"{filename}: no 'answers' mapping found")
    elif not isinstance(answers, dict):
        doc.problems.append(f"{filename}: 'answers' should be a mapping of part id to answer")
    else:
        for part_id, answer in answers.items():
            if answer is None or (isinstance(answer, str) and not answer.strip()):
                continue  # an empty template slot: the part is missing
            if too_large(answer, MAX_ANSWER_ITEMS, MAX_ANSWER_DEPTH):
                doc.problems.append(
                    f"{filename}: the answer to {part_id} is too large or too deeply nested "
                    f"(over {MAX_ANSWER_ITEMS} items or {MAX_ANSWER_DEPTH} levels); not read"
                )
                continue
            doc.answers[str(part_id)] = answer
    return doc
