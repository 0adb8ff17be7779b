"""The answer key model: every part's expected value, frozen as plain JSON.

``load_key`` reads the JSON back with neither torch nor ``reference`` imported, so grading
(and the Gradescope image) never needs torch; building a key is ``grader.key.build``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import AnswerKeyError, ReferenceCallError
from grader.rubric.models import Rubric

KEY_FORMAT = 1


@dataclass(frozen=True)
class KeyPart:
    """Expected value of one part and the resolved values of its mistake rules."""

    kind: str
    expected: Any
    mistakes: dict[str, Any] = field(default_factory=dict)
    source: str = "literal"  # "literal" or the reference name it came from

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "expected": self.expected,
            "mistakes": self.mistakes,
            "source": self.source,
        }


@dataclass(frozen=True)
class AnswerKey:
    """A frozen answer key for one rubric (identified by the rubric's hash)."""

    assignment: str
    rubric_sha256: str
    parts: dict[str, KeyPart]
    versions: dict[str, str] = field(default_factory=dict)
    device: str = "cpu"

    def to_json(self) -> dict[str, Any]:
        return {
            "format": KEY_FORMAT,
            "assignment": self.assignment,
            "rubric_sha256": self.rubric_sha256,
            "device": self.device,
            "versions": self.versions,
            "parts": {part_id: part.to_json() for part_id, part in self.parts.items()},
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=True, allow_nan=False) + "\n"


# --------------------------------------------------------------------------- loading


def default_key_path(rubric_path: Path) -> Path:
    """Where ``grader key build`` writes a rubric's key: ``<rubric stem>.key.json`` beside it."""
    return rubric_path.with_name(rubric_path.stem + ".key.json")


def key_from_json(data: Any) -> AnswerKey:
    """Validate a parsed key document. Raises AnswerKeyError with what is wrong."""
    if not isinstance(data, dict):
        raise AnswerKeyError("an answer key must be a JSON object")
    if data.get("format") != KEY_FORMAT:
        raise AnswerKeyError(
            f"unsupported answer-key format {data.get('format')!r} (expected {KEY_FORMAT}); rebuild it with 'grader key build'"
        )
    try:
        parts = {
            str(part_id): KeyPart(
                kind=str(entry["kind"]),
                expected=entry.get("expected"),
                mistakes=dict(entry.get("mistakes") or {}),
                source=str(entry.get("source", "literal")),
            )
            for part_id, entry in data["parts"].items()
        }
        return AnswerKey(
            assignment=str(data["assignment"]),
            rubric_sha256=str(data["rubric_sha256"]),
            parts=parts,
            versions=dict(data.get("versions") or {}),
            device=str(data.get("device", "cpu")),
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise AnswerKeyError(f"malformed answer key: missing or bad field {exc}") from exc


def load_key(path: str | Path) -> AnswerKey:
    """Read an answer key JSON file (no torch needed)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise AnswerKeyError(f"cannot read answer key {path}: {exc.strerror}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AnswerKeyError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from exc
    return key_from_json(data)


def check_key_matches(key: AnswerKey, rubric: Rubric, sha256: str) -> None:
    """Raise AnswerKeyError when a key was built from another rubric version."""
    if key.rubric_sha256 != sha256:
        raise AnswerKeyError(
            f"answer key was built from another version of the rubric (hash {key.rubric_sha256[:12]}, "
            f"rubric is {sha256[:12]}); rebuild it with 'grader key build'"
        )
    missing = [part.id for part in rubric.parts() if part.id not in key.parts]
    if missing:
        raise AnswerKeyError(f"answer key lacks parts {', '.join(missing)}; rebuild it")


# --------------------------------------------------------------------------- building


def select_path(value: Any, path: str | None, ref: str) -> Any:
    if not path:
        return value
    current = value
    for step in path.split("."):
        if isinstance(current, dict) and step in current:
            current = current[step]
        elif isinstance(current, list) and step.lstrip("-").isdigit() and -len(current) <= int(step) < len(current):
            current = current[int(step)]
        else:
            available = sorted(current) if isinstance(current, dict) else f"{len(current)} items" if isinstance(current, list) else type(current).__name__
            raise ReferenceCallError(f"{ref}: select '{path}' fails at '{step}' (available: {available})")
    return current


def _map_numbers(value: Any, fn: Any) -> Any:
    if isinstance(value, list):
        return [_map_numbers(item, fn) for item in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return fn(value)
    if isinstance(value, str):
        return fn(value)
    raise ReferenceCallError(f"cannot transform a value of type {type(value).__name__}")


def _transpose(value: Any) -> Any:
    if not isinstance(value, list) or not value or not all(isinstance(row, list) for row in value):
        if isinstance(value, list):  # a vector: row <-> column
            return [[item] for item in value]
        return value
    widths = {len(row) for row in value}
    if len(widths) != 1:
        raise ReferenceCallError("cannot transpose a ragged array")
    return [list(column) for column in zip(*value, strict=False)]


def _flatten(value: Any) -> Any:
    if isinstance(value, list):
        out: list[Any] = []
        for item in value:
            flat = _flatten(item)
            out.extend(flat if isinstance(flat, list) else [flat])
        return out
    return value


def scale_value(value: Any, factor: float) -> Any:
    def scale(item: Any) -> Any:
        if isinstance(item, str):
            return f"({factor!r})*({item})"
        return item * factor

    return _map_numbers(value, scale)


def _negate(value: Any) -> Any:
    return _map_numbers(value, lambda item: f"-({item})" if isinstance(item, str) else -item)


def apply_transform(value: Any, transform: str, factor: float | None = None) -> Any:
    """Apply a rubric transform (transpose, negate, flatten, scale) to a JSON value."""
    if transform in ("none", None):
        return value
    if transform == "transpose":
        return _transpose(value)
    if transform == "negate":
        return _negate(value)
    if transform == "flatten":
        return _flatten(value)
    if transform == "scale":
        return scale_value(value, float(factor if factor is not None else 1.0))
    raise ReferenceCallError(f"unknown transform {transform!r}")


def _short(value: Any, width: int = 60) -> str:
    text = json.dumps(value, separators=(", ", ": ")) if not isinstance(value, str) else value
    return text if len(text) <= width else text[: width - 3] + "..."


def format_key_table(key: AnswerKey, width: int = 60) -> str:
    """The key as a plain-text table a TA can eyeball: part, kind, source, expected, rules."""
    rows = [("part", "kind", "source", "expected", "mistake rules")]
    for part_id, part in key.parts.items():
        rules = ", ".join(f"{rule_id}={_short(value, 24)}" for rule_id, value in part.mistakes.items())
        rows.append((part_id, part.kind, part.source, _short(part.expected, width), rules))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = [
        "  ".join(cell.ljust(widths[column]) for column, cell in enumerate(row[:4])) + "  " + row[4]
        for row in rows
    ]
    lines.insert(1, "-" * min(120, sum(widths) + 8 + len(rows[0][4])))
    header = f"answer key for {key.assignment} (rubric {key.rubric_sha256[:12]}, device {key.device}, " + ", ".join(
        f"{name} {version}" for name, version in sorted(key.versions.items())
    ) + ")"
    return header + "\n" + "\n".join(line.rstrip() for line in lines) + "\n"
