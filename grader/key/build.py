"""Building the answer key: evaluate the rubric's reference calls and literal values.

Reference calls run the torch implementations of ``reference/`` (imported lazily, only
here): this is the one place of grader that reaches ``reference``.
"""

from __future__ import annotations

import json
import math
import platform
from typing import Any

from grader import __version__
from grader.errors import AnswerKeyError, ReferenceCallError
from grader.key.model import AnswerKey, KeyPart, apply_transform, scale_value, select_path
from grader.rubric.models import Mistake, Part, RefCall, Rubric

__all__ = ["TorchMissing", "build_key", "build_part", "resolve"]


class TorchMissing(ReferenceCallError):
    """A reference call needs torch and this install has none (a grading-only install)."""


def _check_finite(value: Any, where: str) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        raise ReferenceCallError(f"{where}: reference produced a non-finite value ({value})")
    if isinstance(value, list):
        for item in value:
            _check_finite(item, where)
    if isinstance(value, dict):
        for item in value.values():
            _check_finite(item, where)
    return value


def cached_result(cache: dict[str, Any], call: RefCall) -> Any:
    """The whole (unselected) result of ``call`` once ``resolve`` has evaluated it into ``cache``."""
    return cache.get(json.dumps([call.ref, call.args], sort_keys=True))


def resolve(expected: Any, device: str, where: str, cache: dict[str, Any]) -> tuple[Any, str]:
    """Evaluate a literal or a RefCall to a JSON value; returns (value, source)."""
    if isinstance(expected, RefCall):
        from reference import catalog  # lazy: only key building needs torch

        cache_key = json.dumps([expected.ref, expected.args], sort_keys=True)
        if cache_key not in cache:
            try:
                cache[cache_key] = catalog.call(expected.ref, dict(expected.args), device=device)
            except ReferenceCallError as exc:
                raise ReferenceCallError(f"{where}: {exc}") from exc
            except ModuleNotFoundError as exc:
                if exc.name != "torch":
                    raise
                raise TorchMissing(
                    f"{where}: the reference '{expected.ref}' needs torch, which is not installed; "
                    "install grader with the 'reference' extra (bash scripts/setup.sh does), "
                    "or give a built answer key with --key"
                ) from None
        value = select_path(cache[cache_key], expected.select, expected.ref)
        value = apply_transform(value, expected.transform)
        if expected.scale is not None:
            value = scale_value(value, expected.scale)
        return _check_finite(value, where), expected.ref
    return expected, "literal"


def _mistake_value(mistake: Mistake, expected_value: Any, device: str, where: str, cache: dict[str, Any]) -> Any:
    if mistake.match is not None:
        return resolve(mistake.match, device, where, cache)[0]
    return apply_transform(expected_value, mistake.transform or "none", mistake.factor)


def build_part(part: Part, device: str = "cpu", cache: dict[str, Any] | None = None) -> KeyPart:
    """Resolve one part's expected value and mistake values."""
    cache = {} if cache is None else cache
    spec = part.answer
    expected = getattr(spec, "expected", None)
    value, source = resolve(expected, device, f"{part.id}.answer.expected", cache)
    mistakes = {
        mistake.id: _mistake_value(mistake, value, device, f"{part.id}.mistakes.{mistake.id}", cache)
        for mistake in part.mistakes
    }
    return KeyPart(kind=spec.kind, expected=value, mistakes=mistakes, source=source)


def _check_zero_has_atol(rubric: Rubric, part: Part, key_part: KeyPart) -> None:
    """A number part whose reference gives 0 needs an absolute tolerance: relative to 0,
    only exactly 0 would be accepted (``grader rubric check`` reports literal zeros)."""
    if part.answer.kind != "number" or key_part.source == "literal":
        return
    value = key_part.expected
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != 0:
        return
    tolerance = rubric.tolerance_for(part)
    if tolerance.sigfigs is None and tolerance.decimals is None and tolerance.atol == 0:
        raise AnswerKeyError(
            f"{part.id}: the reference gives an expected value of 0 and the part has no absolute "
            "tolerance, so only exactly 0 would be accepted; add e.g. 'tolerance: {atol: 1.0e-6}' "
            "(the largest error you accept) to the part, or 'sigfigs'/'decimals'"
        )


def build_key(rubric: Rubric, sha256: str, device: str = "cpu") -> AnswerKey:
    """Build the answer key of a rubric (imports torch only if a part uses a ref)."""
    cache: dict[str, Any] = {}
    parts = {part.id: build_part(part, device, cache) for part in rubric.parts()}
    for part in rubric.parts():
        _check_zero_has_atol(rubric, part, parts[part.id])
    versions = {"grader": __version__, "python": platform.python_version()}
    uses_refs = any(part.source != "literal" for part in parts.values())
    if uses_refs:
        import torch  # already imported by the reference calls

        versions["torch"] = str(torch.__version__)
    return AnswerKey(
        assignment=rubric.assignment.id,
        rubric_sha256=sha256,
        parts=parts,
        versions=versions,
        device=device,
    )
