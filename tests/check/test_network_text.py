"""Networks written as text (a write-up's ``\\answer`` tag): YAML/JSON flow mappings or
lists within size, nesting and alias limits; and the shared limits themselves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from grader.check.registry import checker_for
from grader.check.verdict import Status
from grader.rubric.models import NetworkAnswer, RefCall
from grader.structured import StructuredTextError, load_structured_text, nesting_exceeds, too_large

from .helpers import make_ctx

REPO = Path(__file__).resolve().parents[2]
CTX = make_ctx()
SPEC = NetworkAnswer(kind="network", expected=RefCall(ref="network.truth_table"))
XOR = {"inputs": [[0, 0], [0, 1], [1, 0], [1, 1]], "outputs": [[0], [1], [1], [0]]}
XOR_YAML = "{layers: [{weight: [[1, 1], [-1, -1]], bias: [-0.5, 1.5]}, {weight: [[1, 1]], bias: [-1.5]}]}"
XOR_JSON = '{"layers":[{"weight":[[1,1],[-1,-1]],"bias":[-0.5,1.5]},{"weight":[[1,1]],"bias":-1.5}]}'
BOMB = "[" + ", ".join(["&a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]"] + [
    f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)
]) + "]"

# (name, text, status, fragment of the feedback)
TEXT_CASES = [
    ("yaml flow mapping", XOR_YAML, Status.CORRECT, "correct"),
    ("json compact", XOR_JSON, Status.CORRECT, "correct"),
    ("json spread over lines", XOR_JSON.replace(",", ",\n  "), Status.CORRECT, "correct"),
    ("list of layers only", "[{weight: [[1, 1], [-1, -1]], bias: [-0.5, 1.5]}, {weight: [1, 1], bias: -1.5}]", Status.CORRECT, "correct"),
    ("markdown backticks", f"`{XOR_YAML}`", Status.CORRECT, "correct"),
    ("markdown code fence", f"```json\n{XOR_JSON}\n```", Status.CORRECT, "correct"),
    ("fence after whitespace collapse", f"```yaml {XOR_YAML} ```", Status.CORRECT, "correct"),
    ("number text entries", "{layers: [{weight: [[1, 1], [-1, -1]], bias: [-1/2, 3/2]}, {weight: [[1, 1]], bias: -3/2}]}", Status.CORRECT, "correct"),
    ("yes/on stay text (not booleans)", "{layers: [{weight: [[1, 1]], bias: [-0.5], activation: on}]}", Status.INVALID, "unknown activation 'on'"),
    ("or gate partial", "{layers: [{weight: [1, 1], bias: -0.5}]}", Status.PARTIAL, "wrong output for 1 of 4 inputs: [1, 1]"),
    ("shape mismatch is wrong", "{layers: [{weight: [[1, 1], [1, 1]], bias: [0, 0]}, {weight: [[1, 1, 1]], bias: 0}]}", Status.WRONG,
     "layer 2: weight is 1x3 but its input has 2 values"),
    ("not a mapping or list", "W = [[1, 1]], b = -0.5", Status.INVALID, "expected a mapping {...} or a list [...]"),
    ("bmatrix is not read", r"\begin{bmatrix} 1 & 1 \end{bmatrix}", Status.INVALID, "expected a mapping"),
    ("broken yaml", "{layers: [{weight: [[1, 1], bias: 0}]}", Status.INVALID, "not valid YAML/JSON"),
    ("python tag refused", "{layers: !!python/object/apply:os.system ['echo hacked']}", Status.INVALID, "not valid YAML/JSON"),
    ("over 64 KB", "[" + "1, " * 30_000 + "1]", Status.INVALID, "larger than 64 KB"),
    ("alias bomb", BOMB, Status.INVALID, "too large or too deeply nested"),
    ("deep nesting", "[" * 30_000 + "]" * 30_000, Status.INVALID, "nested more than 32 levels"),
    ("empty layers", "{layers: []}", Status.INVALID, "a list of layers"),
]


def _verdict(text: str):  # type: ignore[no-untyped-def]
    from grader.check.engine import check_part
    from grader.key import KeyPart
    from grader.rubric.models import Part

    part = Part(id="q.net", points=1, prompt="a network", answer=SPEC)
    return check_part(part, KeyPart(kind="network", expected=XOR), text, CTX)


@pytest.mark.parametrize(("name", "text", "status", "fragment"), TEXT_CASES, ids=[c[0] for c in TEXT_CASES])
def test_network_written_as_text(name: str, text: str, status: Status, fragment: str) -> None:
    verdict = _verdict(text)
    assert verdict.status is status, verdict
    assert fragment in verdict.feedback, verdict.feedback
    if status is not Status.INVALID:
        assert verdict.shown.startswith("network with layers")


def test_text_and_mapping_read_the_same() -> None:
    import yaml

    checker = checker_for("network")
    from_text = checker.read(SPEC, XOR_YAML, CTX)
    from_mapping = checker.read(SPEC, yaml.safe_load(XOR_YAML), CTX)
    assert from_text.shown == from_mapping.shown == "network with layers 2x2 -> 2x1"  # type: ignore[union-attr]


def test_deep_nesting_does_not_crash_the_process() -> None:
    """libyaml's composer recurses in C: 30,000 levels crash it; the event check stops it first."""
    script = (
        "from grader.structured import load_structured_text, StructuredTextError\n"
        "try:\n"
        "    load_structured_text('[' * 30000 + ']' * 30000, max_bytes=10**6)\n"
        "except StructuredTextError as exc:\n"
        "    print('refused:', exc)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "nested more than 32 levels" in result.stdout


LIMIT_CASES = [
    ("flat list", [1] * 100, 1000, 32, False),
    ("items over budget", [1] * 1000, 100, 32, True),
    ("depth over limit", [[[[1]]]], 1000, 3, True),
    ("depth at limit", [[[1]]], 1000, 3, False),
    ("mapping values count", {"a": [1, 2], "b": {"c": 3}}, 5, 32, True),
]


@pytest.mark.parametrize(("name", "value", "items", "depth", "expected"), LIMIT_CASES, ids=[c[0] for c in LIMIT_CASES])
def test_too_large(name: str, value: object, items: int, depth: int, expected: bool) -> None:
    assert too_large(value, items, depth) is expected


def test_alias_bomb_walk_stops_early() -> None:
    from grader.structured import LiteralSafeLoader

    loader = LiteralSafeLoader(BOMB)
    value = loader.get_single_data()  # shared references: cheap to build, 10^9 leaves to walk
    assert too_large(value)
    with pytest.raises(StructuredTextError):
        load_structured_text(BOMB)


@pytest.mark.parametrize(("text", "limit", "expected"), [
    ("[[1]]", 2, False), ("[[[1]]]", 2, True), ("a:\n  b:\n    c: [1]\n", 4, False),
    ("a:\n  b:\n    c: [1]\n", 3, True), ("[unclosed", 1, False),
], ids=["flow ok", "flow deep", "block ok", "block deep", "invalid yaml left to the loader"])
def test_nesting_exceeds(text: str, limit: int, expected: bool) -> None:
    assert nesting_exceeds(text, limit) is expected


def test_answers_file_refuses_deep_documents_without_crashing() -> None:
    from grader.submission.answers_file import parse_answers_yaml

    doc = parse_answers_yaml("answers:\n  q1: " + "[" * 30_000 + "]" * 30_000 + "\n")
    assert not doc.readable and "nested too deeply" in doc.problems[0]


@pytest.mark.torch  # builds the parts' keys
def test_seed_markdown_hamming_network_is_read_and_wrong() -> None:
    """submissions_example/sharif-ml-ps03/seed-004-student-md writes its networks as JSON in tags."""
    from grader.check.engine import check_part, context_for
    from grader.key.build import build_part
    from grader.rubric.load import load_rubric
    from grader.submission.extract import extract

    rubric, _ = load_rubric(REPO / "rubrics" / "sharif-ml-ps03.yaml")
    extraction = extract(REPO / "submissions_example" / "sharif-ml-ps03" / "seed-004-student-md", rubric)
    parts = {part.id: part for part in rubric.parts()}
    cache: dict[str, object] = {}
    keys = {part_id: build_part(parts[part_id], "cpu", cache) for part_id in ("q1.hamming", "q2.network")}
    hamming = check_part(parts["q1.hamming"], keys["q1.hamming"], extraction.answers["q1.hamming"],
                         context_for(rubric, parts["q1.hamming"]))
    assert hamming.status is Status.WRONG
    assert hamming.feedback == "layer 2: weight is 3x4 but its input has 12 values"
    network = check_part(parts["q2.network"], keys["q2.network"], extraction.answers["q2.network"],
                         context_for(rubric, parts["q2.network"]))
    assert network.status is Status.WRONG and "wrong output for 3 of 16 inputs" in network.feedback

