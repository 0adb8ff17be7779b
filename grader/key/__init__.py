"""The answer key: every part's expected value, frozen as plain JSON.

``grader.key`` (this package's face) is the model and loading: no torch, no ``reference``.
Building a key from a rubric's reference calls is ``grader.key.build`` (torch, lazily).
"""

from grader.key.model import (
    KEY_FORMAT,
    AnswerKey,
    KeyPart,
    apply_transform,
    check_key_matches,
    default_key_path,
    format_key_table,
    key_from_json,
    load_key,
)

__all__ = [
    "KEY_FORMAT",
    "AnswerKey",
    "KeyPart",
    "apply_transform",
    "check_key_matches",
    "default_key_path",
    "format_key_table",
    "key_from_json",
    "load_key",
]
