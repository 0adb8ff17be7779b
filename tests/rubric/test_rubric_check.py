"""`grader rubric check` accepts the bundled rubrics and rejects each broken fixture
with file:line:column, the document path and a readable message."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support import REPO, rubric_params, run_grader

from grader.authoring.check import check_text
from grader.errors import RubricError
from grader.rubric.load import parse_rubric_text

BROKEN = sorted((Path(__file__).parent / "broken").glob("*.yaml"))
RUBRICS = sorted((REPO / "rubrics").glob("*.yaml"))


def expectation(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} lacks its '# expect:' line"
    return first[len("# expect: "):]


def test_there_are_enough_broken_fixtures() -> None:
    assert len(BROKEN) >= 12


@pytest.mark.parametrize("path", rubric_params(BROKEN))  # reference calls are evaluated: torch
def test_broken_fixture_is_reported_where_it_is(path: Path) -> None:
    issues = check_text(path.read_text(encoding="utf-8"), str(path))
    rendered = [str(issue) for issue in issues]
    assert rendered, f"{path.name} was accepted"
    wanted = expectation(path)
    assert any(wanted in line for line in rendered), f"{wanted!r} not in {rendered}"
    # every issue names the file and a line number
    for line in rendered:
        assert re.match(rf"{re.escape(str(path))}:\d+(:\d+)?: ", line), line


@pytest.mark.torch  # some fixtures' reference calls are evaluated
def test_cli_rejects_all_broken_fixtures_with_exit_1() -> None:
    result = run_grader("rubric", "check", *map(str, BROKEN))
    assert result.returncode == 1, result.stdout + result.stderr
    for path in BROKEN:
        lines = [line for line in result.stdout.splitlines() if line.startswith(str(path))]
        assert any(expectation(path) in line for line in lines), (path.name, lines)
        assert f"{path}: ok" not in result.stdout


@pytest.mark.torch  # the bundled rubrics' reference calls are evaluated
def test_cli_accepts_every_bundled_rubric() -> None:
    assert RUBRICS, "no bundled rubrics"
    result = run_grader("rubric", "check", *map(str, RUBRICS))
    assert result.returncode == 0, result.stdout + result.stderr
    for path in RUBRICS:
        assert f"{path}: ok" in result.stdout


@pytest.mark.parametrize("path", RUBRICS, ids=[p.stem for p in RUBRICS])
def test_bundled_rubric_declares_its_schema_for_editors(path: Path) -> None:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=./rubric.schema.json"


def test_yaml_is_read_safely_no_object_construction() -> None:
    text = "!!python/object/apply:os.system ['echo pwned']\n"
    with pytest.raises(RubricError) as info:
        parse_rubric_text(text, "evil.yaml")
    assert "evil.yaml:1:1" in str(info.value)


@pytest.mark.parametrize("depth", [150, 30000])  # 30000: libyaml's composer would crash the process
def test_deeply_nested_yaml_is_an_error_not_a_crash(depth: int) -> None:
    text = "assignment: " + "[" * depth + "]" * depth + "\n"
    with pytest.raises(RubricError) as info:
        parse_rubric_text(text, "deep.yaml")
    assert "nested more than 100 levels" in str(info.value)


def test_missing_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    result = run_grader("rubric", "check", str(tmp_path / "nope.yaml"))
    assert result.returncode == 1
    assert "cannot read" in result.stdout and "Traceback" not in result.stderr


@pytest.mark.torch  # builds the keys
def test_every_bundled_rubric_passes_its_self_tests() -> None:
    """`grader rubric test rubrics/*.yaml`: every sample answer gets its declared score."""
    result = run_grader("rubric", "test", *map(str, RUBRICS))
    assert result.returncode == 0, result.stdout + result.stderr
    for path in RUBRICS:
        summary = [line for line in result.stdout.splitlines() if line.startswith(f"{path}: ") and "passed" in line]
        assert summary and summary[0].endswith(" 0 failed"), (path, summary)
        passed = int(summary[0].split(": ")[1].split(" passed")[0])
        assert passed >= 20, f"{path} has only {passed} self-tests"
