"""The commented starter rubric written by ``grader rubric new``."""

from __future__ import annotations

from importlib import resources


def starter_text() -> str:
    """Text of the starter rubric (every answer kind, commented)."""
    return resources.files("grader.data").joinpath("starter.yaml").read_text(encoding="utf-8")
