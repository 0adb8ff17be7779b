"""The class report: a class graded by the real CLI, `grader report` on it, the statistics
checked by hand, and the page opened in headless Chromium (the OS package, driven by
Playwright): no console errors, no request beyond file://, every plot present, math
rendered by KaTeX, a hostile answer shown as text. Screenshots of the class page and one
student page are written to $GRADER_TEST_ARTIFACTS (default: the test's temporary folder)
for a person to look at.

Outside CI a missing browser skips with the reason; with CI=true it fails."""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml
from support import run_grader

from grader.output.report import (
    DISCRIMINATION_FLOOR,
    ReportData,
    StudentRow,
    item_analysis,
    read_report,
    review_progress,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

RUBRIC = """\
assignment: {id: hw-report, title: "HW report"}
questions:
  - id: q1
    parts:
      - id: q1.std
        points: 2
        prompt: "He initialization standard deviation for fan-in d."
        answer: {kind: expression, expected: sqrt(2/d), symbols: {d: {domain: positive}}}
      - {id: q1.num, points: 1, prompt: "1/2 + 1/4", answer: {kind: number, expected: 0.75}}
      - {id: q1.easy, points: 1, prompt: "Twice three", answer: {kind: number, expected: 6}}
      - {id: q1.why, points: 2, prompt: "Explain.", answer: {kind: manual}}
"""

# Strong students get q1.std and q1.num right; everybody gets q1.easy (it cannot discriminate).
ANSWERS = {
    "s01": {"q1.std": "\\sqrt{2/d}", "q1.num": "3/4", "q1.easy": 6, "q1.why": "because"},
    "s02": {"q1.std": "sqrt(2)/sqrt(d)", "q1.num": 0.75, "q1.easy": 6},
    "s03": {"q1.std": "sqrt(1/d)", "q1.num": "3/4", "q1.easy": 6},
    "s04": {"q1.std": "sqrt(1/d)", "q1.num": 1, "q1.easy": 6},
    "s05": {"q1.std": "2/d", "q1.num": 1, "q1.easy": 6},
    "s06": {"q1.std": "<script>alert('x')</script>", "q1.num": "((", "q1.easy": 6},
}


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("report")
    rubric = base / "hw.yaml"
    rubric.write_text(RUBRIC, encoding="utf-8")
    for sid, answers in ANSWERS.items():
        folder = base / "subs" / sid
        folder.mkdir(parents=True)
        doc = {"student": {"id": sid, "name": f"Student {sid}"}, "answers": answers}
        (folder / "answers.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    run_grader("grade", str(rubric), str(base / "subs"), "-o", str(base / "out"), "--quiet", check=True)
    return base / "out"


def test_grade_writes_the_report_and_report_rewrites_it(out: Path) -> None:
    page = out / "report.html"
    assert page.is_file()  # written by `grade`
    first = page.read_bytes()
    page.unlink()
    done = run_grader("report", str(out), check=True)
    assert "wrote" in done.stdout and page.read_bytes() == first  # deterministic
    text = first.decode("utf-8")
    assert "<script>alert" not in text and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text
    assert not re.search(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//|@import""", text)
    assert text.count('<div class="plot"') == 4 and "data:font/woff2;base64," in text  # every Python: no plot library


def test_item_analysis_on_the_class(out: Path) -> None:
    data = read_report(out)
    items = {item.part_id: item for item in item_analysis(data)}
    assert "q1.why" not in items  # manual parts are not analysed
    assert items["q1.easy"].difficulty == 1.0 and "every student scored the same" in items["q1.easy"].flag
    assert items["q1.std"].discrimination is not None and items["q1.std"].discrimination > DISCRIMINATION_FLOOR
    assert items["q1.std"].flag == ""
    # grading wrote OUT/grades.sqlite: one manual answer waits for a person
    assert data.review == {"needs_person": 1, "decided": 0, "decisions": 0, "latest": None}


def _row(stem: str, scores: dict[str, float]) -> StudentRow:
    parts = tuple({"part_id": p, "points": v, "max_points": 1.0, "status": "correct" if v else "wrong",
                   "answer": "x", "shown": "x", "feedback": "", "rule": ""} for p, v in scores.items())
    return StudentRow(stem, stem, stem, sum(scores.values()), float(len(scores)), parts)


@pytest.mark.parametrize(
    ("name", "columns", "expect_r", "flag"),
    [
        # the item follows the rest of the test: r = 1
        ("agrees", {"a": [1, 1, 0, 0, 0], "b": [1, 1, 0, 0, 0], "c": [1, 1, 0, 0, 0]}, 1.0, ""),
        # mostly agrees: rest = [2, 2, 1, 1, 0], r = 1.6 / sqrt(1.2 * 2.8)
        ("mostly", {"a": [1, 1, 0, 0, 0], "b": [1, 1, 1, 0, 0], "c": [1, 1, 0, 1, 0]}, 0.8729, ""),
        # the item goes against the rest: strongly negative, flagged
        ("against", {"a": [0, 0, 1, 1, 1], "b": [1, 1, 1, 0, 0], "c": [1, 1, 0, 0, 0]}, -0.9129, "does not discriminate"),
        # everybody right: no variance, flagged
        ("constant", {"a": [1, 1, 1, 1, 1], "b": [1, 0, 1, 0, 0], "c": [1, 1, 0, 0, 0]}, None, "every student scored the same"),
    ],
)
def test_corrected_item_total_correlation(name, columns, expect_r, flag) -> None:
    students = tuple(_row(f"s{i}", {p: float(v[i]) for p, v in columns.items()}) for i in range(5))
    data = ReportData("t", tuple(columns), {p: 1.0 for p in columns}, students)
    item = item_analysis(data)[0]
    assert item.part_id == "a"
    if expect_r is None:
        assert item.discrimination is None
    else:
        assert item.discrimination == pytest.approx(expect_r, abs=1e-4)
    assert flag in item.flag


def test_too_few_students_are_not_judged() -> None:
    students = tuple(_row(f"s{i}", {"a": float(i % 2), "b": 1.0}) for i in range(3))
    item = item_analysis(ReportData("t", ("a", "b"), {"a": 1.0, "b": 1.0}, students))[0]
    assert "too few students (3)" in item.flag


def test_review_progress_reads_the_database_defensively(tmp_path: Path) -> None:
    assert review_progress(tmp_path / "grades.sqlite") is None
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"not a database at all" * 10)
    assert "error" in (review_progress(junk) or {})
    db = tmp_path / "grades.sqlite"
    with sqlite3.connect(db) as connection:  # the columns the report reads (docs/results-db.md, version 1)
        connection.executescript(
            "CREATE TABLE answers (student_key TEXT, part_id TEXT, answer_sha256 TEXT, status TEXT);"
            "CREATE TABLE decisions (decision_id INTEGER PRIMARY KEY, part_id TEXT, student_key TEXT,"
            " answer_sha256 TEXT, fraction REAL, decided_at TEXT, undoes INTEGER);"
            "INSERT INTO answers VALUES ('s1','q1','h1','manual'), ('s2','q1','h1','manual'), ('s3','q1','h3','manual'),"
            " ('s4','q2','h4','undecided'), ('s5','q2','h5','correct');"
            "INSERT INTO decisions VALUES (1,'q1',NULL,'h1',1.0,'2026-01-01T10:00:00Z',NULL),"
            " (2,'q2','s4','h4',0.5,'2026-01-01T10:05:00Z',NULL), (3,'q2','s4','h4',NULL,'2026-01-01T10:06:00Z',2);"
        )
    before = db.read_bytes()
    progress = review_progress(db)
    assert progress == {"needs_person": 4, "decided": 2, "decisions": 1, "latest": "2026-01-01T10:06:00Z"}
    assert db.read_bytes() == before  # opened read-only


def _browser_or_skip() -> None:
    reason = ""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright is not installed (pip install -c constraints.txt playwright)"
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser test cannot run in CI: {reason}")
        pytest.skip(reason)


def test_report_in_headless_chromium(out: Path, tmp_path: Path) -> None:
    _browser_or_skip()
    from playwright.sync_api import sync_playwright

    artifacts = Path(os.environ.get("GRADER_TEST_ARTIFACTS", str(tmp_path)))
    artifacts.mkdir(parents=True, exist_ok=True)
    page_path = tmp_path / "report.html"
    shutil.copy2(out / "report.html", page_path)
    errors: list[str] = []
    outside: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

            def route(route) -> None:  # type: ignore[no-untyped-def]
                if route.request.url.startswith("file://"):
                    route.continue_()
                else:
                    outside.append(route.request.url)
                    route.abort()

            page.route("**/*", route)
            page.goto(page_path.as_uri())
            page.wait_for_load_state("load")
            assert page.locator("#class").is_visible()
            for name in ("histogram", "means", "statuses", "items"):
                assert page.locator(f"#plot-{name} svg").count() == 1, name
            assert page.locator(".math .katex").count() >= 1  # KaTeX rendered the math
            assert page.locator("text=<script>alert('x')</script>").count() >= 1  # shown as text
            page.screenshot(path=str(artifacts / "report-class.png"), full_page=True)

            page.goto(page_path.as_uri() + "#student-s03")
            page.wait_for_load_state("load")
            assert page.locator("#student-s03").is_visible() and not page.locator("#class").is_visible()
            assert page.locator("#student-s03 >> text=Student s03").count() == 1
            page.screenshot(path=str(artifacts / "report-student.png"), full_page=True)
        finally:
            browser.close()
    assert errors == [] and outside == [] and dialogs == []
    print(f"\nscreenshots: {artifacts / 'report-class.png'}, {artifacts / 'report-student.png'}")
