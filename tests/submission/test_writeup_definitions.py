"""Macro definitions in write-ups are not answer tags: ``\\newcommand{\\answer}[2]{...}``
(every LaTeX template starts with it), ``\\def\\answer``, and what their bodies hold."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli.grade import template
from grader.rubric.load import load_rubric
from grader.submission.extract import extract
from grader.submission.writeup import scan_writeup

REPO = Path(__file__).resolve().parents[2]
TEMPLATE_DEF = r"\newcommand{\answer}[2]{\par\noindent\textbf{\detokenize{#1}:} #2\par}"

# (name, text, tags (part id, body, line), boxed bodies)
DEFINITION_CASES = [
    ("template newcommand", TEMPLATE_DEF + "\n\\answer{q1}{3}", [("q1", "3", 2)], []),
    ("newcommand without braces", "\\newcommand\\answer[2]{#2}\n\\answer{q1}{3}", [("q1", "3", 2)], []),
    ("starred with default", "\\newcommand*{\\answer}[2][x]{#2} \\answer{q1}{3}", [("q1", "3", 1)], []),
    ("renewcommand", "\\renewcommand{\\answer}[2]{\\textbf{#1}: #2}\\answer{q1}{3}", [("q1", "3", 1)], []),
    ("providecommand", "\\providecommand{\\answer}[2]{#2}\n\\answer{q1}{3}", [("q1", "3", 2)], []),
    ("DeclareRobustCommand", "\\DeclareRobustCommand{\\answer}[2]{#2}\\answer{q1}{3}", [("q1", "3", 1)], []),
    ("def", "\\def\\answer#1#2{\\par #1: #2}\n\\answer{q1}{3}", [("q1", "3", 2)], []),
    ("gdef", "\\gdef\\answer#1#2{#2}\\answer{q1}{3}", [("q1", "3", 1)], []),
    ("spaces around the parts", "\\newcommand { \\answer } [2] {#2}\n\\answer{q1}{3}", [("q1", "3", 2)], []),
    ("definition using answer in its body", "\\newcommand{\\ans}[1]{\\answer{q9}{#1}}\n\\answer{q1}{3}", [("q1", "3", 2)], []),
    ("boxed inside a definition", "\\newcommand{\\result}[1]{\\boxed{#1}}\n$\\boxed{7}$", [], ["7"]),
    ("other definitions untouched", "\\newcommand{\\R}{\\mathbb{R}}\\answer{q1}{x \\in \\R}", [("q1", r"x \in \R", 1)], []),
    ("definecolor is not def", "\\definecolor{x}{rgb}{1,0,0}\\answer{q1}{3}", [("q1", "3", 1)], []),
    ("multi-line body", "\\newcommand{\\answer}[2]{%\n  \\par #1:\n  #2}\n\\answer{q1}{3}", [("q1", "3", 4)], []),
]


@pytest.mark.parametrize(("name", "text", "tags", "boxed"), DEFINITION_CASES, ids=[c[0] for c in DEFINITION_CASES])
def test_definitions_are_not_tags(name: str, text: str, tags: list[tuple[str, str, int]], boxed: list[str]) -> None:
    doc = scan_writeup(text, "hw.tex")
    assert doc.problems == []
    assert [(tag.part_id, tag.body, tag.line) for tag in doc.tagged] == tags
    assert [box.body for box in doc.boxed] == boxed


# (name, text, tags, a problem is reported)
BROKEN_CASES = [
    ("unclosed definition body swallows nothing", "\\newcommand{\\answer}[2]{#2\n\\answer{q1}{3}", [("q1", "3", 2)], False),
    ("a real broken tag is still reported", TEMPLATE_DEF + "\n\\answer{q1}{3", [], True),
    ("def at the end of the text", "\\answer{q1}{3}\\def", [("q1", "3", 1)], False),
]


@pytest.mark.parametrize(("name", "text", "tags", "problem"), BROKEN_CASES, ids=[c[0] for c in BROKEN_CASES])
def test_broken_definitions(name: str, text: str, tags: list[tuple[str, str, int]], problem: bool) -> None:
    doc = scan_writeup(text, "hw.tex")
    assert [(tag.part_id, tag.body, tag.line) for tag in doc.tagged] == tags
    assert bool(doc.problems) is problem


def _right_answer(part) -> str:  # type: ignore[no-untyped-def]
    for test in part.tests:
        if test.score == 1 and isinstance(test.answer, str):
            return test.answer
    return "Because the gradient is rescaled at every step."


@pytest.mark.parametrize("rubric_name", ["ift6135-w2020-a2.yaml", "sharif-ml-ps03.yaml"])
def test_filled_template_extracts_without_problems(tmp_path: Path, rubric_name: str) -> None:
    rubric_path = REPO / "rubrics" / rubric_name
    result = CliRunner().invoke(template, [str(rubric_path), "--format", "tex"])
    assert result.exit_code == 0, result.output
    assert TEMPLATE_DEF in result.output
    rubric, _ = load_rubric(rubric_path)
    text = result.output
    filled = {}
    for part in rubric.parts():
        answer = _right_answer(part)
        filled[part.id] = " ".join(answer.split())
        text = text.replace(f"\\answer{{{part.id}}}{{}}", f"\\answer{{{part.id}}}{{{answer}}}", 1)
    folder = tmp_path / "student"
    folder.mkdir()
    (folder / "hw.tex").write_text(text, encoding="utf-8")
    extraction = extract(folder, rubric)
    assert extraction.problems == []
    assert sorted(extraction.answers) == sorted(part.id for part in rubric.parts())
    assert all(extraction.sources[part_id].startswith("hw.tex:") for part_id in extraction.answers)
