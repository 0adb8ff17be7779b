"""The autograder zip: layout, determinism, the hand-written wheel, samples, requirements (fast)."""

from __future__ import annotations

import io
import json
import re
import stat
import zipfile
from pathlib import Path

import pytest
import yaml
from support import rubric_params

import grader
from grader.errors import GraderError
from grader.gradescope.build import build_autograder, default_requirements_path, unpack
from grader.gradescope.samples import correct_answers
from grader.gradescope.wheel import ZIP_DATE, wheel_name
from grader.rubric.load import load_rubric

from .helpers import write_small_rubric

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("build")
    rubric_path, _ = write_small_rubric(folder / "in")
    report = build_autograder(rubric_path, folder / "autograder.zip")
    assert report.size == (folder / "autograder.zip").stat().st_size
    return rubric_path, folder / "autograder.zip"


def test_zip_layout(built):
    _, zip_path = built
    with zipfile.ZipFile(zip_path) as archive:
        names = archive.namelist()
        infos = {info.filename: info for info in archive.infolist()}
    assert names == sorted(names)
    assert {"setup.sh", "run_autograder", "key.json", "rubric.yaml", "runtime-requirements.txt",
            "samples/correct/answers.json", "samples/blank/answers.yaml", "build-info.json",
            f"wheel/{wheel_name(grader.__version__)}"} <= set(names)
    assert all("/" not in name for name in ("setup.sh", "run_autograder") if name in names)  # at the root
    assert not any(name.startswith(("grader/", "reference/", "tests/")) for name in names)
    for name in ("setup.sh", "run_autograder"):
        assert (infos[name].external_attr >> 16) & 0o111, f"{name} is not executable"
    assert all(info.date_time == ZIP_DATE for info in infos.values())


def test_zip_is_deterministic(built, tmp_path):
    rubric_path, zip_path = built
    again = tmp_path / "again.zip"
    build_autograder(rubric_path, again)
    assert again.read_bytes() == zip_path.read_bytes()


def test_wheel_is_grader_only(built):
    _, zip_path = built
    with zipfile.ZipFile(zip_path) as archive:
        wheel = archive.read(f"wheel/{wheel_name(grader.__version__)}")
    with zipfile.ZipFile(io.BytesIO(wheel)) as inner:
        names = inner.namelist()
        dist = f"grader-{grader.__version__}.dist-info"
        entry_points = inner.read(f"{dist}/entry_points.txt").decode()
        record = inner.read(f"{dist}/RECORD").decode()
        metadata = inner.read(f"{dist}/METADATA").decode()
    assert "grader/cli/main.py" in names and "grader/gradescope/files/setup.sh" in names and "grader/py.typed" in names
    assert not any(name.startswith(("reference/", "tests/")) or "__pycache__" in name or name.endswith(".pyc") for name in names)
    assert "grader = grader.cli:run" in entry_points
    assert set(names) == {line.split(",")[0] for line in record.splitlines()}
    requires = [line for line in metadata.splitlines() if line.startswith("Requires-Dist:")]
    assert requires and not any("torch" in line for line in requires)


def test_key_and_rubric_match(built):
    rubric_path, zip_path = built
    with zipfile.ZipFile(zip_path) as archive:
        key = json.loads(archive.read("key.json"))
        info = json.loads(archive.read("build-info.json"))
        assert archive.read("rubric.yaml") == rubric_path.read_bytes()
    _, sha = load_rubric(rubric_path)
    assert key["rubric_sha256"] == sha == info["rubric_sha256"]
    assert info["assignment"] == "gs-small" and info["sampled_parts"] == ["q1.a", "q1.b"]
    assert info["autograded_points"] == 4.5 and info["total_points"] == 7.5
    assert info["manual_parts"] == [{"id": "q1.c", "points": 3}]
    assert info["time_limit_seconds"] == 600 and info["run_timeout_seconds"] == 540 and info["check_budget_seconds"] == 360


def test_the_outline_says_what_to_set_on_gradescope(built):
    rubric_path, zip_path = built
    report = build_autograder(rubric_path, zip_path.with_name("outline.zip"))
    text = report.describe()
    assert "autograder points: 4.5 of 7.5 (the 3 auto-graded part(s)" in text
    assert "manual questions to add: 1 (3 points" in text
    assert "q1.c      3 pts  Explain why." in text
    assert "autograder timeout: 600 s (10 min; grader stops itself after 540 s" in text


@pytest.mark.parametrize(("limit", "stop", "checks"), [(600, 540, 360.0), (120, 100, 72.0), (1800, 1620, 1080.0)])
def test_the_time_limit_sets_the_runner_and_the_budget(built, tmp_path, limit, stop, checks):
    from grader.gradescope.run import Paths, budget_from_env, time_limit_of

    rubric_path, _ = built
    target = tmp_path / "limited.zip"
    build_autograder(rubric_path, target, time_limit=limit)
    root = unpack(target, tmp_path / "autograder")
    runner = (root / "run_autograder").read_text(encoding="utf-8")
    assert f'"${{GRADER_RUN_TIMEOUT:-{stop}}}"' in runner and "@GRADER_RUN_TIMEOUT@" not in runner
    assert time_limit_of(Paths(root)) == limit
    assert budget_from_env({}, time_limit=time_limit_of(Paths(root))).total_seconds == checks
    assert budget_from_env({"GRADER_TOTAL_SECONDS": "30"}, time_limit=limit).total_seconds == 30


@pytest.mark.parametrize("limit", [10, 59, 100_000])
def test_an_implausible_time_limit_is_refused(built, tmp_path, limit):
    rubric_path, _ = built
    with pytest.raises(GraderError, match="time limit"):
        build_autograder(rubric_path, tmp_path / "x.zip", time_limit=limit)


def test_samples(built):
    rubric_path, zip_path = built
    rubric, _ = load_rubric(rubric_path)
    assert correct_answers(rubric) == {"q1.a": "3/4", "q1.b": 6}  # first score-1 test; untested parts left out
    with zipfile.ZipFile(zip_path) as archive:
        correct = json.loads(archive.read("samples/correct/answers.json"))
        blank = yaml.safe_load(archive.read("samples/blank/answers.yaml"))
    assert correct["assignment"] == "gs-small" and correct["answers"] == {"q1.a": "3/4", "q1.b": 6}
    assert set(blank["answers"]) == {"q1.a", "q1.b", "q1.c", "q2.a"}
    assert all(not value for value in blank["answers"].values())


def test_unpack_lays_out_like_gradescope(built, tmp_path):
    _, zip_path = built
    root = unpack(zip_path, tmp_path / "autograder")
    assert (root / "source" / "setup.sh").is_file() and (root / "run_autograder").is_file()
    assert (root / "run_autograder").stat().st_mode & stat.S_IXUSR


def test_runtime_requirements_are_pinned_without_torch():
    path = default_requirements_path()
    assert path == REPO / "runtime-requirements.txt"
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip() and not line.startswith("#")]
    names = {re.split(r"[=;<> ]", line)[0].lower().replace("_", "-") for line in lines}
    assert names == {"sympy", "mpmath", "numpy", "pydantic", "pydantic-core", "annotated-types", "typing-extensions",
                     "typing-inspection", "click", "pyyaml", "lark"}
    assert all("==" in line for line in lines)
    numpy = [line for line in lines if line.startswith("numpy")]
    assert any('python_version < "3.11"' in line for line in numpy) and any('python_version >= "3.11"' in line for line in numpy)
    constraints = _pins((REPO / "constraints.txt").read_text(encoding="utf-8"))
    for (name, marker), version in _pins(path.read_text(encoding="utf-8")).items():  # the same versions
        pinned = constraints.get((name, marker), constraints.get((name, "")))
        if pinned is not None:
            assert pinned == version, (name, marker)


def _pins(text: str) -> dict[tuple[str, str], str]:
    """(name, environment marker) -> pinned version, from a requirements/constraints file."""
    pins = {}
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if line:
            requirement, _, marker = line.partition(";")
            name, version = requirement.strip().split("==")
            pins[(name.strip().lower().replace("_", "-"), marker.strip())] = version.strip()
    return pins


def test_requirements_with_torch_are_refused(tmp_path):
    rubric_path, _ = write_small_rubric(tmp_path / "in")
    bad = tmp_path / "req.txt"
    bad.write_text("sympy==1.14.0\ntorch==2.13.0\n", encoding="utf-8")
    with pytest.raises(GraderError, match="torch"):
        build_autograder(rubric_path, tmp_path / "x.zip", requirements=bad)


def test_setup_script_contract():
    text = (REPO / "grader" / "gradescope" / "files" / "setup.sh").read_text(encoding="utf-8")
    assert "set -euo pipefail" in text
    assert 'AUTOGRADER_ROOT="${AUTOGRADER_ROOT:-/autograder}"' in text
    assert "GRADER_SKIP_APT" in text and "GRADER_PYTHON" in text and "-m venv" in text
    assert "gradescope selfcheck" in text
    runner = (REPO / "grader" / "gradescope" / "files" / "run_autograder").read_text(encoding="utf-8")
    assert runner.startswith("#!/usr/bin/env bash") and runner.rstrip().endswith("exit 0")
    assert "gradescope run --root" in runner


BUNDLED = sorted((REPO / "rubrics").glob("*.yaml"))


@pytest.mark.parametrize("rubric", rubric_params(BUNDLED))
def test_every_bundled_rubric_builds_a_verified_autograder(rubric: Path, tmp_path: Path) -> None:
    """The real CLI builds the zip and grades its own samples (correct: full marks on every
    sampled part; blank: 0) before reporting success."""
    import subprocess
    import sys

    target = tmp_path / "autograder.zip"
    grader_cli = Path(sys.executable).with_name("grader")
    result = subprocess.run([str(grader_cli), "gradescope", "build", str(rubric), "-o", str(target)],
                            capture_output=True, text=True, timeout=300, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    with zipfile.ZipFile(target) as archive:
        names = set(archive.namelist())
        assert {"setup.sh", "run_autograder", "key.json", "rubric.yaml"} <= names
        assert not any(name.startswith("reference/") or "torch" in name for name in names)
