"""JSON Schema export of the rubric model (for editors: yaml-language-server)."""

from __future__ import annotations

import json
from typing import Any

from grader.rubric.models import Rubric


def rubric_json_schema() -> dict[str, Any]:
    """The JSON Schema of a rubric file, with every field's description."""
    schema = Rubric.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "grader rubric"
    return schema


def rubric_json_schema_text() -> str:
    """The schema as the exact text committed at rubrics/rubric.schema.json."""
    return json.dumps(rubric_json_schema(), indent=2, sort_keys=True) + "\n"
