"""End-to-end: the README's main command on the bundled class, against golden files.

Runs the real ``grader grade rubrics/ submissions_example/`` once, compares every
gradebook, summary and Markdown feedback file with ``tests/e2e/golden/`` (refresh them
after a deliberate change with ``pytest tests/e2e --update-goldens``), and asserts the
verdicts a careful human grader gives on the seeds' known cases.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from support import REPO, run_grader

pytestmark = pytest.mark.torch  # `grader grade rubrics/` builds the bundled keys

GOLDEN = Path(__file__).parent / "golden"
GOLDEN_PATTERNS = ("*/gradebook.csv", "*/summary.json", "*/feedback/*.md")


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("results")
    result = run_grader("grade", "rubrics/", "submissions_example/", "-o", str(out), "--quiet", "--workers", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return out


def _outputs(root: Path) -> dict[str, Path]:
    return {str(path.relative_to(root)): path for pattern in GOLDEN_PATTERNS for path in sorted(root.glob(pattern))}


def test_outputs_match_golden_files(graded: Path, update_goldens: bool) -> None:
    produced = _outputs(graded)
    assert produced, "grading produced no outputs"
    if update_goldens:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for name, path in produced.items():
            target = GOLDEN / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        pytest.skip("golden files rewritten")
    expected = _outputs(GOLDEN)
    assert sorted(produced) == sorted(expected), "the set of output files changed (rerun with --update-goldens if deliberate)"
    changed = [name for name in produced if produced[name].read_bytes() != expected[name].read_bytes()]
    assert not changed, f"outputs differ from the golden files: {changed} (rerun with --update-goldens if deliberate)"


def _row(graded: Path, assignment: str, student: str) -> dict[str, str]:
    with open(graded / assignment / "gradebook.csv", newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["SID"] == student:
                return row
    raise AssertionError(f"{student} not in the {assignment} gradebook")


def _part(graded: Path, assignment: str, student: str, part_id: str) -> dict:
    data = json.loads((graded / assignment / "feedback" / f"{student}.json").read_text(encoding="utf-8"))
    for part in data["parts"]:
        if part["part_id"] == part_id:
            return part
    raise AssertionError(f"{part_id} not in {student}'s feedback")


# (assignment, student, part, status, score fraction, why a careful human grader agrees)
HUMAN_VERDICTS = [
    # Seed 004 §3: J_f1 is right, but the composed Jacobian [[4,6],[32,36]] drops the x1*x2 term
    # of the first column (torch: [[6, 6], [40, 36]]); the rubric gives partial credit for it.
    ("sharif-ml-ps03", "seed-004-student", "q3.jacobian", "partial", 0.5),
    ("sharif-ml-ps03", "seed-004-student", "q3.J_f1", "correct", 1.0),
    # Seed 004 §6: O, M, the loss and the updated F are right (dL/dF = 2x their matrix, F_new rounded).
    ("sharif-ml-ps03", "seed-004-student", "q6.O", "correct", 1.0),
    ("sharif-ml-ps03", "seed-004-student", "q6.M", "correct", 1.0),
    ("sharif-ml-ps03", "seed-004-student", "q6.F_new", "correct", 1.0),
    # Seed 004 §4: the output delta 0.0993 is an arithmetic slip (exact: 0.1005); not credited.
    ("sharif-ml-ps03", "seed-004-student", "q4.delta_out", "wrong", 0.0),
    # Seed 004 §1: the Hamming network's layer shapes do not agree (12 hidden units, W_o expects 4).
    ("sharif-ml-ps03", "seed-004-student", "q1.hamming", "wrong", 0.0),
    # The same network written as JSON inside the Markdown write-up's \answer tag is read too.
    ("sharif-ml-ps03", "seed-004-student-md", "q1.hamming", "wrong", 0.0),
    ("sharif-ml-ps03", "seed-004-student-md", "q2.network", "wrong", 0.0),
    # Seed 001 Q2.2: lambda = (1-p)/p is right.
    ("ift6135-w2020-a2", "seed-001-student", "q2.2.lambda", "correct", 1.0),
    # Seed 001 Q4: the student used the unbiased (n-1) variance; batch norm uses the biased one.
    ("ift6135-w2020-a2", "seed-001-student", "q4.1.var_batch", "partial", 0.5),
    # Seed 001 Q3.1(c): c = 0, mu = 0, sigma^2 = 1/d satisfies the conditions (one of many answers).
    ("ift6135-w2020-a2", "seed-001-student", "q3.1.c", "correct", 1.0),
    # Seed 003 Q2.3: the unsimplified sum (1-beta) sum beta^(t-i) equals 1 - beta^t.
    ("ift6135-optim-norm", "seed-003-student", "q2.3.bias", "correct", 1.0),
    # Seed 002: sigma_max bound over x_1 -> x_n has n-1 factors; (1/2)^n is the off-by-one mistake.
    ("ift6135-vanishing-gradients", "seed-002-student", "q1.2.1.bound", "partial", 0.5),
    # Seed 000 Q3b: beta is the d = 1 case of the determinant beta^d.
    ("ift6135-rnn-momentum", "seed-000-student", "q3b.det", "partial", 0.5),
]


@pytest.mark.parametrize(("assignment", "student", "part_id", "status", "fraction"), HUMAN_VERDICTS,
                         ids=[f"{v[0]}:{v[1]}:{v[2]}" for v in HUMAN_VERDICTS])
def test_seed_verdicts_agree_with_a_careful_human(graded: Path, assignment: str, student: str, part_id: str,
                                                  status: str, fraction: float) -> None:
    part = _part(graded, assignment, student, part_id)
    assert part["status"] == status, part
    assert part["points"] == pytest.approx(fraction * part["max_points"]), part


def test_manual_parts_are_reported_as_left_for_a_person(graded: Path) -> None:
    part = _part(graded, "sharif-ml-ps03", "seed-004-student", "q7.cnn_vs_mlp")
    assert part["status"] == "manual" and part["points"] == 0
    markdown = (graded / "sharif-ml-ps03" / "feedback" / "seed-004-student.md").read_text(encoding="utf-8")
    assert "Left for a person" in markdown


def test_hostile_student_costs_only_their_own_answers(graded: Path) -> None:
    row = _row(graded, "ift6135-w2020-a2", "hostile")
    assert float(row["Total"]) == 0
    data = json.loads((graded / "ift6135-w2020-a2" / "feedback" / "hostile.json").read_text(encoding="utf-8"))
    statuses = {part["status"] for part in data["parts"]}
    assert statuses <= {"invalid", "missing", "manual", "timeout", "wrong", "undecided"}
    # the well-behaved students of the same batch were graded normally
    assert float(_row(graded, "ift6135-w2020-a2", "equivalent-forms")["Total"]) > 30


def test_equivalent_forms_students_get_every_gradable_point(graded: Path) -> None:
    for assignment in ("ift6135-w2020-a2", "sharif-ml-ps03", "ift6135-optim-norm",
                       "ift6135-vanishing-gradients", "ift6135-rnn-momentum"):
        folder = REPO / "submissions_example" / assignment / "equivalent-forms"
        data = json.loads(next((graded / assignment / "feedback").glob("*.json")).read_text(encoding="utf-8"))
        assert data  # feedback exists
        sid = _student_id(folder)
        feedback = json.loads((graded / assignment / "feedback" / f"{sid}.json").read_text(encoding="utf-8"))
        lost = [p["part_id"] for p in feedback["parts"] if p["status"] not in ("correct", "manual", "missing")]
        assert not lost, (assignment, lost)


def _student_id(folder: Path) -> str:
    """Without a roster or Gradescope metadata the folder name is the student id (what an
    answers file says about its author is never used as the id)."""
    return folder.name
