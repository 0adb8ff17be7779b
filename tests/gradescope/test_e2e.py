"""End to end, without Docker: build the zip with the real CLI, set up an /autograder-like
tree with its setup.sh (a fresh venv from the base Python, pinned requirements from the
package index, grader's wheel, no torch), run its run_autograder on several submissions,
validate every results.json against Gradescope's JSON Schema and compare the scores with
``grader grade`` on the same submissions.

One setup is shared by all tests of this module (module-scoped fixture).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from support import run_grader

from grader.rubric.load import load_rubric

from .helpers import validate

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
# Any bundled rubric works; this one's score-1 self-tests all pass (the image build needs
# that), and its example submissions are graded alongside synthetic ones.
RUBRIC = REPO / "rubrics" / "sharif-ml-ps03.yaml"
EXAMPLES = REPO / "submissions_example" / "sharif-ml-ps03"

METADATA = {
    "id": 987654,
    "created_at": "2020-03-17T22:10:05.123456-04:00",
    "assignment": {"due_date": "2020-03-17T23:59:00.000000-04:00", "late_due_date": None, "title": "PS3", "total_points": "100.0"},
    "users": [{"email": "ada@example.org", "id": 11, "name": "Ada", "sid": "20201234"}],
    "previous_submissions": [],
}


def gradable_points() -> float:
    """Points of the rubric's auto-graded (non-manual) parts."""
    return sum(part.points for part in load_rubric(RUBRIC)[0].parts() if part.answer.kind != "manual")


def base_python() -> str:
    """The interpreter the project venv was made from (not the venv itself)."""
    for candidate in (getattr(sys, "_base_executable", None), shutil.which("python3.11"), shutil.which("python3")):
        if candidate and Path(candidate).exists() and ".venv" not in Path(candidate).resolve().parts:
            return str(candidate)
    pytest.skip("no base python3 outside the project venv")


def clean_env(root: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")}
    env.update({"AUTOGRADER_ROOT": str(root), "GRADER_SKIP_APT": "1", "GRADER_PYTHON": base_python(), "GRADER_PIP_CACHE": "1"})
    return env


@dataclass
class Image:
    """An /autograder-like tree after setup.sh, and what happened on the way."""

    root: Path
    zip_path: Path
    setup_seconds: float
    setup_log: str
    build_log: str = ""
    results: dict[str, dict] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    grade_totals: dict[str, float] = field(default_factory=dict)


def unpack_like_gradescope(zip_path: Path, root: Path) -> None:
    source = root / "source"
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(source)
        for info in archive.infolist():
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                (source / info.filename).chmod(mode)
    shutil.copy2(source / "run_autograder", root / "run_autograder")
    (root / "run_autograder").chmod(0o755)


def run_submission(root: Path, folder: Path | None, metadata: str | None = None) -> tuple[dict, float]:
    """Put ``folder`` in root/submission, run root/run_autograder as Gradescope does, read results."""
    submission = root / "submission"
    shutil.rmtree(submission, ignore_errors=True)
    shutil.rmtree(root / "results", ignore_errors=True)
    if folder is None:
        submission.mkdir()
    else:
        shutil.copytree(folder, submission)
    meta = root / "submission_metadata.json"
    if metadata is None:
        meta.unlink(missing_ok=True)
    else:
        meta.write_text(metadata, encoding="utf-8")
    started = time.monotonic()
    done = subprocess.run([str(root / "run_autograder")], cwd=root, env=clean_env(root), capture_output=True, text=True, timeout=300)
    seconds = time.monotonic() - started
    assert done.returncode == 0, done.stdout + done.stderr
    text = (root / "results" / "results.json").read_text(encoding="utf-8")
    assert "NaN" not in text and "Infinity" not in text
    return json.loads(text), seconds


def make_submissions(base: Path, source: Path, canary: Path) -> dict[str, tuple[Path | None, str | None]]:
    """name -> (folder, metadata text). Folders live in ``base`` so ``grader grade`` sees them all."""
    base.mkdir(parents=True, exist_ok=True)
    gradable = [part.id for part in load_rubric(RUBRIC)[0].parts() if part.answer.kind != "manual"]
    subs: dict[str, tuple[Path | None, str | None]] = {}
    shutil.copytree(source / "samples" / "correct", base / "correct")
    subs["correct"] = (base / "correct", json.dumps(METADATA))
    for index, folder in enumerate(sorted(p for p in EXAMPLES.iterdir() if p.is_dir())):
        shutil.copytree(folder, base / folder.name)
        subs[folder.name] = (base / folder.name, "{not json" if index == 0 else None)
    (base / "empty").mkdir()
    subs["empty"] = (base / "empty", None)
    pdf_only = base / "pdf-only"  # a scanned write-up: seen, said so, not graded
    pdf_only.mkdir()
    (pdf_only / "homework3.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
    subs["pdf-only"] = (pdf_only, json.dumps(METADATA))
    nested = base / "zip-upload" / "hw"  # a zip with a folder inside arrives unpacked
    nested.mkdir(parents=True)
    shutil.copy2(source / "samples" / "correct" / "answers.json", nested / "answers.json")
    subs["zip-upload"] = (base / "zip-upload", None)
    invalid = base / "invalid"
    invalid.mkdir()
    (invalid / "answers.json").write_text(json.dumps({"answers": {part_id: "((1 +" for part_id in gradable}}), encoding="utf-8")
    subs["invalid"] = (invalid, None)
    hostile = base / "hostile"
    hostile.mkdir()
    attacks = ["9**9**9**9", f"__import__('os').system('touch {canary}')", "x" * 200_000, "e^(" * 3000 + "t" + ")" * 3000]
    answers = {part_id: attacks[index % len(attacks)] for index, part_id in enumerate(gradable[:8])}
    (hostile / "answers.json").write_text(json.dumps({"answers": answers}), encoding="utf-8")
    subs["hostile"] = (hostile, None)
    return subs


@pytest.fixture(scope="module")
def image(tmp_path_factory) -> Image:
    tmp = tmp_path_factory.mktemp("gradescope-e2e")
    zip_path = tmp / "autograder.zip"
    build = run_grader("gradescope", "build", str(RUBRIC), "-o", str(zip_path), "--no-verify", check=True, timeout=600)
    root = tmp / "autograder"
    unpack_like_gradescope(zip_path, root)
    started = time.monotonic()
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], cwd=root, env=clean_env(root),
                           capture_output=True, text=True, timeout=900)
    built = Image(root, zip_path, time.monotonic() - started, setup.stdout + setup.stderr, build.stdout)
    assert setup.returncode == 0, built.setup_log[-6000:]

    canary = tmp / "pwned"
    subs = make_submissions(tmp / "subs", root / "source", canary)
    for name, (folder, metadata) in subs.items():
        built.results[name], built.seconds[name] = run_submission(root, folder, metadata)
    assert not canary.exists()

    # the same submissions through `grader grade` (the project venv, same frozen key)
    out = tmp / "grade-out"
    run_grader("grade", str(RUBRIC), str(tmp / "subs"), "-o", str(out), "--key", str(root / "source" / "key.json"),
               "--quiet", check=True, timeout=600)
    for path in sorted((out / "feedback").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        built.grade_totals[data["student"]["folder"]] = float(data["total"])
    return built


def test_setup_made_a_venv_without_torch(image):
    venv_python = image.root / "venv" / "bin" / "python"
    assert venv_python.exists() and (image.root / "venv" / "bin" / "grader").exists()
    probe = subprocess.run([str(venv_python), "-c", "import importlib.util as u; print(u.find_spec('torch'), u.find_spec('reference'))"],
                           capture_output=True, text=True, timeout=60, cwd=image.root)
    assert probe.stdout.strip() == "None None"
    assert "correct sample" in image.setup_log and "blank sample" in image.setup_log
    print(f"\nsetup.sh: {image.setup_seconds:.1f}s; zip {image.zip_path.stat().st_size / 1024:.0f} KB")


def test_every_results_json_is_valid(image):
    assert set(image.results) >= {"correct", "empty", "hostile", "invalid", "zip-upload"}
    for name, doc in image.results.items():
        validate(doc)
        assert doc["output_format"] == "md", name
        assert all(len(test.get("output", "")) <= 4096 for test in doc["tests"]), name
        assert len(json.dumps(doc).encode()) <= 1_000_000, name
        assert "error" not in doc["extra_data"], (name, doc["extra_data"].get("error"))
    for name, seconds in sorted(image.seconds.items()):
        print(f"{name:24} {seconds:6.2f}s  score {image.results[name]['score']}")


def test_scores_match_grader_grade(image):
    compared = [name for name in image.results if name in image.grade_totals]
    for name in compared:
        assert image.results[name]["score"] == pytest.approx(image.grade_totals[name], abs=1e-6), name
    assert set(compared) >= {"correct", "zip-upload", "invalid", "hostile", *(p.name for p in EXAMPLES.iterdir() if p.is_dir())}


def test_correct_and_zip_upload_get_full_marks(image):
    for name in ("correct", "zip-upload"):
        doc = image.results[name]
        assert doc["score"] == doc["extra_data"]["autograded_points"] == gradable_points(), name
        assert doc["tests"][0]["status"] == "passed"
    extra = image.results["correct"]["extra_data"]
    assert extra["users"] == ["20201234"] and extra["late"] is False
    assert len(extra["rubric_sha256"]) == 64 and extra["assignment"] == load_rubric(RUBRIC)[0].assignment.id
    assert extra["grader_version"]


def test_partly_wrong_invalid_and_empty(image):
    examples = [image.results[p.name] for p in EXAMPLES.iterdir() if p.is_dir()]
    assert any(0 < doc["score"] < gradable_points() for doc in examples)  # partly wrong students
    first = sorted(p.name for p in EXAMPLES.iterdir() if p.is_dir())[0]
    assert image.results[first]["extra_data"]["users"] == []  # malformed metadata: tolerated
    invalid = image.results["invalid"]
    check = invalid["tests"][0]
    assert invalid["score"] == 0
    assert check["visibility"] == "visible" and check["status"] == "failed" and "could not be read" in check["output"]
    # unreadable answers need a person: flagged for staff, and said where the student looks
    assert invalid["extra_data"]["needs_review"] is True and invalid["extra_data"]["review_parts"]
    assert "Needs review by course staff" in check["output"]
    assert image.results["correct"]["extra_data"]["needs_review"] is False
    empty = image.results["empty"]
    assert empty["score"] == 0 and empty["tests"][0]["status"] == "failed"
    assert "no answers file" in empty["tests"][0]["output"]


def test_hostile_answers_are_bounded(image):
    doc = image.results["hostile"]
    assert doc["score"] == 0  # and it finished: run_submission waits at most 300 s


def test_visibility_follows_the_rubric(image):
    rubric = load_rubric(RUBRIC)[0]
    doc = image.results["correct"]
    expected = {part.id: str(rubric.visibility_for(part).value) for part in rubric.parts()}
    for test in doc["tests"][1:]:
        assert test["visibility"] == expected[test["number"]], test["number"]
    assert doc["tests"][0]["visibility"] == "visible"


def test_a_corrupt_key_gives_needs_review(image, tmp_path):
    root = tmp_path / "autograder"
    shutil.copytree(image.root / "source", root / "source")
    (root / "venv").symlink_to(image.root / "venv", target_is_directory=True)
    shutil.copy2(image.root / "run_autograder", root / "run_autograder")
    key = root / "source" / "key.json"
    key.write_text(key.read_text(encoding="utf-8")[:500], encoding="utf-8")
    doc, _ = run_submission(root, root / "source" / "samples" / "correct")
    validate(doc)
    assert doc["score"] == 0 and "needs manual review" in doc["output"]
    auto = [part for part in load_rubric(RUBRIC)[0].parts() if part.answer.kind != "manual"]
    assert len(doc["tests"]) == 1 + len(auto) and all(test["score"] == 0 for test in doc["tests"])
    assert doc["extra_data"]["needs_review"] is True and doc["extra_data"]["error"]


def test_run_autograder_survives_a_missing_venv(tmp_path, image):
    root = tmp_path / "autograder"
    root.mkdir()
    shutil.copy2(image.root / "run_autograder", root / "run_autograder")
    doc, _ = run_submission(root, None)
    validate(doc)
    assert doc["score"] == 0 and "needs manual review" in doc["output"]


def test_a_pdf_only_upload_says_the_pdf_was_seen(image):
    doc = image.results["pdf-only"]
    check = doc["tests"][0]
    assert doc["score"] == 0 and check["status"] == "failed" and check["visibility"] == "visible"
    assert "seen and ignored: homework3.pdf" in check["output"] and "a PDF cannot be graded automatically" in check["output"]
    assert "student identified by submission_metadata.json" in check["output"]
    assert "submission_metadata.yml" not in json.dumps(doc)


def test_manual_parts_are_not_tests(image):
    rubric = load_rubric(RUBRIC)[0]
    manual = [part.id for part in rubric.parts() if part.answer.kind == "manual"]
    doc = image.results["correct"]
    numbers = [test["number"] for test in doc["tests"]]
    assert not set(manual) & set(numbers)
    assert numbers[1:] == [part.id for part in rubric.parts() if part.answer.kind != "manual"]
    if manual:
        assert all(f"`{part_id}`" in doc["output"] for part_id in manual)


def test_the_build_prints_the_gradescope_outline(image):
    rubric = load_rubric(RUBRIC)[0]
    total = sum(part.points for part in rubric.parts())
    text = image.build_log
    assert "Gradescope outline" in text
    assert f"autograder points: {gradable_points():g} of {total:g}" in text
    assert "autograder timeout: 600 s (10 min; grader stops itself after 540 s" in text
    runner = (image.root / "run_autograder").read_text(encoding="utf-8")
    assert '"${GRADER_RUN_TIMEOUT:-540}"' in runner


MANUAL_ONLY = """\
assignment: {id: essay-only, title: "Essays only", version: "1"}
questions:
  - id: q1
    parts:
      - {id: q1.a, points: 4, prompt: "Explain the bias-variance trade-off.", answer: {kind: manual}}
      - {id: q1.b, points: 6, prompt: "Prove the bound.", answer: {kind: manual}}
"""


def test_a_manual_only_rubric(image, tmp_path):
    """Built by the real CLI (outline: 0 autograder points, two manual questions) and run in
    the same image (its venv): only the format check, score 0, nothing flagged."""
    rubric_path = tmp_path / "essay.yaml"
    rubric_path.write_text(MANUAL_ONLY, encoding="utf-8")
    zip_path = tmp_path / "essay.zip"
    build = run_grader("gradescope", "build", str(rubric_path), "-o", str(zip_path), check=True, timeout=300)
    assert "autograder points: 0 of 10 (the 0 auto-graded part(s)" in build.stdout
    assert "manual questions to add: 2 (10 points" in build.stdout
    assert "q1.a      4 pts  Explain the bias-variance trade-off." in build.stdout
    assert "no part is auto-graded" in build.stdout
    root = tmp_path / "autograder"
    unpack_like_gradescope(zip_path, root)
    (root / "venv").symlink_to(image.root / "venv", target_is_directory=True)
    essay = tmp_path / "essay"
    essay.mkdir()
    (essay / "answers.yaml").write_text("answers:\n  q1.a: It trades off.\n", encoding="utf-8")
    doc, _ = run_submission(root, essay, json.dumps(METADATA))
    validate(doc)
    assert [test["number"] for test in doc["tests"]] == ["0"]
    assert doc["score"] == 0 and doc["extra_data"]["autograded_points"] == 0
    assert doc["extra_data"]["needs_review"] is False
    assert "`q1.a` (4 points)" in doc["output"] and "`q1.b` (6 points)" in doc["output"]
