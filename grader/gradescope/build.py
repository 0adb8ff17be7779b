"""``grader gradescope build``: the autograder zip uploaded to Gradescope.

Layout (every entry at a fixed date, sorted, so the same inputs give the same bytes)::

    setup.sh                      image setup (venv, pinned requirements, grader, self-check)
    run_autograder                per submission: grader gradescope run --root /autograder
    rubric.yaml                   the rubric, as given
    rubric.json                   the same rubric as JSON data (fast to load), with its YAML's sha256
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
from typing import Any

import grader
from grader.errors import GraderError
from grader.gradescope.samples import (
    SAMPLES_DIR,
    blank_answers_yaml,
    correct_answers,
    correct_answers_json,
)
from grader.gradescope.wheel import wheel_bytes, wheel_name, zip_entry

__all__ = [
    "BuildReport",
    "DEFAULT_TIME_LIMIT",
    "ManualQuestion",
    "build_autograder",
    "check_budget_seconds",
    "default_requirements_path",
    "files_dir",
    "run_timeout",
    "verify_zip",
]

REQUIREMENTS_NAME = "runtime-requirements.txt"
EXECUTABLES = ("setup.sh", "run_autograder")
DEFAULT_TIME_LIMIT = 600  # Gradescope's default autograder timeout (10 minutes)
MIN_TIME_LIMIT = 60
MAX_TIME_LIMIT = 7200
RUN_TIMEOUT_MARK = b"@GRADER_RUN_TIMEOUT@"


def run_timeout(time_limit: int) -> int:
    """Seconds after which run_autograder stops grader: the limit minus a margin (10 %, at
    least 20 s) that leaves time for the SIGTERM, the 'needs review' results.json and the
    ``--kill-after=10`` grace period."""
    return time_limit - max(20, time_limit // 10)


def check_budget_seconds(time_limit: int) -> float:
    """Total seconds the answers' checks may take in one run (60 % of the limit)."""
    return round(0.6 * time_limit, 1)


@dataclass(frozen=True)
class ManualQuestion:
    """A part graded by a person: a manual question to add on Gradescope."""

    part_id: str
    points: float
    prompt: str


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
    autograded_points: float = 0.0
    total_points: float = 0.0
    manual: list[ManualQuestion] = field(default_factory=list)
    time_limit: int = DEFAULT_TIME_LIMIT

    def outline(self) -> str:
        """What to set on Gradescope: autograder points, manual questions, the time limit."""
        from grader.output.formats import fmt_number

        lines = [
            "Gradescope outline (set these on the assignment):",
            f"  autograder points: {fmt_number(self.autograded_points)} of {fmt_number(self.total_points)}"
            f" (the {self.gradable_parts} auto-graded part(s); 'Autograder' question of the outline)",
        ]
        if self.manual:
            manual_points = sum(question.points for question in self.manual)
            lines.append(
                f"  manual questions to add: {len(self.manual)} ({fmt_number(manual_points)} points, graded by a person;"
                " the autograder does not report them)"
            )
            width = max(len(question.part_id) for question in self.manual)
            for question in self.manual:
                prompt = " ".join(question.prompt.split())
                prompt = prompt if len(prompt) <= 70 else prompt[:69] + "…"
                lines.append(f"    {question.part_id.ljust(width)}  {fmt_number(question.points):>5} pts  {prompt}")
        else:
            lines.append("  manual questions to add: none (every part is auto-graded)")
        if not self.gradable_parts:
            lines.append("  note: no part is auto-graded; the autograder only checks the format of the answers")
        lines.append(
            f"  autograder timeout: {self.time_limit} s ({fmt_number(self.time_limit / 60)} min; "
            f"grader stops itself after {run_timeout(self.time_limit)} s to write its results)"
        )
        return "\n".join(lines)

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
        lines.append(self.outline())
        return "\n".join(lines) + "\n"


RUBRIC_DATA_NAME = "rubric.json"


def rubric_data_json(rubric_text: str, sha: str, rubric: Any) -> str | None:
    """The checked rubric's YAML as plain JSON data, tagged with the YAML's hash: the run loads
    it with the C JSON parser instead of re-reading the YAML with positions (about 0.3 s a
    submission). The YAML stays the source of truth: a hash mismatch means it is not used,
    and None (no rubric.json) when the JSON would not give the very same rubric (e.g. YAML
    dates)."""
    import yaml

    from grader.rubric.models import Rubric

    try:
        text = json.dumps({"rubric_sha256": sha, "rubric": yaml.safe_load(rubric_text)}, sort_keys=True, ensure_ascii=False)
        same = Rubric.model_validate(json.loads(text)["rubric"]) == rubric
    except (TypeError, ValueError):
        return None
    return text + "\n" if same else None


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
    time_limit: int = DEFAULT_TIME_LIMIT,
) -> BuildReport:
    """Build the answer key (reference implementations) and write the autograder zip.

    ``time_limit`` is the assignment's autograder timeout on Gradescope, in seconds:
    run_autograder stops grader ``run_timeout(time_limit)`` seconds in, and the answers'
    checks share ``check_budget_seconds(time_limit)``.
    """
    if not MIN_TIME_LIMIT <= time_limit <= MAX_TIME_LIMIT:
        raise GraderError(
            f"time limit {time_limit} s: give the assignment's autograder timeout, "
            f"between {MIN_TIME_LIMIT} and {MAX_TIME_LIMIT} seconds (Gradescope's default is {DEFAULT_TIME_LIMIT})"
        )
    from grader.authoring.check import load_valid_rubric
    from grader.files import write_bytes_atomic
    from grader.key.build import build_key

    rubric, sha = load_valid_rubric(rubric_path)
    rubric_text = rubric_path.read_text(encoding="utf-8")
    answer_key = build_key(rubric, sha, device=device)
    sampled = correct_answers(rubric)
    gradable = [part.id for part in rubric.parts() if part.answer.kind != "manual"]
    manual = [ManualQuestion(part.id, part.points, part.prompt) for part in rubric.parts() if part.answer.kind == "manual"]
    total_points = round(sum(part.points for part in rubric.parts()), 4)
    autograded_points = round(sum(part.points for part in rubric.parts() if part.answer.kind != "manual"), 4)
    info = {
        "assignment": rubric.assignment.id,
        "title": rubric.assignment.title,
        "rubric_version": rubric.assignment.version,
        "rubric_sha256": sha,
        "grader_version": grader.__version__,
        "key_device": device,
        "key_versions": answer_key.versions,
        "sampled_parts": sorted(sampled),
        "time_limit_seconds": time_limit,
        "run_timeout_seconds": run_timeout(time_limit),
        "check_budget_seconds": check_budget_seconds(time_limit),
        "autograded_points": autograded_points,
        "total_points": total_points,
        "manual_parts": [{"id": q.part_id, "points": q.points} for q in manual],
    }
    files = files_dir()
    contents: dict[str, bytes] = {
        "setup.sh": (files / "setup.sh").read_bytes(),
        "run_autograder": (files / "run_autograder").read_bytes().replace(
            RUN_TIMEOUT_MARK, str(run_timeout(time_limit)).encode()
        ),
        "rubric.yaml": rubric_text.encode("utf-8"),
        "key.json": answer_key.dumps().encode("utf-8"),
        REQUIREMENTS_NAME: _requirements_text(requirements).encode("utf-8"),
        f"wheel/{wheel_name(grader.__version__)}": wheel_bytes(Path(grader.__file__).resolve().parent, grader.__version__),
        f"{SAMPLES_DIR}/correct/answers.json": correct_answers_json(rubric).encode("utf-8"),
        f"{SAMPLES_DIR}/blank/answers.yaml": blank_answers_yaml(rubric).encode("utf-8"),
        "build-info.json": (json.dumps(info, indent=2, sort_keys=True) + "\n").encode("utf-8"),
        "README.md": _readme(rubric.assignment.id, sha).encode("utf-8"),
    }
    rubric_json = rubric_data_json(rubric_text, sha, rubric)
    if rubric_json is not None:
        contents[RUBRIC_DATA_NAME] = rubric_json.encode("utf-8")
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
        autograded_points=autograded_points,
        total_points=total_points,
        manual=manual,
        time_limit=time_limit,
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
