"""Library side of the ``grader rubric`` and ``grader key`` commands.

Each function returns a report (text for a person) and a success flag, or a value; the
CLI only prints and sets the exit code.
"""

from __future__ import annotations

from pathlib import Path

from grader.authoring.validate import check_semantics
from grader.errors import GraderError, RubricError, RubricIssue
from grader.key import AnswerKey, check_key_matches, default_key_path, load_key
from grader.key.build import build_key
from grader.rubric.load import parse_rubric_text, rubric_hash
from grader.rubric.models import Rubric


def check_text(text: str, file: str | None, deep: bool = True) -> list[RubricIssue]:
    """All issues of one rubric's text (schema first; semantics when the schema holds)."""
    try:
        rubric, positions = parse_rubric_text(text, file)
    except RubricError as exc:
        return exc.issues
    return check_semantics(rubric, positions, file, deep=deep)


def check_files(files: list[Path], deep: bool = True) -> tuple[str, bool]:
    """Validate rubric files; returns (report, all valid)."""
    lines: list[str] = []
    ok = True
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            lines.append(f"{path}: cannot read: {exc}")
            ok = False
            continue
        issues = check_text(text, str(path), deep=deep)
        if issues:
            ok = False
            lines.extend(str(issue) for issue in issues)
            lines.append(f"{path}: {len(issues)} problem{'s' if len(issues) != 1 else ''}")
        else:
            lines.append(f"{path}: ok")
    return "\n".join(lines) + "\n", ok


def load_valid_rubric(path: Path) -> tuple[Rubric, str]:
    """Load a rubric and run the semantic checks too; raise RubricError on any issue."""
    text = path.read_text(encoding="utf-8")
    rubric, positions = parse_rubric_text(text, str(path))
    issues = check_semantics(rubric, positions, str(path), deep=False)
    if issues:
        raise RubricError(issues)
    return rubric, rubric_hash(text)


def build_key_file(rubric_path: Path, output: Path | None, device: str = "cpu") -> Path:
    """Build a rubric's answer key and write it atomically; returns the path written."""
    from grader.files import write_text_atomic

    rubric, sha = load_valid_rubric(rubric_path)
    answer_key = build_key(rubric, sha, device=device)
    target = output or default_key_path(rubric_path)
    write_text_atomic(target, answer_key.dumps())
    return target


def key_for_source(source: Path) -> AnswerKey:
    """A key file, or the key built from a rubric file."""
    if source.suffix == ".json":
        return load_key(source)
    rubric, sha = load_valid_rubric(source)
    return build_key(rubric, sha)


def test_files(files: list[Path], key_path: Path | None = None, verbose: bool = False) -> tuple[str, bool]:
    """Run every rubric's self-tests; returns (report, all passed)."""
    from grader.authoring.selftest import parts_without_tests, run_self_tests

    lines: list[str] = []
    ok = True
    for path in files:
        try:
            rubric, sha = load_valid_rubric(path)
            if key_path is not None:
                answer_key = load_key(key_path)
                check_key_matches(answer_key, rubric, sha)
            else:
                answer_key = build_key(rubric, sha)
        except GraderError as exc:
            lines.append(f"{path}: {exc}")
            ok = False
            continue
        outcomes = run_self_tests(rubric, answer_key)
        failed = [outcome for outcome in outcomes if not outcome.passed]
        for outcome in outcomes:
            if outcome.passed and not verbose:
                continue
            answer = outcome.test.answer if isinstance(outcome.test.answer, str) else repr(outcome.test.answer)
            if len(answer) > 70:
                answer = answer[:67] + "..."
            mark = "ok  " if outcome.passed else "FAIL"
            line = f"{mark} {outcome.part_id} test {outcome.index + 1}: {answer!s}"
            if not outcome.passed:
                line += f"\n       {'; '.join(outcome.problems)} [{outcome.verdict.status.value}: {outcome.verdict.feedback}]"
            lines.append(line)
        untested = parts_without_tests(rubric)
        if untested:
            lines.append(f"{path}: parts without self-tests: {', '.join(untested)}")
        lines.append(f"{path}: {len(outcomes) - len(failed)} passed, {len(failed)} failed")
        ok = ok and not failed
    return "\n".join(lines) + "\n", ok
