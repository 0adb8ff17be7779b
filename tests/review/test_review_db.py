"""The review page on a real results database: decisions reach the results, two sessions
(two ``grader review`` servers, or two apps in threads) never lose each other's decisions."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx2
import pytest
from grading.dbsupport import CLASS, grade_records, write_class, write_rubric
from starlette.testclient import TestClient

from grader.grading.db import ResultsDB, answer_sha
from grader.review.adapter import open_store
from grader.review.app import cookie_name, create_app
from review.servers import review_server

HOSTILE = "<script>document.title='pwned'</script> \\frac{1}{0"


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny class graded for real into OUT/grades.sqlite (a template copied per test)."""
    folder = tmp_path_factory.mktemp("tiny")
    students = {**CLASS, "s6": {"q1.expr": "m/(1-beta^t", "q1.proof": HOSTILE}}
    rubric, sha, key, records = grade_records(write_rubric(folder), write_class(folder, students))
    out = folder / "out"
    with ResultsDB.open(out) as db:
        db.begin_run(rubric, sha, key)
        db.record(records)
        db.finish_run([record.student_key for record in records])
    return out


@pytest.fixture()
def out(graded: Path, tmp_path: Path) -> Path:
    target = tmp_path / "out"
    target.mkdir()
    (target / "grades.sqlite").write_bytes((graded / "grades.sqlite").read_bytes())
    return target


def _client(out: Path, token: str, who: str) -> TestClient:
    client = TestClient(create_app(lambda: open_store(out), token=token, who=who), base_url="http://127.0.0.1")
    assert client.get(f"/?token={token}").status_code == 200
    return client


def _group_of(out: Path, part_id: str, answer: str) -> str:
    store = open_store(out)
    try:
        rows = store.queue(part_id, ("manual", "invalid", "undecided", "timeout", "error", "wrong", "partial", "correct"), 1).rows
    finally:
        store.close()
    return next(row.group_id for row in rows if row.answer == answer)


def _points(out: Path) -> dict[tuple[str, str], tuple[float, str]]:
    with ResultsDB.open(out, create=False) as db:
        return {
            (result.student.id, part.part_id): (
                part.points, part.review.state if part.review else ("pending" if part.pending else "auto")
            )
            for _, result, _ in db.students()
            for part in result.parts
        }


def test_a_group_decision_from_the_page_scores_every_student_in_it(out: Path) -> None:
    client = _client(out, "tok", "ta")
    queue = client.get("/").text
    assert "trivial" in queue and "By telescoping." in queue
    group = _group_of(out, "q1.proof", "trivial")
    page = client.post(f"/g/{group}/decide", data={"fraction": "0.5", "comment": "no argument", "token": "tok"},
                       headers={"HX-Request": "1"})
    assert page.status_code == 200 and "saved 1.5/3 for 2 student(s)" in page.text
    points = _points(out)
    assert points[("s3", "q1.proof")] == (1.5, "decided")
    assert points[("s4", "q1.proof")] == (1.5, "decided")
    assert points[("s1", "q1.proof")] == (0.0, "pending")
    # One student of the group gets their own score; then it is undone and the group's applies again.
    client.post(f"/g/{group}/decide", data={"points": "3", "student": "s4", "token": "tok"})
    assert _points(out)[("s4", "q1.proof")] == (3.0, "decided")
    client.post(f"/g/{group}/undo", data={"student": "s4", "token": "tok"})
    assert _points(out)[("s4", "q1.proof")] == (1.5, "decided")
    client.post(f"/g/{group}/undo", data={"token": "tok"})
    assert _points(out)[("s3", "q1.proof")] == (0.0, "pending")


def test_hostile_answers_are_text_on_the_real_page(out: Path) -> None:
    client = _client(out, "tok", "ta")
    group = _group_of(out, "q1.proof", HOSTILE)
    page = client.get(f"/g/{group}").text
    assert "<script>document" not in page
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in page


def test_two_sessions_in_threads_lose_nothing(out: Path) -> None:
    groups = [_group_of(out, "q1.proof", answer) for answer in ("trivial", "By telescoping.", HOSTILE)]
    rounds = 8
    start = threading.Barrier(2)
    failures: list[str] = []

    def reviewer(token: str, who: str, fraction: str) -> None:
        client = _client(out, token, who)
        start.wait()
        for _ in range(rounds):
            for group in groups:
                response = client.post(f"/g/{group}/decide", data={"fraction": fraction, "token": token})
                if response.status_code != 200:
                    failures.append(f"{who} {group}: {response.status_code}")

    threads = [threading.Thread(target=reviewer, args=("a" * 8, "ta1", "0.25")),
               threading.Thread(target=reviewer, args=("b" * 8, "ta2", "0.75"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures
    with ResultsDB.open(out, create=False) as db:
        rows = db.decision_rows()
        assert db.integrity_check() == "ok"
    # Every decision is in the history (one row per distinct answer text of a group).
    assert len({row.action_id for row in rows}) == 2 * rounds * len(groups)
    assert {row.who for row in rows} == {"ta1", "ta2"}
    # And what applies is the latest decision of each group, whoever made it.
    points = _points(out)
    for text, students in (("trivial", ("s3", "s4")), ("By telescoping.", ("s1", "s2")), (HOSTILE, ("s6",))):
        mine = [row for row in rows if row.answer_sha256 == answer_sha(text) and row.student_key is None]
        latest = max(mine, key=lambda row: row.decision_id)
        assert latest.fraction is not None
        for student in students:
            assert points[(student, "q1.proof")] == (latest.fraction * 3, "decided")


def test_two_review_servers_on_one_folder(out: Path) -> None:
    group_a = _group_of(out, "q1.proof", "trivial")
    group_b = _group_of(out, "q1.proof", "By telescoping.")
    with review_server(out, "--who", "ta1") as first, review_server(out, "--who", "ta2") as second:
        with httpx2.Client(follow_redirects=True) as one, httpx2.Client(follow_redirects=True) as two:
            assert one.get(first).status_code == 200 and two.get(second).status_code == 200
            base_one, base_two = first.split("/?")[0], second.split("/?")[0]
            token_one, token_two = first.split("token=")[1], second.split("token=")[1]
            # Each server has its own token and cookie: one's token opens nothing on the other.
            port_two = int(base_two.rsplit(":", 1)[1])
            assert httpx2.get(base_two + "/", cookies={cookie_name(port_two): token_one}).status_code == 403
            assert httpx2.get(base_two + "/", cookies={cookie_name(port_two): token_two}).status_code == 200
            assert one.post(f"{base_one}/g/{group_a}/decide", data={"fraction": "1", "token": token_one}).status_code == 200
            assert two.post(f"{base_two}/g/{group_b}/decide", data={"fraction": "0", "token": token_two}).status_code == 200
            # Each session sees the other's decision on its next page load.
            assert "ta2" in one.get(f"{base_one}/g/{group_b}").text
            assert "ta1" in two.get(f"{base_two}/g/{group_a}").text
    points = _points(out)
    assert points[("s3", "q1.proof")] == (3.0, "decided")
    assert points[("s1", "q1.proof")] == (0.0, "decided")


def test_a_decision_made_meanwhile_by_another_session_is_pointed_out(out: Path) -> None:
    import re

    first, second = _client(out, "one", "ta1"), _client(out, "two", "ta2")
    group = _group_of(out, "q1.proof", "trivial")
    seen = re.search(r'name="seen" value="(\d+)"', first.get(f"/g/{group}").text)
    assert seen is not None and seen.group(1) == "0"
    second.post(f"/g/{group}/decide", data={"fraction": "0", "token": "two"})
    page = first.post(f"/g/{group}/decide", data={"fraction": "1", "seen": seen.group(1), "token": "one"},
                      headers={"HX-Request": "1"}).text
    assert "note: ta2 changed this group since you opened it" in page
    assert _points(out)[("s3", "q1.proof")] == (3.0, "decided")  # the latest decision applies
    with ResultsDB.open(out, create=False) as db:
        assert [row.who for row in db.decision_rows()] == ["ta2", "ta1"]  # both kept


def test_the_command_refuses_a_folder_without_a_results_database(tmp_path: Path) -> None:
    from support import run_grader

    result = run_grader("review", str(tmp_path), "--no-browser")
    assert result.returncode == 1
    assert "no results database" in result.stderr and "grader grade" in result.stderr
    assert "Traceback" not in result.stderr
    (tmp_path / "grades.sqlite").write_bytes(b"not a database" * 100)
    result = run_grader("review", str(tmp_path), "--no-browser")
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr


def test_a_decision_from_before_a_rubric_change_asks_to_be_reconfirmed(out: Path, tmp_path: Path) -> None:
    from grading.dbsupport import RUBRIC_YAML

    client = _client(out, "tok", "ta")
    group = _group_of(out, "q1.proof", "trivial")
    client.post(f"/g/{group}/decide", data={"fraction": "0.5", "token": "tok"})
    # The rubric's guidance is fixed: the part's definition changes, the decision is kept but stale.
    changed = RUBRIC_YAML.replace("telescoping argument", "telescoping argument, stated")
    students = {**CLASS, "s6": {"q1.expr": "m/(1-beta^t", "q1.proof": HOSTILE}}
    rubric, sha, key, records = grade_records(write_rubric(tmp_path, changed), write_class(tmp_path, students))
    with ResultsDB.open(out, create=False) as db:
        db.begin_run(rubric, sha, key)
        db.record(records)
        db.finish_run([record.student_key for record in records])
    group = _group_of(out, "q1.proof", "trivial")
    assert "re-confirm" in client.get("/").text
    page = client.get(f"/g/{group}").text
    assert "made before the rubric changed" in page and "1.5/3" in page
    assert _points(out)[("s3", "q1.proof")][1] == "reconfirm"
    client.post(f"/g/{group}/decide", data={"fraction": "0.5", "token": "tok"})
    assert _points(out)[("s3", "q1.proof")] == (1.5, "decided")
    assert "made before the rubric changed" not in client.get(f"/g/{group}").text
