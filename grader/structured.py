"""Structured data from untrusted text: YAML (and so JSON) with size, nesting and alias limits.

Shared by answers files (``grader.submission.answers_file``) and by checkers that accept a
structured answer written as text (``kind: network`` inside a write-up's ``\\answer`` tag).

- The loader is PyYAML's SafeLoader (the loader ``yaml.safe_load`` uses, in its C version
  when available; never ``yaml.load`` with a full loader), extended only to (1) record
  duplicate keys and (2) keep scalars whose YAML 1.1 typing would surprise a student as
  their text: ``yes``/``no``/``on``/``off`` stay text, ``010`` is not octal 8, ``1:30`` is
  not 90, dates stay text. So an answer reads the same from ``answers.yaml`` and from a tag.
- ``nesting_exceeds`` counts nesting on the parser's event stream (iterative, cheap) before
  anything is composed: libyaml's composer recurses in C and crashes the process on a
  document nested some 25,000 levels deep (``[[[[...``), which a 64 KB answer can be.
- ``too_large`` bounds what a loaded value holds: shared YAML aliases count each time they
  are used, so the walk stops early on an alias bomb (``&a [*b, *b, ...]``);
  ``node_too_large`` does the same on the composed node graph, before anything is
  converted to Python values (nothing is ever ``str()``-ed before it is bounded).
- A key given twice in one mapping is recorded and the FIRST value is kept (the same rule
  as a part tagged twice in a write-up).
- Integers longer than ``MAX_INT_DIGITS`` digits stay text (Python refuses to convert
  integers over 4300 digits; the math parser applies its own digit limits to text).
- ``has_lone_surrogate``: JSON escapes (``"\\ud800"``) can put lone UTF-16 surrogates in a
  string, which cannot be encoded; callers treat such a value as unreadable.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

__all__ = [
    "MAX_ITEMS",
    "MAX_DEPTH",
    "MAX_TEXT_BYTES",
    "MAX_YAML_NESTING",
    "LiteralSafeLoader",
    "StructuredTextError",
    "load_structured_text",
    "MAX_INT_DIGITS",
    "has_lone_surrogate",
    "json_int",
    "looks_structured",
    "nesting_exceeds",
    "node_too_large",
    "too_large",
    "yaml_error_message",
]

MAX_ITEMS = 20_000  # numbers/strings in one structured answer (stops YAML alias bombs)
MAX_DEPTH = 32  # nesting levels of one structured answer
MAX_TEXT_BYTES = 64 * 1024  # a structured answer written as text
MAX_YAML_NESTING = 1000  # a whole YAML document (libyaml's composer is safe far beyond this)
MAX_INT_DIGITS = 1000  # longer integers are kept as text (int() refuses over 4300 digits)

_PLAIN_INT = re.compile(r"^[-+]?(0|[1-9][0-9]*)$")
_PLAIN_FLOAT = re.compile(r"^[-+]?([0-9]+\.[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$")

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LiteralSafeLoader(_Base):  # type: ignore[misc,valid-type]
    """SafeLoader + duplicate-key record + literal-minded scalars."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int]] = []

    def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
        """A mapping whose repeated keys are recorded; the first value of a key is kept."""
        if not isinstance(node, yaml.MappingNode):
            return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]
        self.flatten_mapping(node)  # merge keys (<<)
        mapping: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                seen = key in mapping
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark, "found an unhashable key", key_node.start_mark
                ) from None
            if seen:
                self.duplicates.append((_short(key), key_node.start_mark.line + 1))
                continue
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


def _short(key: Any, limit: int = 80) -> str:
    text = key if isinstance(key, str) else repr(key)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def json_int(text: str) -> Any:
    """``parse_int`` for ``json.loads``: an int, or the text when it has too many digits."""
    return int(text) if len(text) <= MAX_INT_DIGITS else text


def _construct_int(loader: Any, node: Any) -> Any:
    text = loader.construct_scalar(node)
    return int(text) if len(text) <= MAX_INT_DIGITS and _PLAIN_INT.match(text) else text


def _construct_float(loader: Any, node: Any) -> Any:
    text = loader.construct_scalar(node)
    return float(text) if _PLAIN_FLOAT.match(text) else text


def _construct_text(loader: Any, node: Any) -> Any:
    return loader.construct_scalar(node)


LiteralSafeLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)
LiteralSafeLoader.add_constructor("tag:yaml.org,2002:float", _construct_float)
LiteralSafeLoader.add_constructor("tag:yaml.org,2002:bool", _construct_text)
LiteralSafeLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_text)

_OPEN = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def nesting_exceeds(text: str, limit: int = MAX_YAML_NESTING) -> bool:
    """True when the YAML ``text`` nests sequences/mappings more than ``limit`` deep.

    Reads parser events only (no composing); stops at the first level past the limit.
    Text that is not valid YAML gives False: loading it reports the error. Every level
    needs a ``[``, ``{``, ``-``, ``:`` or ``?`` of its own, so text with no more of those
    than ``limit`` is not read at all (a typical answers file).
    """
    if sum(text.count(char) for char in "[{-:?") <= limit:
        return False
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_Base):
            if isinstance(event, _OPEN):
                depth += 1
                if depth > limit:
                    return True
            elif isinstance(event, _CLOSE):
                depth -= 1
    except yaml.YAMLError:
        return False
    return False


def too_large(value: Any, max_items: int = MAX_ITEMS, max_depth: int = MAX_DEPTH) -> bool:
    """True when a loaded value holds more than ``max_items`` items (containers and
    scalars, shared aliases counted each time they are used) or nests deeper than
    ``max_depth``. Stops as soon as either limit is passed."""
    budget = [max_items]

    def walk(item: Any, depth: int) -> bool:
        if depth > max_depth:
            return True
        budget[0] -= 1
        if budget[0] < 0:
            return True
        if isinstance(item, dict):
            return any(walk(child, depth + 1) for child in item.values())
        if isinstance(item, list):
            return any(walk(child, depth + 1) for child in item)
        return False

    return walk(value, 0)


def node_too_large(node: Any, max_items: int = MAX_ITEMS, max_depth: int = MAX_DEPTH) -> bool:
    """``too_large`` on a composed YAML node graph (before any conversion): an alias is the
    very node it names, so it counts each time it is used. Iterative; stops early."""
    budget = max_items
    stack: list[tuple[Any, int]] = [(node, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > max_depth:
            return True
        budget -= 1
        if budget < 0:
            return True
        if isinstance(item, yaml.MappingNode):
            for key_node, value_node in item.value:
                stack.append((key_node, depth + 1))
                stack.append((value_node, depth + 1))
        elif isinstance(item, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in item.value)
    return False


def has_lone_surrogate(value: Any) -> bool:
    """True when a loaded value (bounded by ``too_large`` first) holds text with a lone
    UTF-16 surrogate (only JSON escapes such as ``"\\ud800"`` can produce one)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def yaml_error_message(exc: yaml.YAMLError) -> tuple[str, Any]:
    """The problem (with its context) of a YAML error, and its mark (or None)."""
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    context = getattr(exc, "context", None)
    return (f"{problem} ({context})" if context else str(problem)), mark


class StructuredTextError(ValueError):
    """Text that was meant as structured data but cannot be used; the message says why."""


def looks_structured(text: str) -> bool:
    """True for text written as a YAML/JSON flow mapping or list (``{...}`` or ``[...]``)."""
    stripped = text.strip()
    return len(stripped) >= 2 and (stripped[0], stripped[-1]) in (("{", "}"), ("[", "]"))


def load_structured_text(
    text: str, *, max_bytes: int = MAX_TEXT_BYTES, max_items: int = MAX_ITEMS, max_depth: int = MAX_DEPTH
) -> Any:
    """Read a YAML/JSON flow mapping or list written as text, within limits.

    Raises StructuredTextError with a message for a student when the text is not a flow
    mapping or list, is larger than ``max_bytes``, is not valid YAML/JSON, or holds too
    much (``too_large``).
    """
    stripped = text.strip()
    if not looks_structured(stripped):
        raise StructuredTextError("expected a mapping {...} or a list [...] (YAML or JSON)")
    size = len(stripped.encode("utf-8", "replace"))
    if size > max_bytes:
        raise StructuredTextError(f"larger than {max_bytes // 1024} KB; not read")
    if nesting_exceeds(stripped, max_depth):
        raise StructuredTextError(f"nested more than {max_depth} levels deep; not read")
    loader = LiteralSafeLoader(stripped)
    try:
        node = loader.get_single_node()
        if node is not None and node_too_large(node, max_items, max_depth):
            raise StructuredTextError(
                f"too large or too deeply nested (over {max_items} items or {max_depth} levels); not read"
            )
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        try:  # JSON that YAML 1.1 does not take (rare); the same limits apply below
            data = json.loads(stripped, parse_constant=str, parse_int=json_int)
        except (ValueError, RecursionError):
            message, mark = yaml_error_message(exc)
            where = f" at column {mark.column + 1}" if mark is not None and mark.line == 0 else (
                f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
            )
            raise StructuredTextError(f"not valid YAML/JSON{where}: {message}") from None
    except RecursionError:
        raise StructuredTextError("nested too deeply; not read") from None
    finally:
        loader.dispose()
    if too_large(data, max_items, max_depth):
        raise StructuredTextError(f"too large or too deeply nested (over {max_items} items or {max_depth} levels); not read")
    if has_lone_surrogate(data):
        raise StructuredTextError("holds an invalid character (a lone UTF-16 surrogate escape such as \\ud800); not read")
    return data
