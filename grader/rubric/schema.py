"""JSON Schema export of the rubric model (for editors: yaml-language-server)."""

from __future__ import annotations

import json
from typing import Any

from grader.rubric.domains import SIMPLE_DOMAINS
from grader.rubric.models import Rubric


def rubric_json_schema() -> dict[str, Any]:
    """The JSON Schema of a rubric file, with every field's description.

    A symbol may also be written as text (``x: "interval(-2, 3)"``, ``n: positive integer``:
    ``grader.rubric.domains``), which the models read before validating: the schema says so,
    so that editors do not flag it."""
    schema = Rubric.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "grader rubric"
    definitions = schema.get("$defs", {})
    if "SymbolSpec" in definitions:
        spec = definitions.pop("SymbolSpec")
        definitions["SymbolSpecFields"] = spec
        definitions["SymbolSpec"] = {
            "title": "SymbolSpec",
            "description": spec.get("description", ""),
            "anyOf": [
                {"$ref": "#/$defs/SymbolSpecFields"},
                {
                    "type": "string",
                    "description": f"A domain written as text: {', '.join(SIMPLE_DOMAINS)} (spaces, hyphens or "
                    "underscores), interval(a, b) (exclusive bounds), matrix(m, n) or identity.",
                    "examples": ["positive", "positive integer", "interval(-2, 3)", "matrix(3, 1)", "identity"],
                },
            ],
        }
    return schema


def rubric_json_schema_text() -> str:
    """The schema as the exact text committed at rubrics/rubric.schema.json."""
    return json.dumps(rubric_json_schema(), indent=2, sort_keys=True) + "\n"
