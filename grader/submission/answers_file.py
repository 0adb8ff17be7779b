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
``grader.structured.node_too_large`` on the composed YAML before anything is converted
(YAML alias bombs): an answer over the limit is rejected (``invalid``, with the reason),
a ``student`` field or an ``assignment`` that is not plain text is ignored with a problem,
and ignored top-level keys are never converted. A part given twice keeps its first
answer (reported), as in a write-up. Integers too long for ``int`` stay text, and an
answer holding a lone UTF-16 surrogate (a JSON escape such as ``"\\ud800"``) is rejected.
Every answer remembers the line it came from.

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
    has_lone_surrogate,
    json_int,
    nesting_exceeds,
    node_too_large,
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
    rejected: dict[str, str] = field(default_factory=dict)  # part id -> why its answer was not read


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
            return {  # an alias's node is where its anchor is: then the key's line
                str(k.value): max(v.start_mark.line, k.start_mark.line) + 1
                for k, v in value_node.value
                if isinstance(k, yaml.ScalarNode)
            }
    return {}


def parse_answers_yaml(text: str, filename: str = "answers.yaml") -> AnswersDoc:
    """Parse the text of an answers YAML file. Never raises on bad input."""
    if len(text.encode("utf-8", "replace")) > MAX_FILE_BYTES:
        return AnswersDoc(problems=[f"{filename}: larger than {MAX_FILE_BYTES // 1024} KB; not read"], readable=False)
    if nesting_exceeds(text, MAX_YAML_NESTING):
        return AnswersDoc(problems=[f"{filename}: nested too deeply; not read"], readable=False)
    loader = LiteralSafeLoader(text)
    pruned = AnswersDoc()
    try:
        node = loader.get_single_node()
        if node is not None:
            _prune(node, filename, pruned)
        data = loader.construct_document(node) if node is not None and pruned.readable else None
    except yaml.YAMLError as exc:
        return AnswersDoc(problems=[_yaml_error(filename, exc)], readable=False)
    except RecursionError:
        return AnswersDoc(problems=[f"{filename}: nested too deeply; not read"], readable=False)
    finally:
        loader.dispose()
    if not pruned.readable:
        return pruned
    doc = _from_data(data, filename)
    doc.problems[:0] = pruned.problems
    doc.rejected = {**pruned.rejected, **doc.rejected}
    doc.lines = {
        part_id: line for part_id, line in _key_lines(node).items() if part_id in doc.answers or part_id in doc.rejected
    }
    for key, line in loader.duplicates:
        doc.problems.append(f"{filename}:{line}: key '{key}' appears more than once; the first one is used")
    return doc


_NULL_TAG = "tag:yaml.org,2002:null"


def _null_like(node: Any) -> yaml.ScalarNode:
    return yaml.ScalarNode(_NULL_TAG, "", node.start_mark, node.end_mark)


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _prune(node: Any, filename: str, doc: AnswersDoc) -> None:
    """Bound the composed document before anything is converted: an answer too large
    (aliases counted each time they are used) is replaced by null and rejected; a student
    field or an assignment that is not plain text, and the values of ignored top-level
    keys, are replaced by null (so they are never converted)."""
    if not isinstance(node, yaml.MappingNode):
        if node_too_large(node, MAX_ANSWER_ITEMS, MAX_ANSWER_DEPTH):
            doc.problems.append(f"{filename}: too large or too deeply nested; not read")
            doc.readable = False
        return
    pairs = node.value
    for index, (key_node, value_node) in enumerate(pairs):
        key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
        if key == "answers" and isinstance(value_node, yaml.MappingNode):
            seen: set[str] = set()
            answers = value_node.value
            for position, (part_node, answer_node) in enumerate(list(answers)):
                if not isinstance(part_node, yaml.ScalarNode):
                    doc.problems.append(
                        f"{filename}:{part_node.start_mark.line + 1}: an answers key that is not a part id; ignored"
                    )
                    answers[position] = None
                    continue
                part_id = str(part_node.value)
                if part_id not in seen and node_too_large(answer_node, MAX_ANSWER_ITEMS, MAX_ANSWER_DEPTH):
                    doc.rejected[part_id] = (
                        f"the answer is too large or too deeply nested (over {MAX_ANSWER_ITEMS} items or "
                        f"{MAX_ANSWER_DEPTH} levels, aliases counted each time they are used); not read"
                    )
                    answers[position] = (part_node, _null_like(part_node))
                seen.add(part_id)
            value_node.value = [pair for pair in answers if pair is not None]
        elif key == "student" and isinstance(value_node, yaml.MappingNode):
            kept = []
            for field_node, field_value in value_node.value:
                if not isinstance(field_node, yaml.ScalarNode) or not isinstance(field_value, yaml.ScalarNode):
                    name = field_node.value if isinstance(field_node, yaml.ScalarNode) else "?"
                    doc.problems.append(
                        f"{filename}:{field_node.start_mark.line + 1}: student field '{_short(str(name))}' "
                        "is not plain text; ignored"
                    )
                    if not isinstance(field_node, yaml.ScalarNode):
                        continue
                    field_value = _null_like(field_value)
                kept.append((field_node, field_value))
            value_node.value = kept
        elif key in ("student", "assignment", "answers"):
            if not isinstance(value_node, yaml.ScalarNode) and node_too_large(value_node, MAX_ANSWER_ITEMS, MAX_ANSWER_DEPTH):
                doc.problems.append(f"{filename}:{value_node.start_mark.line + 1}: '{key}' is too large; not read")
                pairs[index] = (key_node, _null_like(value_node))
            elif key == "assignment" and not isinstance(value_node, yaml.ScalarNode):
                doc.problems.append(f"{filename}:{value_node.start_mark.line + 1}: 'assignment' is not plain text; ignored")
                pairs[index] = (key_node, _null_like(value_node))
        elif not isinstance(value_node, yaml.ScalarNode):
            pairs[index] = (key_node, _null_like(value_node))  # an ignored key: its value is never converted


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
                continue  # the first one is used, as in YAML and in write-ups
            out[key] = value
        return out

    try:
        data = json.loads(text, object_pairs_hook=pairs, parse_constant=str, parse_int=json_int)
    except json.JSONDecodeError as exc:
        return AnswersDoc(problems=[f"{filename}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"], readable=False)
    except RecursionError:
        return AnswersDoc(problems=[f"{filename}: nested too deeply; not read"], readable=False)
    doc = _from_data(data, filename)
    wanted = [*doc.answers, *doc.rejected]
    doc.lines = {part_id: _json_key_line(text, part_id) for part_id in wanted if not has_lone_surrogate(part_id)}
    doc.lines = {part_id: line for part_id, line in doc.lines.items() if line}
    for key in duplicates:
        doc.problems.append(f"{filename}: key '{_short(_printable(key))}' appears more than once; the first one is used")
    return doc


def _printable(text: str) -> str:
    """Text safe to show: lone surrogates written as escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _json_key_line(text: str, key: str) -> int:
    match = re.search(re.escape(json.dumps(key)) + r"\s*:", text)
    return text.count("\n", 0, match.start()) + 1 if match else 0


# --------------------------------------------------------------------------- shared


def _text(value: Any) -> str | None:
    """Plain text of a scalar field (None when it is not plain text)."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or has_lone_surrogate(value):
        return None
    return str(value).strip()


def _from_data(data: Any, filename: str) -> AnswersDoc:
    doc = AnswersDoc()
    if data is None:
        doc.problems.append(f"{filename}: the file is empty")
        return doc
    if not isinstance(data, dict):
        doc.problems.append(f"{filename}: expected a mapping with an 'answers' key, found a {type(data).__name__}")
        doc.readable = False
        return doc
    unknown = sorted(_short(_printable(str(key))) for key in data if key not in ("student", "assignment", "answers"))
    if unknown:
        shown = ", ".join(unknown[:10]) + (f" and {len(unknown) - 10} more" if len(unknown) > 10 else "")
        doc.problems.append(f"{filename}: ignored top-level keys {shown} (expected student, assignment, answers)")
    student = data.get("student")
    if isinstance(student, dict):
        fields: dict[str, str] = {}
        for name, keys in (("id", ("id", "sid")), ("name", ("name",)), ("email", ("email",))):
            raw = next((student.get(key) for key in keys if student.get(key) not in (None, "")), None)
            value = _text(raw)
            if value is None:
                doc.problems.append(f"{filename}: student {name} is not plain text; ignored")
                value = ""
            fields[name] = value
        if fields["id"]:
            doc.student = Student(id=fields["id"], name=fields["name"], email=fields["email"])
        elif fields["name"] or fields["email"]:
            doc.problems.append(f"{filename}: the student block has no 'id'; identity taken from elsewhere")
    elif student is not None:
        doc.problems.append(f"{filename}: 'student' should be a mapping {{id, name, email}}")
    if data.get("assignment") is not None:
        assignment = _text(data.get("assignment"))
        if assignment is None:
            doc.problems.append(f"{filename}: 'assignment' is not plain text; ignored")
        else:
            doc.assignment = assignment
    answers = data.get("answers")
    if answers is None:
        doc.problems.append(f"{filename}: no 'answers' mapping found")
    elif not isinstance(answers, dict):
        doc.problems.append(f"{filename}: 'answers' should be a mapping of part id to answer")
    else:
        for part_id, answer in answers.items():
            if not isinstance(part_id, (str, int, float)) or isinstance(part_id, bool) or has_lone_surrogate(part_id):
                doc.problems.append(f"{filename}: an answers key that is not a part id ({_short(_printable(str(part_id)))}); ignored")
                continue
            part_id = str(part_id)
            if answer is None or (isinstance(answer, str) and not answer.strip()):
                continue  # an empty template slot: the part is missing
            if too_large(answer, MAX_ANSWER_ITEMS, MAX_ANSWER_DEPTH):
                doc.rejected[part_id] = (
                    f"the answer is too large or too deeply nested (over {MAX_ANSWER_ITEMS} items or "
                    f"{MAX_ANSWER_DEPTH} levels); not read"
                )
                continue
            if has_lone_surrogate(answer):
                doc.rejected[part_id] = (
                    "the answer holds an invalid character (a lone UTF-16 surrogate escape such as \\ud800); not read"
                )
                continue
            doc.answers[part_id] = answer
    return doc
