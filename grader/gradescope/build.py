"""``grader gradescope build``: the autograder zip uploaded to Gradescope.

Layout (every entry at a fixed date, sorted, so the same inputs give the same bytes)::

    setup.sh                      image setup (venv, pinned requirements, grader, self-check)
    run_autograder                per submission: grader gradescope run --root /autograder
    rubric.yaml                   the rubric, as given
    key.json                      the frozen answer key (built here with the reference code)
    runtime-requirements.txt      pinned grading requirements (no torch)
    wheel/grader-<v>-py3-none-any.whl   grader only (no reference/, no tests)
    samples/correct/answers.json  first score-1 self-test answer of each part
    samples/blank/answers.yaml    the blank answers template
    build-info.json               assignment, rubric hash, versions
    README.md                     what this is, for whoever opens the zip
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import grader
from grader.errors import GraderError
from grader.gradescope.samples import (
    SAMPLES_DIR,
    blank_answers_yaml,
    correct_answers,
    correct_answers_json,
)
from grader.gradescope.wheel import wheel_bytes, wheel_name, zip_entry

__all__ = ["BuildReport", "build_autograder", "default_requirements_path", "files_dir", "verify_zip"]

REQUIREMENTS_NAME = "runtime-requirements.txt"
EXECUTABLES = ("setup.sh", "run_autograder")


@dataclass
class BuildReport:
    """What was built: the zip, its entries (name, size) and what the rubric gave."""

    path: Path
    size: int
    entries: list[tuple[str, int]] = field(default_factory=list)
    assignment: str = ""
    rubric_sha256: str = ""
    gradable_parts: int = 0
    sampled_parts: int = 0
    unsampled_parts: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """A short report for the TA."""
        lines = [f"wrote {self.path} ({self.size / 1024:.1f} KB, {len(self.entries)} files)"]
        lines += [f"  {size:>9}  {name}" for name, size in self.entries]
        lines.append(
            f"assignment {self.assignment}, rubric sha256 {self.rubric_sha256[:12]}; "
            f"correct sample answers {self.sampled_parts} of {self.gradable_parts} gradable parts"
        )
        if self.unsampled_parts:
            lines.append("  parts without a score-1 self-test (left blank in the sample): " + ", ".join(self.unsampled_parts))
        return "\n".join(lines) + "\n"


def files_dir() -> Path:
    """Where setup.sh and run_autograder live (package data)."""
    return Path(__file__).resolve().parent / "files"


def default_requirements_path() -> Path:
    """``runtime-requirements.txt`` at the root of the grader checkout."""
    return Path(grader.__file__).resolve().parent.parent / REQUIREMENTS_NAME


def _requirements_text(path: Path | None) -> str:
    target = path or default_requirements_path()
    try:
        text = target.read_text(encoding="utf-8")
    except OSError as exc:
        raise GraderError(
            f"cannot read the runtime requirements {target} ({exc.strerror}); pass --requirements PATH"
        ) from exc
    if any(line.split("=")[0].split(";")[0].strip().lower() == "torch" for line in text.splitlines()):
        raise GraderError(f"{target} lists torch: the grading image must not install it")
    return text


def _readme(assignment: str, sha: str) -> str:
    return (
        f"# Gradescope autograder for {assignment}\n\n"
        f"Built by `grader gradescope build` (grader {grader.__version__}); rubric sha256 {sha}.\n"
        "Upload this zip as the assignment's \"Autograder configuration: zip file\" (base image Ubuntu 22.04).\n"
        "setup.sh builds a venv in /autograder/venv and self-checks; run_autograder grades one submission.\n"
    )


def build_autograder(
    rubric_path: Path,
    output: Path,
    *,
    device: str = "cpu",
    requirements: Path | None = None,
) -> BuildReport:
    """Build the answer key (reference implementations) and write the autograder zip."""
    from grader.authoring.check import load_valid_rubric
    from grader.files import write_bytes_atomic
    from grader.key.build import build_key

    rubric, sha = load_valid_rubric(rubric_path)
    rubric_text = rubric_path.read_text(encoding="utf-8")
    answer_key = build_key(rubric, sha, device=device)
    sampled = correct_answers(rubric)
    gradable = [part.id for part in rubric.parts() if part.answer.kind != "manual"]
    info = {
        "assignment": rubric.assignment.id,
        "title": rubric.assignment.title,
        "rubric_version": rubric.assignment.version,
        "rubric_sha256": sha,
        "grader_version": grader.__version__,
        "key_device": device,
        "key_versions": answer_key.versions,
        "sampled_parts": sorted(sampled),
    }
    files = files_dir()
    contents: dict[str, bytes] = {
        "setup.sh": (files / "setup.sh").read_bytes(),
        "run_autograder": (files / "run_autograder").read_bytes(),
        "rubric.yaml": rubric_text.encode("utf-8"),
        "key.json": answer_key.dumps().encode("utf-8"),
        REQUIREMENTS_NAME: _requirements_text(requirements).encode("utf-8"),
        f"wheel/{wheel_name(grader.__version__)}": wheel_bytes(Path(grader.__file__).resolve().parent, grader.__version__),
        f"{SAMPLES_DIR}/correct/answers.json": correct_answers_json(rubric).encode("utf-8"),
        f"{SAMPLES_DIR}/blank/answers.yaml": blank_answers_yaml(rubric).encode("utf-8"),
        "build-info.json": (json.dumps(info, indent=2, sort_keys=True) + "\n").encode("utf-8"),
        "README.md": _readme(rubric.assignment.id, sha).encode("utf-8"),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(contents):
            archive.writestr(zip_entry(name, 0o755 if name in EXECUTABLES else 0o644), contents[name])
    data = buffer.getvalue()
    write_bytes_atomic(output, data)
    return BuildReport(
        path=output,
        size=len(data),
        entries=[(name, len(contents[name])) for name in sorted(contents)],
        assignment=rubric.assignment.id,
        rubric_sha256=sha,
        gradable_parts=len(gradable),
        sampled_parts=len([part_id for part_id in gradable if part_id in sampled]),
        unsampled_parts=[part_id for part_id in gradable if part_id not in sampled],
    )


def unpack(zip_path: Path, root: Path) -> Path:
    """Lay the zip out as Gradescope does: ``root/source/...`` plus ``root/run_autograder``."""
    source = root / "source"
    source.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(zip_path) as archive:
        for member in archive.infolist():
            target = (source / member.filename).resolve()
            if not target.is_relative_to(source.resolve()):
                raise GraderError(f"{zip_path}: entry {member.filename} escapes the folder")
            archive.extract(member, source)
            mode = (member.external_attr >> 16) & 0o777
            if mode:
                target.chmod(mode)
    runner = root / "run_autograder"
    runner.write_bytes((source / "run_autograder").read_bytes())
    runner.chmod(0o755)
    return root


def verify_zip(zip_path: Path, grader_cmd: list[str] | None = None) -> tuple[bool, str]:
    """Unpack the zip into a scratch root and grade its samples with this environment's grader."""
    import tempfile

    from grader.gradescope.samples import selfcheck

    with tempfile.TemporaryDirectory(prefix="grader-verify-") as scratch:
        root = unpack(zip_path, Path(scratch))
        return selfcheck(root, grader_cmd)
