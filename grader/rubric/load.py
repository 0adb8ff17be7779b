"""Read rubric YAML safely, keep line numbers, and turn pydantic errors into located issues.

Reading a file (``load_rubric``) and validating text (``parse_rubric_text``) are separate;
tests call the pure one. YAML is read with PyYAML's SafeLoader only (libyaml's when present; no object
construction); duplicate keys are errors; every issue names file:line:column and the
path inside the document, e.g. ``questions[2].parts[0].answer.rtol``.
"""

from __future__ import annotations

import difflib
import hashlib
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from grader.errors import Location, RubricError, RubricIssue
from grader.rubric import models
from grader.structured import nesting_exceeds

MAX_RUBRIC_BYTES = 2_000_000

PathKey = tuple[Any, ...]


# --------------------------------------------------------------------------- YAML with positions


_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # SafeLoader, in C when PyYAML has libyaml
MAX_RUBRIC_NESTING = 100  # a rubric nests about 8 levels


def rubric_hash(text: str) -> str:
    """SHA-256 of the rubric file's text (what identifies a rubric version)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _node_to_data(node: yaml.Node, path: PathKey, positions: dict[PathKey, tuple[int, int]],
                  issues: list[RubricIssue], file: str | None, constructor: Any) -> Any:
    positions[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        constructor.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)):
                issues.append(RubricIssue("mapping keys must be plain scalars",
                                          Location(file, key_node.start_mark.line + 1, key_node.start_mark.column + 1, format_path(path))))
                continue
            child = (*path, key)
            if key in result:
                issues.append(RubricIssue(
                    f"duplicate key '{key}' (the first one is at line {positions[child][0]})",
                    Location(file, key_node.start_mark.line + 1, key_node.start_mark.column + 1, format_path(child)),
                ))
                continue
            result[key] = _node_to_data(value_node, child, positions, issues, file, constructor)
            positions[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _node_to_data(item, (*path, index), positions, issues, file, constructor)
            for index, item in enumerate(node.value)
        ]
    return constructor.construct_object(node, deep=True)


def read_yaml_with_positions(text: str, file: str | None = None) -> tuple[Any, dict[PathKey, tuple[int, int]]]:
    """Parse YAML safely; return (data, {document path: (line, column)}).

    Raises RubricError for syntax errors and duplicate keys.
    """
    if len(text.encode("utf-8")) > MAX_RUBRIC_BYTES:
        raise RubricError([RubricIssue(f"rubric file is larger than {MAX_RUBRIC_BYTES} bytes", Location(file))])
    if nesting_exceeds(text, MAX_RUBRIC_NESTING):  # before libyaml's (recursive, in C) composer
        raise RubricError([RubricIssue(f"the YAML is nested more than {MAX_RUBRIC_NESTING} levels deep", Location(file))])
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        issues: list[RubricIssue] = []
        positions: dict[PathKey, tuple[int, int]] = {}
        data = None if node is None else _node_to_data(node, (), positions, issues, file, loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        message = f"YAML syntax error: {exc.problem or exc}"
        if exc.context:
            message += f" ({exc.context})"
        raise RubricError([RubricIssue(message, Location(file, line, column))]) from None
    except yaml.YAMLError as exc:
        raise RubricError([RubricIssue(f"YAML error: {exc}", Location(file))]) from None
    finally:
        loader.dispose()
    if issues:
        raise RubricError(issues)
    return data, positions


def format_path(path: PathKey) -> str:
    """('questions', 2, 'parts', 0, 'answer') -> 'questions[2].parts[0].answer'."""
    text = ""
    for step in path:
        if isinstance(step, int):
            text += f"[{step}]"
        else:
            text += f".{step}" if text else str(step)
    return text


def locate(path: PathKey, positions: dict[PathKey, tuple[int, int]], file: str | None) -> Location:
    """The closest known position of a document path (walking up to its parents)."""
    probe = tuple(path)
    while probe and probe not in positions:
        probe = probe[:-1]
    line, column = positions.get(probe, (None, None))
    return Location(file, line, column, format_path(path))


# --------------------------------------------------------------------------- pydantic errors


def _model_classes() -> list[type[BaseModel]]:
    return [
        value
        for value in vars(models).values()
        if isinstance(value, type) and issubclass(value, BaseModel) and value is not models.Model
    ]


def _did_you_mean(key: str, siblings: dict[str, Any]) -> str | None:
    """Suggest a field name for an unknown key, from models that fit the sibling keys."""
    others = {name for name in siblings if name != key}
    candidates: set[str] = set()
    for cls in _model_classes():
        fields = set(cls.model_fields)
        if others <= fields:
            candidates |= fields
    if not candidates:
        for cls in _model_classes():
            candidates |= set(cls.model_fields)
    matches = difflib.get_close_matches(key, sorted(candidates - others), n=1, cutoff=0.6)
    if matches:
        return f"did you mean '{matches[0]}'?"
    allowed = sorted(candidates - others)
    if allowed and len(allowed) <= 12:
        return "allowed keys here: " + ", ".join(allowed)
    return None


def _doc_path(data: Any, loc: tuple[Any, ...]) -> tuple[PathKey, bool]:
    """Map a pydantic error location onto the document path, dropping union tags.

    Returns (path, complete) where complete is False if a loc step could not be followed.
    """
    path: list[Any] = []
    current = data
    for step in loc:
        if isinstance(current, dict) and step in current:
            path.append(step)
            current = current[step]
        elif isinstance(current, list) and isinstance(step, int) and 0 <= step < len(current):
            path.append(step)
            current = current[step]
        elif isinstance(step, str) and (
            step in models.KINDS or step[:1].isupper() or "[" in step or step in {"str", "float", "int", "bool"}
        ):
            continue  # a union/discriminator tag, not a document key
        else:
            path.append(step)
            current = None
    return tuple(path), current is not None or not path


_UNION_HINT = "expected a literal (expression text, number or nested list) or a reference call {ref: NAME, args: {...}}"


def issues_from_validation(exc: ValidationError, data: Any, positions: dict[PathKey, tuple[int, int]],
                           file: str | None) -> list[RubricIssue]:
    """One located, readable issue per problem (union branches merged)."""
    by_path: dict[PathKey, list[Any]] = {}
    for error in exc.errors(include_url=False):
        path, _ = _doc_path(data, tuple(error["loc"]))
        by_path.setdefault(path, []).append(error)
    issues: list[RubricIssue] = []
    for path, errors in by_path.items():
        deeper = any(other[: len(path)] == path and len(other) > len(path) for other in by_path)
        location = locate(path, positions, file)
        extra = [e for e in errors if e["type"] == "extra_forbidden"]
        if extra:
            key = str(path[-1]) if path else "?"
            parent = _value_at(data, path[:-1])
            hint = _did_you_mean(key, parent if isinstance(parent, dict) else {})
            issues.append(RubricIssue(f"unknown key '{key}'", location, hint))
            continue
        loc_steps = [tuple(e["loc"]) for e in errors]
        is_union = len(errors) > 1 and any(any(isinstance(s, str) and (s[:1].isupper() or "[" in s) for s in loc) for loc in loc_steps)
        if is_union and deeper:
            continue  # the branch that fits the value (a {ref: ...} mapping) reports deeper down
        if is_union:
            ref_errors = [e for e in errors if "RefCall" in e["loc"]]
            value = _value_at(data, path)
            if isinstance(value, dict) and ref_errors:
                issues.append(RubricIssue(_message(ref_errors[0]), location))
            else:
                issues.append(RubricIssue(_UNION_HINT, location))
            continue
        error = errors[0]
        issues.append(RubricIssue(_message(error), location))
    return issues


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "missing":
        return f"required key '{error['loc'][-1]}' is missing"
    if kind == "union_tag_invalid":
        context = error.get("ctx") or {}
        tag = str(context.get("tag"))
        close = difflib.get_close_matches(tag, models.KINDS, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return f"unknown answer kind {tag!r}; {hint}use one of: {', '.join(models.KINDS)}"
    if kind == "union_tag_not_found":
        return f"answer needs a 'kind' (one of: {', '.join(models.KINDS)})"
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, "):]
    return message


def _value_at(data: Any, path: PathKey) -> Any:
    current = data
    for step in path:
        if isinstance(current, dict) and step in current:
            current = current[step]
        elif isinstance(current, list) and isinstance(step, int) and 0 <= step < len(current):
            current = current[step]
        else:
            return None
    return current


# --------------------------------------------------------------------------- public


def parse_rubric_text(text: str, file: str | None = None) -> tuple[models.Rubric, dict[PathKey, tuple[int, int]]]:
    """Validate rubric text against the schema. Raises RubricError listing every issue."""
    data, positions = read_yaml_with_positions(text, file)
    if not isinstance(data, dict):
        raise RubricError([RubricIssue("a rubric must be a YAML mapping with 'assignment' and 'questions'", Location(file, 1, 1))])
    try:
        rubric = models.Rubric.model_validate(data)
    except ValidationError as exc:
        raise RubricError(issues_from_validation(exc, data, positions, file)) from None
    return rubric, positions


def load_rubric(path: str | Path) -> tuple[models.Rubric, str]:
    """Read and validate a rubric file; returns (rubric, sha256 of its text)."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise RubricError([RubricIssue("file not found", Location(file))]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise RubricError([RubricIssue(f"cannot read file: {exc}", Location(file))]) from None
    rubric, _ = parse_rubric_text(text, file)
    return rubric, rubric_hash(text)


__all__ = [
    "format_path",
    "load_rubric",
    "locate",
    "parse_rubric_text",
    "read_yaml_with_positions",
]

