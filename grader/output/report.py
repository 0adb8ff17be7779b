"""The class report: one self-contained ``OUT/report.html``.

``read_report(out_dir)`` gathers what the page shows from OUT (``summary.json``,
``feedback/*.json`` and, when it exists, the review progress in ``grades.sqlite``, read
only and defensively); ``render_report(data, assets)`` is pure and returns the HTML;
``write_report(out_dir)`` does both and writes the file atomically.

The page needs no network and opens from a file: the plots are inline SVG drawn by
``grader.output.charts`` (no plotting library), KaTeX's script
and stylesheet are inlined with its fonts as ``data:`` URLs, and every student text is
HTML-escaped (math is handed to KaTeX as text, never as markup). Sections:

- the class: totals histogram, per-part mean (share of the points), status shares,
  item analysis (difficulty = mean share of the points; corrected item-total correlation
  = Pearson correlation of the part's score with the total of the *other* parts; a part
  whose correlation is below ``DISCRIMINATION_FLOOR`` or that everybody gets equally is
  flagged as not discriminating), the most common wrong answers as written and
  rendered, and the review progress;
- one section per student (``#student-<file stem>``, shown alone when its link is
  followed) with their feedback per part.
"""

from __future__ import annotations

import base64
import functools
import html
import json
import math
import re
import sqlite3
import statistics
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from grader.errors import GraderError

__all__ = [
    "DISCRIMINATION_FLOOR",
    "Assets",
    "ItemStats",
    "ReportData",
    "item_analysis",
    "load_assets",
    "read_report",
    "render_report",
    "review_progress",
    "write_report",
]

DISCRIMINATION_FLOOR = 0.2  # the usual rule of thumb for a corrected item-total correlation
MIN_STUDENTS_FOR_ITEMS = 5
TOP_WRONG = 5
STATUS_ORDER = ("correct", "partial", "wrong", "invalid", "undecided", "timeout", "missing", "manual", "error")
STATUS_COLORS = {
    "correct": "#2e7d32", "partial": "#9ccc65", "wrong": "#e53935", "invalid": "#8e24aa", "undecided": "#fb8c00",
    "timeout": "#6d4c41", "missing": "#bdbdbd", "manual": "#1e88e5", "error": "#000000",
}
NEEDS_PERSON = ("manual", "undecided", "timeout", "error")


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class StudentRow:
    """One student's feedback as the report shows it."""

    stem: str
    sid: str
    name: str
    total: float
    max_total: float
    parts: tuple[dict[str, Any], ...]  # part_id, points, max_points, status, answer, shown, feedback, rule
    problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportData:
    """Everything the page shows."""

    assignment: str
    part_ids: tuple[str, ...]
    max_points: dict[str, float]
    students: tuple[StudentRow, ...]
    review: dict[str, Any] | None = None  # review_progress(); None without grades.sqlite
    notes: tuple[str, ...] = ()

    @functools.cached_property
    def by_part(self) -> dict[str, list[tuple[StudentRow, dict[str, Any]]]]:
        """part id -> (student, that student's part) for every student who has the part
        (built once: the class page looks at each part of each student a few times)."""
        index: dict[str, list[tuple[StudentRow, dict[str, Any]]]] = {}
        for student in self.students:
            for part in student.parts:
                index.setdefault(part["part_id"], []).append((student, part))
        return index

    @functools.cached_property
    def shares(self) -> dict[str, Counter[str]]:
        """part id -> status -> number of students."""
        shares: dict[str, Counter[str]] = {part_id: Counter() for part_id in self.part_ids}
        for student in self.students:
            for part in student.parts:
                shares.setdefault(part["part_id"], Counter())[part["status"]] += 1
        return shares


@dataclass(frozen=True)
class ItemStats:
    """Item analysis of one part."""

    part_id: str
    difficulty: float | None  # mean share of the part's points
    discrimination: float | None  # corrected item-total correlation
    flag: str = ""  # why the part does not discriminate ("" when it does)


@dataclass(frozen=True)
class Assets:
    """KaTeX, ready to inline: its script, and its stylesheet with the fonts as data URLs."""

    katex_js: str = ""
    katex_css: str = ""


def _student_row(stem: str, data: dict[str, Any]) -> StudentRow:
    student = data.get("student") or {}
    parts = tuple(
        {
            "part_id": str(part.get("part_id", "")),
            "points": float(part.get("points", 0.0)),
            "max_points": float(part.get("max_points", 0.0)),
            "status": str(part.get("status", "")),
            "answer": part.get("answer"),
            "shown": str(part.get("shown") or ""),
            "feedback": str(part.get("feedback") or ""),
            "rule": str(part.get("rule") or ""),
        }
        for part in data.get("parts", [])
    )
    return StudentRow(
        stem=stem,
        sid=str(student.get("id", stem)),
        name=str(student.get("name", "")),
        total=float(data.get("total", sum(part["points"] for part in parts))),
        max_total=float(data.get("max_total", sum(part["max_points"] for part in parts))),
        parts=parts,
        problems=tuple(str(problem) for problem in data.get("problems", [])),
    )


def _read_only(db_path: Path) -> sqlite3.Connection:
    """A connection that never modifies the database: opened read-write where it can be
    (never created), with ``query_only``, so that closing it as the last connection cleans up
    the WAL's ``-wal``/``-shm`` files as a writer does (a ``mode=ro`` connection leaves its
    ``-shm`` behind); read-only where the folder is not writable."""
    try:
        connection = sqlite3.connect(f"file:{db_path}?mode=rw", uri=True, timeout=5)
    except sqlite3.Error:
        return sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
    try:
        connection.execute("PRAGMA query_only = ON")
    except sqlite3.Error:
        connection.close()
        raise
    return connection


def review_progress(db_path: Path) -> dict[str, Any] | None:
    """Review progress from ``grades.sqlite`` (read only); None when there is no database,
    ``{"error": ...}`` when it cannot be read as expected (it is never modified)."""
    if not db_path.is_file():
        return None
    try:
        connection = _read_only(db_path)
    except sqlite3.Error as exc:
        return {"error": f"cannot open {db_path.name}: {exc}"}
    try:
        placeholders = ",".join("?" for _ in NEEDS_PERSON)
        # one row per (student, part) with its status: the view joins answers and checks
        view = "answer_view" if connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = 'answer_view'").fetchone() else "answers"
        need = connection.execute(
            f"SELECT count(*) FROM {view} WHERE status IN ({placeholders})", NEEDS_PERSON
        ).fetchone()[0]
        live = """decisions d WHERE d.fraction IS NOT NULL
                  AND d.decision_id NOT IN (SELECT undoes FROM decisions WHERE undoes IS NOT NULL)"""
        decided = connection.execute(
            f"""SELECT count(*) FROM {view} a WHERE a.status IN ({placeholders}) AND EXISTS (
                    SELECT 1 FROM {live} AND d.part_id = a.part_id AND d.answer_sha256 = a.answer_sha256
                    AND (d.student_key IS NULL OR d.student_key = a.student_key))""",
            NEEDS_PERSON,
        ).fetchone()[0]
        decisions = connection.execute(f"SELECT count(*) FROM {live}").fetchone()[0]
        latest = connection.execute("SELECT max(decided_at) FROM decisions").fetchone()[0]
    except sqlite3.Error as exc:
        return {"error": f"{db_path.name} could not be read as expected ({exc})"}
    finally:
        connection.close()
    return {"needs_person": int(need), "decided": int(decided), "decisions": int(decisions), "latest": latest}


def read_report(out_dir: str | Path) -> ReportData:
    """Read OUT for the report (feedback files that cannot be read are noted, not fatal)."""
    root = Path(out_dir)
    folder = root / "feedback"
    students: list[StudentRow] = []
    notes: list[str] = []
    for path in sorted(folder.glob("*.json")) if folder.is_dir() else []:
        try:
            students.append(_student_row(path.stem, json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            notes.append(f"{path.name}: unreadable ({type(exc).__name__}); left out")
    summary: dict[str, Any] = {}
    try:
        loaded = json.loads((root / "summary.json").read_text(encoding="utf-8"))
        summary = loaded if isinstance(loaded, dict) else {}
    except (OSError, ValueError):
        notes.append("summary.json missing or unreadable")
    if not students:
        raise GraderError(f"{root}: no graded students (feedback/*.json); run 'grader grade ... -o {root}' first")
    part_ids: list[str] = [str(p.get("part_id")) for p in summary.get("parts", []) if isinstance(p, dict)]
    max_points: dict[str, float] = {}
    for student in students:
        for part in student.parts:
            if part["part_id"] not in part_ids:
                part_ids.append(part["part_id"])
            max_points.setdefault(part["part_id"], part["max_points"])
    return ReportData(
        assignment=str(summary.get("assignment") or "assignment"),
        part_ids=tuple(part_ids),
        max_points=max_points,
        students=tuple(sorted(students, key=lambda s: (s.sid, s.stem))),
        review=review_progress(root / "grades.sqlite"),
        notes=tuple(notes),
    )


def load_assets() -> Assets:
    """KaTeX from ``grader/output/static/katex`` (fonts turned into data URLs)."""
    base = resources.files("grader.output").joinpath("static").joinpath("katex")
    css = base.joinpath("katex.min.css").read_text(encoding="utf-8")

    def font(match: re.Match[str]) -> str:
        data = base.joinpath("fonts").joinpath(f"{match.group(1)}.woff2").read_bytes()
        return f'src:url(data:font/woff2;base64,{base64.b64encode(data).decode()}) format("woff2")'

    css = re.sub(r"src:url\(fonts/([A-Za-z0-9_-]+)\.woff2\) format\(\"woff2\"\)(?:,url\([^)]*\) format\(\"[a-z]+\"\))*", font, css)
    return Assets(katex_js=base.joinpath("katex.min.js").read_text(encoding="utf-8"), katex_css=css)


# --------------------------------------------------------------------------- statistics


def _pearson(xs: list[float], ys: list[float]) -> float | None:
    if len(xs) < 2:
        return None
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 1e-12 or syy <= 1e-12:
        return None
    return sxy / math.sqrt(sxx * syy)


def item_analysis(data: ReportData) -> list[ItemStats]:
    """Difficulty and corrected item-total correlation of each auto-graded part."""
    stats: list[ItemStats] = []
    enough = len(data.students) >= MIN_STUDENTS_FOR_ITEMS
    manual = {p["part_id"] for s in data.students for p in s.parts if p["status"] == "manual"}
    for part_id in data.part_ids:
        if part_id in manual:  # prose graded by a person: its score is not the autograder's to analyse
            continue
        top = data.max_points.get(part_id, 0.0)
        scores: list[float] = []
        rest: list[float] = []
        for student, part in data.by_part.get(part_id, []):
            scores.append(part["points"] / top if top else 0.0)
            rest.append(student.total - part["points"])
        if not scores:
            continue
        difficulty = statistics.fmean(scores)
        r = _pearson(scores, rest)
        flag = ""
        if not enough:
            flag = f"too few students ({len(data.students)}) to judge"
        elif r is None:
            flag = "does not discriminate: every student scored the same" if len(set(scores)) <= 1 else "no variance in the other parts"
        elif r < DISCRIMINATION_FLOOR:
            flag = f"does not discriminate (r = {r:.2f} < {DISCRIMINATION_FLOOR})"
        stats.append(ItemStats(part_id, difficulty, r, flag))
    return stats


def status_shares(data: ReportData) -> dict[str, Counter[str]]:
    """part id -> status -> number of students (counted once per report)."""
    return data.shares


def common_wrong(data: ReportData, part_id: str, top: int = TOP_WRONG) -> list[tuple[str, str, int]]:
    """(answer as written, as read, count) of the most common wrong or partial answers."""
    counts: Counter[tuple[str, str]] = Counter()
    for _student, part in data.by_part.get(part_id, []):
        if part["status"] in ("wrong", "partial") and part["answer"] is not None:
            written = part["answer"] if isinstance(part["answer"], str) else json.dumps(part["answer"])
            counts[(" ".join(written.split()), part["shown"])] += 1
    return [(written, shown, count) for (written, shown), count in counts.most_common(top)]


# --------------------------------------------------------------------------- math and plots


@functools.lru_cache(maxsize=4096)
def tex_of(written: str, shown: str, parse: bool = True) -> str:
    """LaTeX for KaTeX: the answer itself when written in LaTeX, else (with ``parse``) the
    read-as form parsed by grader's safe parser and printed by sympy; "" when neither works.
    Student pages pass ``parse=False`` (a class has thousands of answers)."""
    text = written.strip().strip("$").strip()
    if "\\" in text and len(text) <= 400:
        return text
    candidate = shown or written
    if not parse:
        return ""
    if not candidate or len(candidate) > 300:
        return ""
    try:
        import sympy

        from grader.parse import Parsed, parse_answer

        parsed = parse_answer(candidate)
        if isinstance(parsed, Parsed) and isinstance(parsed.value, sympy.Basic):
            return str(sympy.latex(parsed.value))
    except Exception:  # noqa: BLE001 - rendering is a courtesy: the text is always shown
        return ""
    return ""


def plots(data: ReportData, items: list[ItemStats]) -> dict[str, str]:
    """name -> inline SVG (``grader.output.charts``: no plotting library, same bytes for
    the same data)."""
    from grader.output import charts

    shares = status_shares(data)
    parts = list(data.part_ids)
    top = max((s.max_total for s in data.students), default=1.0) or 1.0
    out = {
        "histogram": charts.histogram(
            [s.total for s in data.students], bins=10, low=0.0, high=top, title="Score distribution",
            xlabel=f"total (of {top:g})", ylabel="students", color="#1e88e5",
        )
    }
    means = []
    for part_id in parts:
        pts = [p["points"] for _s, p in data.by_part.get(part_id, [])]
        top_part = data.max_points.get(part_id, 0.0)
        means.append(statistics.fmean(pts) / top_part if pts and top_part else 0.0)
    out["means"] = charts.horizontal_bars(parts, means, title="Per-part mean", xlabel="mean share of the part's points",
                                          color="#43a047")
    series = []
    for status in STATUS_ORDER:
        values = [shares[p][status] / max(1, sum(shares[p].values())) for p in parts]
        if any(values):
            series.append((status, values, STATUS_COLORS[status]))
    out["statuses"] = charts.stacked_bars(parts, series, title="Status shares", xlabel="share of the students")
    judged = [item for item in items if item.discrimination is not None and item.difficulty is not None]
    out["items"] = charts.scatter(
        [(item.difficulty or 0.0, item.discrimination or 0.0, item.part_id) for item in judged],
        title="Item analysis", xlabel="difficulty (mean share of the points)", ylabel="corrected item-total r",
        xlim=(0.0, 1.0), ylim=(-1.0, 1.0), color="#1e88e5", hline=(DISCRIMINATION_FLOOR, "#e53935"),
    )
    return out


# --------------------------------------------------------------------------- HTML


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _math(tex: str) -> str:
    """A KaTeX placeholder: the TeX travels escaped in an attribute and is rendered as text."""
    return f'<span class="math" data-tex="{_e(tex)}"></span>' if tex else ""


CSS = """
body{font-family:system-ui,sans-serif;margin:1.5rem auto;max-width:1100px;padding:0 1rem;color:#222}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f5f5f5}code{background:#f5f5f5;padding:0 .2rem;white-space:pre-wrap;word-break:break-all}
pre{white-space:pre-wrap;margin:0;font-size:.85rem}
.plot svg{max-width:100%;height:auto}.flag{color:#c62828}.muted{color:#777}
.student{display:none}.student:target{display:block}body:has(.student:target) #class{display:none}
nav a{margin-right:.6rem}.status-correct{color:#2e7d32}.status-wrong,.status-error{color:#c62828}
"""

SCRIPT = """
document.querySelectorAll('.math').forEach(function (el) {
  var tex = el.getAttribute('data-tex');
  try { katex.render(tex, el, {throwOnError: false, displayMode: false}); }
  catch (err) { el.textContent = tex; }
});
"""


def _class_section(data: ReportData, items: list[ItemStats], figures: dict[str, str]) -> list[str]:
    shares = status_shares(data)
    totals = [s.total for s in data.students]
    top = max((s.max_total for s in data.students), default=0.0)
    out = [
        '<section id="class">',
        f"<h1>{_e(data.assignment)}: class report</h1>",
        f"<p>{len(data.students)} students; mean total {statistics.fmean(totals):.2f} of {top:g}"
        f" (median {statistics.median(totals):.2f}).</p>",
    ]
    for name in ("histogram", "means", "statuses", "items"):
        if name in figures:
            out.append(f'<div class="plot" id="plot-{name}">{figures[name]}</div>')
    out += ["<h2>Parts</h2>", "<table><tr><th>part</th><th>mean</th><th>max</th>"
            + "".join(f"<th>{_e(s)}</th>" for s in STATUS_ORDER) + "</tr>"]
    for part_id in data.part_ids:
        pts = [p["points"] for _s, p in data.by_part.get(part_id, [])]
        n = max(1, sum(shares[part_id].values()))
        cells = "".join(f"<td>{100 * shares[part_id][s] / n:.0f}%</td>" for s in STATUS_ORDER)
        mean = statistics.fmean(pts) if pts else 0.0
        out.append(f"<tr><td>{_e(part_id)}</td><td>{mean:.2f}</td><td>{data.max_points.get(part_id, 0):g}</td>{cells}</tr>")
    out.append("</table>")
    out += ["<h2>Item analysis</h2>",
            f"<p class=muted>Difficulty: mean share of the points. r: correlation of the part with the total of the "
            f"other parts (corrected item-total); below {DISCRIMINATION_FLOOR} the part does not separate strong "
            f"from weak students.</p>",
            "<table><tr><th>part</th><th>difficulty</th><th>r</th><th>flag</th></tr>"]
    for item in items:
        r = "n/a" if item.discrimination is None else f"{item.discrimination:.2f}"
        difficulty = "n/a" if item.difficulty is None else f"{item.difficulty:.2f}"
        out.append(f'<tr><td>{_e(item.part_id)}</td><td>{difficulty}</td><td>{r}</td><td class="flag">{_e(item.flag)}</td></tr>')
    out.append("</table>")
    out += ["<h2>Most common wrong answers</h2>",
            "<table><tr><th>part</th><th>count</th><th>as written</th><th>rendered</th><th>read as</th></tr>"]
    for part_id in data.part_ids:
        for written, shown, count in common_wrong(data, part_id):
            out.append(f"<tr><td>{_e(part_id)}</td><td>{count}</td><td><code>{_e(_short(written))}</code></td>"
                       f"<td>{_math(tex_of(written, shown))}</td><td><code>{_e(_short(shown))}</code></td></tr>")
    out.append("</table>")
    out.append("<h2>Review progress</h2>")
    if data.review is None:
        out.append('<p class="muted">No results database (grades.sqlite) in this folder.</p>')
    elif "error" in data.review:
        out.append(f'<p class="flag">{_e(data.review["error"])}</p>')
    else:
        review = data.review
        out.append(f'<p id="review-progress">{review["decided"]} of {review["needs_person"]} answers that need a person '
                   f'have a decision ({review["decisions"]} decisions in all; latest {_e(review["latest"] or "none")}).</p>')
    out.append("<h2>Students</h2><nav>")
    out += [f'<a href="#student-{_e(s.stem)}">{_e(s.sid)}</a>' for s in data.students]
    out.append("</nav>")
    if data.notes:
        out += ["<h2>Notes</h2><ul>", *(f"<li>{_e(note)}</li>" for note in data.notes), "</ul>"]
    out.append("</section>")
    return out


def _student_section(student: StudentRow) -> list[str]:
    out = [
        f'<section class="student" id="student-{_e(student.stem)}">',
        '<p><a href="#class">&larr; class report</a></p>',
        f"<h1>{_e(student.name or student.sid)} ({_e(student.sid)})</h1>",
        f"<p>Total {student.total:g} of {student.max_total:g}.</p>",
    ]
    if student.problems:
        out += ["<ul>", *(f'<li class="flag">{_e(problem)}</li>' for problem in student.problems), "</ul>"]
    out.append("<table><tr><th>part</th><th>points</th><th>status</th><th>answer</th><th>rendered</th><th>feedback</th></tr>")
    for part in student.parts:
        answer = part["answer"]
        written = "" if answer is None else answer if isinstance(answer, str) else json.dumps(answer)
        out.append(_part_row(part["part_id"], part["points"], part["max_points"], part["status"], written, part["shown"],
                             part["feedback"], part["rule"]))
    out += ["</table>", "</section>"]
    return out


@functools.lru_cache(maxsize=1 << 16)
def _part_row(part_id: str, points: float, max_points: float, status: str, written: str, shown: str, feedback: str,
              rule: str) -> str:
    """One part's row of a student's table (pure: students with the same answer and
    verdict share the row, so a class page escapes each distinct row once)."""
    feedback = feedback + (f" (rule {rule})" if rule else "")
    rendered = _math(tex_of(written, shown, parse=False)) if written and status != "invalid" else ""
    return (
        f"<tr><td>{_e(part_id)}</td><td>{points:g} / {max_points:g}</td>"
        f'<td class="status-{_e(status)}">{_e(status)}</td><td><code>{_e(_short(written, 400))}</code></td>'
        f"<td>{rendered}</td><td><pre>{_e(feedback)}</pre></td></tr>"
    )


def render_report(data: ReportData, assets: Assets | None = None) -> str:
    """The whole page (pure; ``assets`` None gives a page without KaTeX, math shown as text)."""
    assets = assets or Assets()
    items = item_analysis(data)
    figures = plots(data, items)
    body = _class_section(data, items, figures)
    for student in data.students:
        body += _student_section(student)
    # a </script> inside KaTeX's source would end the tag early: it has none, but make sure
    katex_js = assets.katex_js.replace("</script", "<\\/script")
    fallback = "document.querySelectorAll('.math').forEach(function (el) { el.textContent = el.getAttribute('data-tex'); });"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; img-src data:; '
            "font-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">",
            f"<title>{_e(data.assignment)}: class report</title>",
            f"<style>{assets.katex_css}</style>",
            f"<style>{CSS}</style>",
            "</head><body>",
            *body,
            f"<script>{katex_js}</script>" if katex_js else "",
            f"<script>{SCRIPT if katex_js else fallback}</script>",
            "</body></html>",
            "",
        ]
    )


def write_report(out_dir: str | Path) -> Path:
    """Read OUT, render, and write ``OUT/report.html`` atomically; returns its path."""
    from grader.files import write_text_atomic

    root = Path(out_dir)
    target = root / "report.html"
    write_text_atomic(target, render_report(read_report(root), load_assets()))
    return target
