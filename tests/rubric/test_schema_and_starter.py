"""The committed JSON Schema is current; the starter rubric is valid and self-consistent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support import REPO, run_grader

from grader.rubric.schema import rubric_json_schema_text


def test_committed_schema_matches_the_models() -> None:
    committed = (REPO / "rubrics" / "rubric.schema.json").read_text(encoding="utf-8")
    assert committed == rubric_json_schema_text(), (
        "rubrics/rubric.schema.json is stale: run 'grader rubric schema -o rubrics/rubric.schema.json'"
    )


def test_cli_schema_prints_the_committed_schema() -> None:
    result = run_grader("rubric", "schema", check=True)
    assert result.stdout == (REPO / "rubrics" / "rubric.schema.json").read_text(encoding="utf-8")


def test_every_schema_property_is_documented() -> None:
    schema = json.loads(rubric_json_schema_text())
    undocumented = []
    for name, definition in schema["$defs"].items():
        for prop, body in definition.get("properties", {}).items():
            if "description" not in body and prop != "kind":
                undocumented.append(f"{name}.{prop}")
    assert not undocumented, undocumented


@pytest.mark.torch  # the starter's key uses reference implementations
def test_rubric_new_writes_a_valid_starter_that_passes_its_own_tests(tmp_path: Path) -> None:
    target = tmp_path / "hw1.yaml"
    run_grader("rubric", "new", "-o", str(target), check=True)
    text = target.read_text(encoding="utf-8")
    for kind in ("expression", "number", "array", "tuple", "choice", "constraint", "network", "manual"):
        assert f"kind: {kind}" in text, kind
    check = run_grader("rubric", "check", str(target))
    assert check.returncode == 0, check.stdout + check.stderr
    test = run_grader("rubric", "test", str(target))
    assert test.returncode == 0, test.stdout + test.stderr
    assert " 0 failed" in test.stdout


def test_rubric_new_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "hw1.yaml"
    target.write_text("keep me", encoding="utf-8")
    result = run_grader("rubric", "new", "-o", str(target))
    assert result.returncode == 2
    assert target.read_text(encoding="utf-8") == "keep me"


def test_the_defaults_are_stated_in_the_starter_and_the_readme(tmp_path: Path) -> None:
    """The starter's header and the README give the defaults the schema really has."""
    from support import run_grader

    from grader.rubric import models
    from grader.rubric.starter import defaults_lines

    lines = defaults_lines()
    tolerance = models.Tolerance()
    assert f"rtol {tolerance.rtol:g}, atol {tolerance.atol:g}" in lines[1]
    assert models.Defaults().undecided.value in lines[6]
    out = tmp_path / "starter.yaml"
    run_grader("rubric", "new", "-o", str(out), check=True)
    starter = out.read_text(encoding="utf-8")
    assert "@DEFAULTS@" not in starter
    for line in lines:
        assert f"# {line}".rstrip() in starter
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "\n".join(lines) in readme, "README's defaults block is stale: copy grader.rubric.starter.defaults_lines()"


def _validator():  # type: ignore[no-untyped-def]
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((REPO / "rubrics" / "rubric.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("path", sorted((REPO / "rubrics").glob("*.yaml")), ids=lambda p: p.stem)
def test_bundled_rubrics_validate_against_the_committed_schema(path: Path) -> None:
    import yaml

    errors = [error.message for error in _validator().iter_errors(yaml.safe_load(path.read_text(encoding="utf-8")))]
    assert not errors, errors[:3]


@pytest.mark.parametrize(("symbol", "valid"), [
    ("positive integer", True), ("interval(-2, 3)", True), ("identity", True),
    ({"domain": "interval", "low": -2, "high": 3}, True), (3, False), ({"domain": "sometimes"}, False),
])
def test_schema_takes_a_symbol_written_as_text(symbol: object, valid: bool) -> None:
    rubric = {
        "assignment": {"id": "hw", "title": "HW"},
        "questions": [{"id": "q1", "parts": [{"id": "q1.a", "points": 1, "prompt": "x?", "answer": {
            "kind": "expression", "expected": "x", "symbols": {"x": symbol}}}]}],
    }
    errors = list(_validator().iter_errors(rubric))
    assert (not errors) == valid, [error.message for error in errors]
