"""End-to-end in a real headless browser (the OS's Chromium driven by Playwright).

Grades a bundled example class (plus one hostile student) with the real CLI, serves it
with ``grader review OUT --no-browser``, decides three answer groups with the keyboard
only, reloads (the decisions persist), stops the page (which renders the outputs) and
checks gradebook.csv and the feedback, again after ``grader grade --resume``; an answer
holding ``<script>``
shows as text, and a request without the token is refused.

Needs ``/usr/bin/chromium`` (Debian's ``chromium`` package; ``scripts/setup.sh`` installs
it when run as root) and the ``playwright`` package (dev extra). Never runs ``playwright
install``. Without them the test is skipped with the reason, except in CI (``CI=true``),
where it fails.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import REPO, run_grader

from review.servers import review_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
NEEDS_PERSON = ("manual", "undecided", "timeout", "error")
RUBRIC = REPO / "rubrics" / "ift6135-rnn-momentum.yaml"
CLASS = REPO / "submissions_example" / "ift6135-rnn-momentum"
HOSTILE_PROSE = "<script>document.title='pwned'</script> lower cost $O(n^2)$ but $\\frac{1}{$"
HOSTILE_MATH = "\\sum_{t} \\bar{i}_t \\, \\sigma'(w_{ix} x_t) \\, x_t"
HOSTILE_STUDENT = f"""\
student: {{id: syn-hostile, name: "<b>Synthetic</b> hostile", email: hostile@example.org}}
assignment: ift6135-rnn-momentum
answers:
  q2c.pros_cons: "{HOSTILE_PROSE.replace(chr(92), chr(92) * 2)}"
  q1b.weight_grads: "{HOSTILE_MATH.replace(chr(92), chr(92) * 2)}"
"""


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser test cannot run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[dev]' with constraints.txt)")
    if not CHROMIUM.is_file():
        _unavailable(f"{CHROMIUM} not found (apt-get install chromium; scripts/setup.sh does it as root)")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        except Error as exc:
            _unavailable(f"{CHROMIUM} does not start: {exc}")
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("browser")
    subs = root / "subs"
    shutil.copytree(CLASS, subs)
    # the folder name is the id (no roster): the student block agrees with it, so its name is used
    (subs / "syn-hostile").mkdir()
    (subs / "syn-hostile" / "answers.yaml").write_text(HOSTILE_STUDENT, encoding="utf-8")
    out = root / "out"
    result = run_grader("grade", str(RUBRIC), str(subs), "-o", str(out), "--workers", "1", "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (out / "grades.sqlite").is_file(), "grader grade wrote no results database"
    return subs, out


def _gradebook(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as handle:
        return {row["SID"]: row for row in csv.DictReader(handle)}


def _students_on_page(page: Any) -> list[str]:
    return [cell.strip().split()[0] for cell in page.locator("section.students tbody tr td:first-child").all_inner_texts()]


def test_review_in_a_browser(browser: Any, graded: tuple[Path, Path], tmp_path: Path) -> None:
    import httpx2

    subs, out = graded
    before = _gradebook(out)
    assert int(before["syn-hostile"]["Pending"]) >= 1
    decided: list[dict[str, Any]] = []
    with review_server(out, "--who", "browser-ta") as url:
        base = url.split("/?")[0]
        # Without the token (or with a wrong one) nothing is served.
        for path in ("/", "/g/1", "/static/review.js", "/?token=wrong"):
            assert httpx2.get(base + path).status_code == 403, path
        assert httpx2.post(base + "/g/1/decide", data={"fraction": "1"}).status_code == 403

        page = browser.new_page(viewport={"width": 1200, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(url)
        assert page.url == base + "/"  # the token moved into a cookie
        assert page.locator("table.queue tr.group-row").count() >= 4
        first_rows = [base + href for href in page.locator("table.queue tr.group-row").evaluate_all(
            "rows => rows.slice(0, 3).map(row => row.getAttribute('data-href'))")]

        # Keyboard only: j selects the first group of the queue, Enter opens it.
        page.keyboard.press("j")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r".*/g/\d+$"))
        for key in ("5", "3", "1"):
            page.wait_for_load_state("load")
            part_id = page.locator("section.part h1").inner_text().split()[0]
            points = float(page.locator(f'#decide button.score[data-key="{key}"]').inner_text().split()[1].split("/")[1])
            label = page.locator(f'#decide button.score[data-key="{key}"]').inner_text().split()[1]
            students = _students_on_page(page)
            status = page.locator("section.answer h2 .status").inner_text()
            group_url = page.url
            page.keyboard.press(key)
            page.wait_for_selector("#saved:has-text('saved')")
            assert "saved" in page.locator("#saved").inner_text()
            decided.append({"url": group_url, "part": part_id, "points": float(label.split("/")[0]),
                            "max": points, "students": students, "pending": status in NEEDS_PERSON})
            page.keyboard.press("j")
            page.wait_for_url(lambda address, previous=group_url: address != previous)
        # j walked the queue in its (stable) order: deciding a group does not move it.
        assert [entry["url"] for entry in decided] == first_rows

        # u undoes the decision just made on a fourth group.
        page.wait_for_load_state("load")
        page.keyboard.press("2")
        page.wait_for_selector("#saved:has-text('saved')")
        page.keyboard.press("u")
        page.wait_for_selector("#saved:has-text('undone')")
        assert "not decided yet" in page.locator("#current").inner_text()

        # Reload: the decisions persist (they are in the database, not the page).
        for entry in decided:
            page.goto(entry["url"])
            page.reload()
            current = page.locator("#current").inner_text()
            assert f"{entry['points']:g}/{entry['max']:g}" in current, current
            assert "browser-ta" in current

        # The hostile answer is text: one of its formulas does not render, so the raw text is
        # shown as typed, and nothing runs.
        page.goto(f"{base}/?part=q2c.pros_cons&status=all")
        page.locator("table.queue a", has_text="<script>").first.click()
        page.wait_for_load_state("load")
        assert page.title() != "pwned"
        failed = page.locator(".tex.render-failed").first
        assert HOSTILE_PROSE in failed.inner_text()
        assert page.evaluate("document.querySelectorAll('#group script, main script').length") == 0
        assert "<b>Synthetic</b> hostile" in page.locator("section.students").inner_text()
        # A well-formed LaTeX answer is rendered by KaTeX.
        page.goto(f"{base}/?part=q1b.weight_grads&status=all")
        page.locator("table.queue a", has_text="\\bar{i}").first.click()
        page.wait_for_load_state("load")
        assert page.locator(".tex.rendered-ok .katex").count() >= 1
        page.screenshot(path=str(tmp_path / "review-page.png"), full_page=True)
        assert not errors, errors
        page.close()

    # Stopping the page rendered the outputs with the decisions; `grader grade --resume`
    # (which renders them from the database too) keeps them.
    _check_outputs(out, before, decided)
    result = run_grader("grade", str(RUBRIC), str(subs), "-o", str(out), "--workers", "1", "--quiet", "--resume")
    assert result.returncode == 0, result.stdout + result.stderr
    _check_outputs(out, before, decided)


def _check_outputs(out: Path, before: dict[str, dict[str, str]], decided: list[dict[str, Any]]) -> None:
    after = _gradebook(out)
    for entry in decided:
        for student in entry["students"]:
            assert after[student][entry["part"]] == f"{entry['points']:g}", (student, entry)
    for student in after:
        resolved = sum(1 for entry in decided if student in entry["students"] and entry["pending"])
        assert int(after[student]["Pending"]) == int(before[student]["Pending"]) - resolved, student
    entry = decided[0]
    feedback = json.loads((out / "feedback" / f"{entry['students'][0]}.json").read_text(encoding="utf-8"))
    part = next(part for part in feedback["parts"] if part["part_id"] == entry["part"])
    assert part["points"] == entry["points"]
    markdown = (out / "feedback" / f"{entry['students'][0]}.md").read_text(encoding="utf-8")
    assert "graded by a person" in markdown
