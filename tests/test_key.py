"""Answer keys: built from rubrics with the torch references, loaded without torch."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from support import REPO, rubric_params, run_grader

from grader.errors import AnswerKeyError
from grader.key import check_key_matches, key_from_json, load_key
from grader.key.build import build_key
from grader.rubric.load import parse_rubric_text, rubric_hash

RUBRICS = sorted((REPO / "rubrics").glob("*.yaml"))

SMALL = textwrap.dedent(
    """\
    assignment: {id: small, title: Small}
    questions:
      - id: q1
        parts:
          - id: q1.mean
            points: 1
            prompt: batch mean
            answer:
              kind: array
              expected: {ref: norm.stats, args: {x: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], layout: NCL, kind: batch}, select: mean}
            mistakes:
              - {id: unbiased, match: {ref: norm.stats, args: {x: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], layout: NCL, kind: batch, unbiased: true}, select: var}, score: 0.5, feedback: f}
              - {id: neg, transform: negate, score: 0.1, feedback: g}
          - id: q1.lam
            points: 2
            prompt: lambda
            answer: {kind: expression, expected: (1-p)/p, symbols: {p: {domain: interval, low: 0, high: 1}}}
    """
)


@pytest.mark.torch  # builds the key first
def test_build_key_resolves_refs_selects_and_transforms() -> None:
    rubric, _ = parse_rubric_text(SMALL)
    key = build_key(rubric, rubric_hash(SMALL))
    mean = key.parts["q1.mean"]
    assert mean.source == "norm.stats"
    assert mean.expected == pytest.approx([3.5, 5.5])  # channel 0: 1,2,5,6; channel 1: 3,4,7,8
    assert mean.mistakes["neg"] == pytest.approx([-3.5, -5.5])
    # unbiased variance of [1, 2, 5, 6]: mean 3.5, squares 6.25+2.25+2.25+6.25 = 17, / 3
    assert mean.mistakes["unbiased"][0] == pytest.approx(17 / 3)
    assert key.parts["q1.lam"].expected == "(1-p)/p"
    assert "torch" in key.versions


@pytest.mark.torch  # builds the key first
def test_key_round_trips_through_json_and_checks_its_rubric(tmp_path: Path) -> None:
    rubric, _ = parse_rubric_text(SMALL)
    sha = rubric_hash(SMALL)
    key = build_key(rubric, sha)
    path = tmp_path / "key.json"
    path.write_text(key.dumps(), encoding="utf-8")
    loaded = load_key(path)
    assert loaded == key
    check_key_matches(loaded, rubric, sha)
    with pytest.raises(AnswerKeyError, match="another version of the rubric"):
        check_key_matches(loaded, rubric, rubric_hash(SMALL + "\n# edited\n"))


@pytest.mark.parametrize(
    "document, message",
    [
        ([], "must be a JSON object"),
        ({"format": 99}, "unsupported answer-key format"),
        ({"format": 1, "assignment": "a"}, "malformed answer key"),
    ],
    ids=["not-an-object", "future-format", "missing-fields"],
)
def test_bad_key_documents_are_rejected(document: object, message: str) -> None:
    with pytest.raises(AnswerKeyError, match=message):
        key_from_json(document)


def test_key_file_that_is_not_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "key.json"
    path.write_text('{"format": 1,\n  oops}', encoding="utf-8")
    with pytest.raises(AnswerKeyError, match=r"key.json:2:3: not valid JSON"):
        load_key(path)


@pytest.mark.parametrize("rubric", rubric_params(RUBRICS))
def test_key_build_cli_on_every_bundled_rubric(rubric: Path, tmp_path: Path) -> None:
    out = tmp_path / "key.json"
    result = run_grader("key", "build", str(rubric), "-o", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["rubric_sha256"] == rubric_hash(rubric.read_text(encoding="utf-8"))
    show = run_grader("key", "show", str(out))
    assert show.returncode == 0 and data["assignment"] in show.stdout


BLOCK_TORCH = textwrap.dedent(
    """\
    import sys
    class BlockTorch:
        def find_spec(self, name, path=None, target=None):
            if name == "torch" or name.startswith("torch.") or name == "reference" or name.startswith("reference."):
                raise ImportError(f"blocked import of {name} (grading must not need it)")
            return None
    sys.meta_path.insert(0, BlockTorch())
    from grader.check.engine import check_part, context_for
    from grader.key import load_key
    from grader.rubric.load import load_rubric
    rubric, sha = load_rubric(sys.argv[1])
    key = load_key(sys.argv[2])
    part = rubric.parts()[0]
    verdict = check_part(part, key.parts[part.id], sys.argv[3], context_for(rubric, part, seed=0))
    assert "torch" not in sys.modules
    print(verdict.status.value, verdict.score)
    """
)


@pytest.mark.torch  # builds the key first
def test_grading_with_a_frozen_key_needs_no_torch(tmp_path: Path) -> None:
    rubric_path = tmp_path / "small.yaml"
    rubric_path.write_text(SMALL, encoding="utf-8")
    key_path = tmp_path / "small.key.json"
    run_grader("key", "build", str(rubric_path), "-o", str(key_path), check=True)
    script = tmp_path / "no_torch.py"
    script.write_text(BLOCK_TORCH, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(script), str(rubric_path), str(key_path), "[3.5, 5.5]"],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["correct", "1.0"]


ZERO_MEAN = textwrap.dedent(
    """\
    assignment: {id: zero, title: Zero}
    questions:
      - id: q1
        parts:
          - id: q1.mean0
            points: 1
            prompt: mean of channel 0 of centred data
            answer:
              kind: number
              expected: {ref: norm.stats, args: {x: [[[-1, 1]], [[1, -1]]], layout: NCL, kind: batch}, select: mean.0}
    """
)


@pytest.mark.torch
def test_a_reference_giving_zero_needs_an_absolute_tolerance() -> None:
    rubric, _ = parse_rubric_text(ZERO_MEAN)
    with pytest.raises(AnswerKeyError, match="expected value of 0 .* no absolute tolerance"):
        build_key(rubric, rubric_hash(ZERO_MEAN))
    fixed = ZERO_MEAN.replace("select: mean.0}", "select: mean.0}\n          tolerance: {atol: 1.0e-9}")
    rubric, _ = parse_rubric_text(fixed)
    assert build_key(rubric, rubric_hash(fixed)).parts["q1.mean0"].expected == 0


def test_without_torch_a_reference_call_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A grading-only install (no torch) that is asked to build a key with reference calls
    says what to install, as a grader error (one line on the CLI), never a traceback."""
    from grader.key.build import TorchMissing

    for name in [name for name in sys.modules if name == "reference" or name.startswith("reference.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch -> ModuleNotFoundError
    rubric, _ = parse_rubric_text(ZERO_MEAN)
    with pytest.raises(TorchMissing, match=r"q1\.mean0.*needs torch, which is not installed.*'reference' extra") as caught:
        build_key(rubric, rubric_hash(ZERO_MEAN))
    assert "\n" not in str(caught.value)
