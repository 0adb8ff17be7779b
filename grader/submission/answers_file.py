"""Answers files (``answers.yaml`` / ``answers.json``): text in, ``AnswersDoc`` out.

Layout::

    student: {id: "20231234", name: "Ada Lovelace", email: "ada@example.org"}   # optional
    assignment: ift6135-a2                                                       # optional
    answers:
      q4.1.mu_batch: "[[1, 2], [3, 4]]"
      q3.1.c: "mu = 0, sigma^2 = 1/d"
      q2.lambda: 0.5

YAML is read with PyYAML's SafeLoader (the loader ``yaml.safe_load`` uses; never
``yaml.load`` with a full loader), extended only to (1) report duplicate keys and
(2) keep scalars whose YAML 1.1 typing would surprise a student as their text:
``yes``/``no``/``on``/``off`` stay text, ``010`` is not octal 8, ``1:30`` is not 90,
dates stay text. Every answer remembers the line it came from.

These functions are pure (text in, value out); reading files is in ``extract``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from grader.results import Student

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ANSWER_ITEMS = 20_000  # numbers/strings in one structured answer (stops YAML alias bombs)
MAX_ANSWER_DEPTH = 32

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


# --------------------------------------------------------------------------- YAML loader

_PLAIN_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_PLAIN_FLOAT = re.compile(r"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$")

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _AnswersLoader(_Base):  # type: ignore[misc,valid-type]
    """SafeLoader + duplicate-key report + literal-minded scalars."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int]] = []

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hashable = key in seen
            except TypeError:
                continue
            if hashable:
                self.duplicates.append((str(key), key_node.start_mark.line + 1))
            seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


def _construct_int(loader: Any, node: Any) -> Any:
    text = loader.construct_scalar(node)
    return int(text) if _PLAIN_INT.match(text) else text


def _construct_float(loader: Any, node: Any) -> Any:
    text = loader.construct_scalar(node)
    return float(text) if _PLAIN_FLOAT.match(text) else text


def _construct_text(loader: Any, node: Any) -> Any:
    return loader.construct_scalar(node)


_AnswersLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_AnswersLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_AnswersLoader.add_constructor("tag:yaml.org,2002:bool", _construct_text)
_AnswersLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)


def _yaml_error(filename: str, exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    where = f"{filename}:{mark.line + 1}:{mark.column + 1}" if mark is not None else filename
    message = f"{problem} ({context})" if context else str(problem)
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
    loader = _AnswersLoader(text)
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


def _too_large(value: Any) -> bool:
    """True when a structured answer exceeds the item or depth limit (shared YAML aliases
    count each time they are used, so the walk stops early on an alias bomb)."""
    budget = [MAX_ANSWER_ITEMS]

    def walk(item: Any, depth: int) -> bool:
        if depth > MAX_ANSWER_DEPTH:
            return True
        children = list(item.values()) if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is None:
            budget[0] -= 1
            return budget[0] < 0
        budget[0] -= 1
        return budget[0] < 0 or any(walk(child, depth + 1) for child in children)

    return walk(value, 0)


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
            if _too_large(answer):
                doc.problems.append(
                    f"{filename}: the answer to {part_id} is too large or too deeply nested "
                    f"(over {MAX_ANSWER_ITEMS} items or {MAX_ANSWER_DEPTH} levels); not read"
                )
                continue
            doc.answers[str(part_id)] = answer
    return doc
