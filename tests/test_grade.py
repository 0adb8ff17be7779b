"""Grading: pure steps (normalize, plan, score), the batch with the real engine and pool,
workers-independence, resume after a SIGKILL, no torch, and the click commands."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.check.verdict import Status, Verdict
from grader.cli.grade import extract as extract_command
from grader.cli.grade import grade_command, template
from grader.grading.plan import normalize_answer, plan_checks
from grader.grading.score import score_extraction
from grader.key.build import build_key
from grader.results import Student
from grader.rubric.load import load_rubric
from grader.submission.extract import Extraction

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "submission" / "fixtures"
MINI = FIXTURES / "mini.yaml"
RUBRIC, SHA = load_rubric(MINI)


# --------------------------------------------------------------------------- pure steps

NORMALIZE_CASES = [
    ("text stripped and collapsed", "  x  +\n y ", ("x + y", "x + y")),
    ("empty text", "  \n", None),
    ("none", None, None),
    ("integer", 3, ("3", 3)),
    ("float", 0.5, ("0.5", 0.5)),
    ("list canonical", [[1, 2], [3, 4]], ("[[1,2],[3,4]]", [[1, 2], [3, 4]])),
    ("mapping key order", {"b": 1, "a": [2]}, ('{"a":[2],"b":1}', {"a": [2], "b": 1})),
]


@pytest.mark.parametrize("name,raw,expected", NORMALIZE_CASES, ids=[c[0] for c in NORMALIZE_CASES])
def test_normalize_answer(name: str, raw: object, expected: object) -> None:
    assert normalize_answer(raw) == expected


def _extraction(sid: str, answers: dict[str, object], **extra: object) -> Extraction:
    return Extraction(answers=answers, student=Student(sid, folder=sid), **extra)  # type: ignore[arg-type]


def test_plan_checks_deduplicates_across_students_in_rubric_order() -> None:
    extractions = [
        _extraction("a", {"q2.where": "after", "q1.count": "4640"}),
        _extraction("b", {"q1.count": " 4640 ", "q2.where": "after", "q2.mean": [[1, 2], [3, 4]]}),
        _extraction("c", {"q2.mean": [[1, 2], [3, 4]], "unknown": "x"}),
        _extraction("d", {"q1.count": "1"}, wrong_assignment="other"),
    ]
    checks = plan_checks(RUBRIC, extractions)
    assert list(checks) == [("q1.count", "4640"), ("q2.mean", "[[1,2],[3,4]]"), ("q2.where", "after")]


def test_score_extraction_points_missing_and_wrong_assignment() -> None:
    verdicts = {
        ("q1.he_std", "1/sqrt(d)"): Verdict(0.5, Status.PARTIAL, "half", rule="xavier"),
        ("q1.count", "4640"): Verdict(1.0, Status.CORRECT, "ok"),
        ("q2.mean", "[[1,2],[3,4]]"): Verdict(1 / 3, Status.PARTIAL, "a third"),
    }
    graded = score_extraction(
        RUBRIC, SHA, _extraction("a", {"q1.he_std": "1/sqrt(d)", "q1.count": 4640, "q2.mean": [[1, 2], [3, 4]]}), verdicts
    )
    points = {part.part_id: part.points for part in graded.result.parts}
    assert points == {"q1.he_std": 1.0, "q1.count": 1.0, "q2.mean": 0.5, "q2.where": 0.0, "q2.why": 0.0}
    statuses = {part.part_id: part.verdict.status for part in graded.result.parts}
    assert statuses["q2.where"] is Status.MISSING
    assert graded.result.total == 2.5 and graded.stem == "a"
    other = score_extraction(RUBRIC, SHA, _extraction("b", {"q1.count": 4640}, wrong_assignment="hw9"), verdicts)
    assert other.result.total == 0 and "hw9" in other.result.parts[1].verdict.feedback


# --------------------------------------------------------------------------- commands without the engine


def test_template_yaml_lists_every_part_and_reads_back_empty(tmp_path: Path) -> None:
    result = CliRunner().invoke(template, [str(MINI)])
    assert result.exit_code == 0, result.output
    from grader.submission.answers_file import parse_answers_yaml

    doc = parse_answers_yaml(result.output)
    assert doc.problems == [] and doc.answers == {} and doc.assignment == "mini-hw"
    for part in RUBRIC.parts():
        assert f'  {part.id}: ""' in result.output
        assert part.prompt in result.output


def test_template_tex_round_trips_through_the_scanner(tmp_path: Path) -> None:
    out = tmp_path / "hw.tex"
    result = CliRunner().invoke(template, [str(MINI), "--format", "tex", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "\\newcommand{\\answer}[2]" in text
    from grader.submission.writeup import scan_writeup

    doc = scan_writeup(text, "hw.tex")
    assert [tag.part_id for tag in doc.tagged] == [part.id for part in RUBRIC.parts()]
    assert all(tag.body == "" for tag in doc.tagged)


def test_template_bad_rubric_exit_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("assignment: [\n")
    result = CliRunner().invoke(template, [str(bad)])
    assert result.exit_code == 1


def test_extract_command_lists_sources_and_missing(tmp_path: Path) -> None:
    folder = tmp_path / "jdoe"
    folder.mkdir()
    (folder / "answers.yaml").write_text("answers:\n  q1.count: 4640\n  q1.he-std: x\n")
    result = CliRunner().invoke(extract_command, [str(folder), "--rubric", str(MINI), "--no-read"])
    assert result.exit_code == 0, result.output
    assert "q1.count  [answers.yaml:2]  (number)" in result.output
    assert "missing (4): q1.he_std, q2.mean, q2.where, q2.why" in result.output
    assert "did you mean q1.he_std?" in result.output


def test_grade_usage_error_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(grade_command, [str(MINI), str(tmp_path / "does-not-exist")])
    assert result.exit_code == 2


# --------------------------------------------------------------------------- batch with a test double


def _fake_run_checks(rubric, key, checks, **kwargs):  # type: ignore[no-untyped-def]
    """Test double of the pool + engine: 'right' answers are those of score-1 self-tests."""
    right = {
        (part.id, normalize_answer(test.answer)[0])  # type: ignore[index]
        for part in rubric.parts()
        for test in part.tests
        if test.score == 1
    }
    return {
        check: Verdict(1.0, Status.CORRECT, "ok") if check in right else Verdict(0.0, Status.WRONG, "no")
        for check in checks
    }


def _write_class(root: Path) -> Path:
    subs = root / "subs"
    (subs / "alice").mkdir(parents=True)
    (subs / "alice" / "answers.yaml").write_text(
        "student: {id: '002', name: Alice}\nanswers:\n  q1.count: 4640\n  q2.where: after\n  q2.mean: [[1, 2], [3, 4]]\n"
    )
    (subs / "bob").mkdir()
    (subs / "bob" / "hw.tex").write_text("\\answer{q1.he_std}{$\\sqrt{\\frac{2}{d}}$}\n\\answer{q2.where}{before}\n")
    (subs / "broken").mkdir()
    (subs / "broken" / "answers.yaml").write_text("answers:\n  q1.count: [4640\n")
    (subs / "empty").mkdir()
    return subs


def test_grade_batch_with_double(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import grader.grading.pipeline as grade_module
    from grader.workflow import grade_class

    monkeypatch.setattr(grade_module, "run_checks", _fake_run_checks)
    subs = _write_class(tmp_path)
    key = build_key(RUBRIC, SHA)
    summary = grade_class(RUBRIC, SHA, key, subs, tmp_path / "out", quiet=True)
    assert summary.n_students == 4 and summary.graded == 4
    gradebook = (tmp_path / "out" / "gradebook.csv").read_text().splitlines()
    assert gradebook[0] == "SID,Name,Email,Total,Max,Pending,q1.he_std,q1.count,q2.mean,q2.where,q2.why"
    assert gradebook[1:] == [
        "alice,,,3.5,6.5,0,0,1,1.5,1,0",  # the answers file's own id (002) is never used
        "bob,,,2,6.5,0,2,0,0,0,0",
        "broken,,,0,6.5,0,0,0,0,0,0",
        "empty,,,0,6.5,0,0,0,0,0,0",
    ]
    broken = json.loads((tmp_path / "out" / "feedback" / "broken.json").read_text())
    assert "answers.yaml:3:1: not valid YAML" in broken["problems"][0]
    assert any("empty" in problem for problem in summary.problems)
    def outputs() -> dict[str, bytes]:  # the rendered files (the database is not byte-stable: it logs runs)
        return {p.name: p.read_bytes() for p in sorted((tmp_path / "out").rglob("*"))
                if p.is_file() and not p.name.startswith("grades.sqlite")}

    first = outputs()
    # resume: nothing to redo, byte-identical outputs; a changed submission is regraded
    again = grade_class(RUBRIC, SHA, key, subs, tmp_path / "out", resume=True, quiet=True)
    assert again.resumed == 4 and again.graded == 0
    assert outputs() == first
    (subs / "bob" / "hw.tex").write_text("\\answer{q2.where}{after}\n")
    third = grade_class(RUBRIC, SHA, key, subs, tmp_path / "out", resume=True, quiet=True)
    assert third.resumed == 3 and third.graded == 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the renderer is a closure: workers must be forked")
def test_a_worker_that_dies_while_writing_costs_no_student(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker rendering bob's files dies (as if killed): the supervisor renders the
    students of that task itself, and every student has the files a clean run writes."""
    import os

    import grader.grading.pipeline as grade_module
    from grader.grading.pipeline import grade_batch
    from grader.workflow import render_feedback

    monkeypatch.setattr(grade_module, "run_checks", _fake_run_checks)
    subs = _write_class(tmp_path)
    key = build_key(RUBRIC, SHA)
    supervisor = os.getpid()

    def dies_on_bob(graded, rubric):  # type: ignore[no-untyped-def]
        if graded.stem == "bob" and os.getpid() != supervisor:
            os._exit(9)
        return render_feedback(graded, rubric)

    clean = grade_batch(RUBRIC, SHA, key, subs, tmp_path / "clean", workers=2, quiet=True, render=render_feedback)
    in_supervisor: list[str] = []
    write_student = grade_module.write_student

    def counted(rubric, sha, folder, job, render):  # type: ignore[no-untyped-def]
        in_supervisor.append(job.stem)
        return write_student(rubric, sha, folder, job, render)

    monkeypatch.setattr(grade_module, "write_student", counted)  # the supervisor's fallback only
    hurt = grade_batch(RUBRIC, SHA, key, subs, tmp_path / "hurt", workers=2, quiet=True, render=dies_on_bob)
    assert "bob" in in_supervisor  # its task's students were rendered by the supervisor
    assert [g.result.total for g in hurt.results] == [g.result.total for g in clean.results]
    files = sorted(p.name for p in (tmp_path / "clean" / "feedback").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "hurt" / "feedback").iterdir()) and len(files) == 8
    for name in files:
        assert (tmp_path / "hurt" / "feedback" / name).read_bytes() == (tmp_path / "clean" / "feedback" / name).read_bytes()


def test_grade_batch_duplicate_ids_are_kept_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import grader.grading.pipeline as grade_module
    from grader.workflow import grade_class

    monkeypatch.setattr(grade_module, "run_checks", _fake_run_checks)
    subs = tmp_path / "subs"
    # the Gradescope metadata gives folders a and b the same id; folder "7__a" is another
    # student whose id is the stem the first would be disambiguated to: nobody's files
    # replace anybody's (and what the answers files claim is never used)
    for folder in ("a", "b", "7__a"):
        (subs / folder).mkdir(parents=True)
        (subs / folder / "answers.yaml").write_text("student: {id: '7__b'}\nanswers:\n  q2.where: after\n")
    (subs / "submission_metadata.yml").write_text(
        "a:\n  :submitters:\n  - :sid: '7'\nb:\n  :submitters:\n  - :sid: '7'\n"
    )
    summary = grade_class(RUBRIC, SHA, build_key(RUBRIC, SHA), subs, tmp_path / "out", quiet=True)
    assert sorted(p.name for p in (tmp_path / "out" / "feedback").glob("*.json")) == ["7__a.json", "7__a__2.json", "7__b.json"]
    assert any("claimed by several folders" in problem for problem in summary.problems)
    rows = (tmp_path / "out" / "gradebook.csv").read_text().splitlines()[1:]
    assert [row.split(",")[0] for row in rows] == ["7", "7", "7__a"]


# --------------------------------------------------------------------------- the real engine and pool


def _real() -> None:
    pytest.importorskip("grader.check.pool")
    pytest.importorskip("grader.check.engine")


def _tree(root: Path) -> dict[str, bytes]:
    """The rendered outputs (the results database is compared by its content, not its bytes)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.startswith("grades.sqlite")}


def _key_file(tmp_path: Path) -> Path:
    path = tmp_path / "mini.key.json"
    path.write_text(build_key(RUBRIC, SHA).dumps())
    return path


def test_real_batch_is_identical_for_1_and_2_workers(tmp_path: Path) -> None:
    _real()
    from grader.workflow import grade_class as grade_batch

    subs = _write_class(tmp_path)
    key = build_key(RUBRIC, SHA)
    one = grade_batch(RUBRIC, SHA, key, subs, tmp_path / "w1", workers=1, quiet=True)
    two = grade_batch(RUBRIC, SHA, key, subs, tmp_path / "w2", workers=2, quiet=True)
    assert _tree(tmp_path / "w1") == _tree(tmp_path / "w2")
    assert one.dumps() == two.dumps()
    for out in ("w1", "w2"):  # the database's WAL files are cleaned up (the report reads it last)
        left = sorted(path.name for path in (tmp_path / out).iterdir() if path.name.startswith("grades.sqlite"))
        assert left == ["grades.sqlite"], left
    alice = json.loads((tmp_path / "w1" / "feedback" / "alice.json").read_text())
    statuses = {part["part_id"]: part["status"] for part in alice["parts"]}
    assert statuses == {"q1.he_std": "missing", "q1.count": "correct", "q2.mean": "correct",
                        "q2.where": "correct", "q2.why": "missing"}
    bob = json.loads((tmp_path / "w1" / "feedback" / "bob.json").read_text())
    assert bob["parts"][0]["status"] == "correct" and bob["parts"][3]["status"] == "wrong"


def test_grading_with_a_key_never_imports_torch(tmp_path: Path) -> None:
    _real()
    subs = _write_class(tmp_path)
    key = _key_file(tmp_path)
    script = (
        "import sys\n"
        "from grader.cli.grade import grade_command\n"
        f"try:\n    grade_command([{str(MINI)!r}, {str(subs)!r}, '-o', {str(tmp_path / 'out')!r}, '--key', {str(key)!r}, '--quiet'])\n"
        "except SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
        "assert 'reference' not in sys.modules\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("ok")


def _grade_cmd(subs: Path, out: Path, key: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "grader.cli", "grade", str(MINI), str(subs), "-o", str(out), "--key", str(key),
            "--quiet", *extra]


def test_resume_after_sigkill_gives_identical_outputs(tmp_path: Path) -> None:
    _real()
    sys.path.insert(0, str(REPO / "benchmarks"))
    from make_class import make_class

    subs = make_class(MINI, tmp_path / "class", 1500, seed=3, style="simple")
    key = _key_file(tmp_path)
    reference = subprocess.run(_grade_cmd(subs, tmp_path / "ref", key), capture_output=True, text=True, cwd=REPO, timeout=600)
    assert reference.returncode == 0, reference.stderr

    out = tmp_path / "killed"
    process = subprocess.Popen(_grade_cmd(subs, out, key, "--chunk-size", "25"), cwd=REPO, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not any((out / "feedback").glob("*.json")):
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert not (out / "gradebook.csv").exists(), "the run finished before it could be killed"
    done = len(list((out / "feedback").glob("*.json")))
    assert 0 < done < 1500

    resumed = subprocess.run(_grade_cmd(subs, out, key, "--resume"), capture_output=True, text=True, cwd=REPO, timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed" in resumed.stdout
    assert _tree(out) == _tree(tmp_path / "ref")


def test_grade_command_rubric_folder(tmp_path: Path) -> None:
    _real()
    rubrics = tmp_path / "rubrics"
    rubrics.mkdir()
    shutil.copy(MINI, rubrics / "mini.yaml")
    (rubrics / "mini.key.json").write_text(build_key(RUBRIC, SHA).dumps())
    other = MINI.read_text().replace("id: mini-hw", "id: other-hw")
    (rubrics / "other.yaml").write_text(other)
    subs = tmp_path / "subs"
    shutil.copytree(_write_class(tmp_path / "c"), subs / "mini-hw")
    result = CliRunner().invoke(grade_command, [str(rubrics), str(subs), "-o", str(tmp_path / "results")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "results" / "mini-hw" / "gradebook.csv").is_file()
    assert "skipped other.yaml" in result.output and "mini-hw: 4 students" in result.output
    (rubrics / "broken.yaml").write_text("assignment: [\n")
    result = CliRunner().invoke(grade_command, [str(rubrics), str(subs), "-o", str(tmp_path / "results"), "--quiet"])
    assert result.exit_code == 1
    assert "broken.yaml" in result.output


def test_grade_command_stale_key_exit_1(tmp_path: Path) -> None:
    key = tmp_path / "stale.key.json"
    key.write_text(build_key(RUBRIC, "0" * 64).dumps())
    subs = _write_class(tmp_path)
    result = CliRunner().invoke(grade_command, [str(MINI), str(subs), "--key", str(key), "-o", str(tmp_path / "o")])
    assert result.exit_code == 1
    assert "another version of the rubric" in result.output


def test_grade_batch_gradescope_export_with_group(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import grader.grading.pipeline as grade_module
    from grader.workflow import grade_class

    monkeypatch.setattr(grade_module, "run_checks", _fake_run_checks)
    export = tmp_path / "export"
    for folder in ("submission_1", "submission_2"):
        (export / folder).mkdir(parents=True)
        (export / folder / "answers.yaml").write_text("answers:\n  q2.where: after\n")
    (export / "submission_metadata.yml").write_text(
        ":submission_1:\n  :submitters:\n  - :name: Ada\n    :sid: '11'\n    :email: ada@x.org\n"
        ":submission_2:\n  :submitters:\n  - :name: Bob\n    :sid: '22'\n    :email: bob@x.org\n"
        "  - :name: Cy\n    :sid: '33'\n    :email: cy@x.org\n"
    )
    grade_class(RUBRIC, SHA, build_key(RUBRIC, SHA), export, tmp_path / "out", quiet=True)
    rows = (tmp_path / "out" / "gradebook.csv").read_text().splitlines()[1:]
    assert [row.split(",")[:4] for row in rows] == [
        ["11", "Ada", "ada@x.org", "1"], ["22", "Bob", "bob@x.org", "1"], ["33", "Cy", "cy@x.org", "1"]
    ]
