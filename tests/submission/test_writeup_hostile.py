"""Write-ups a student may shape against the scanner: what LaTeX never typesets is never an
answer (verbatim, comments, ``\\iffalse``, ``\\verb``; Markdown code fences and HTML
comments), a tag with unbalanced braces is reported and its part is ``invalid`` (never
silently missing), and pathological unclosed groups are read in one linear pass."""

from __future__ import annotations

import pytest

from grader.submission.writeup import scan_writeup

# (name, file name, text, tags (part id, body), broken part ids)
CASES = [
    ("verbatim", "hw.tex", "\\begin{verbatim}\n\\answer{q1}{1}\n\\end{verbatim}\\answer{q2}{2}", [("q2", "2")], []),
    ("lstlisting", "hw.tex", "\\begin{lstlisting}\\answer{q1}{1}\\end{lstlisting}", [], []),
    ("comment environment", "hw.tex", "\\begin{comment}\\answer{q1}{1}\\end{comment}\\answer{q2}{2}", [("q2", "2")], []),
    ("iffalse", "hw.tex", "\\iffalse \\answer{q1}{1} \\fi \\answer{q2}{2}", [("q2", "2")], []),
    ("iffalse with a nested conditional", "hw.tex", "\\iffalse \\ifx a b \\answer{q1}{1} \\fi \\answer{q3}{3} \\fi \\answer{q2}{2}",
     [("q2", "2")], []),
    ("percent comment", "hw.tex", "% \\answer{q1}{1}\n\\answer{q2}{2}", [("q2", "2")], []),
    ("escaped percent is text", "hw.tex", "\\answer{q2}{50\\% of 2}", [("q2", "50\\% of 2")], []),
    ("verb", "hw.tex", "\\verb|\\answer{q1}{1}| \\answer{q2}{2}", [("q2", "2")], []),
    ("markdown fence", "hw.md", "```\n\\answer{q1}{1}\n```\n\\answer{q2}{2}", [("q2", "2")], []),
    ("markdown tilde fence", "hw.md", "~~~latex\n\\answer{q1}{1}\n~~~\n\\answer{q2}{2}", [("q2", "2")], []),
    ("markdown html comment", "hw.md", "<!-- \\answer{q1}{1} -->\\answer{q2}{2}", [("q2", "2")], []),
    ("percent is text in markdown", "hw.md", "\\answer{q2}{50% of 2}", [("q2", "50% of 2")], []),
    ("unbalanced body: part known, body not", "hw.tex", "\\answer{q2}{2}\n\\answer{q1}{(1 + {2}", [("q2", "2")], ["q1"]),
]


@pytest.mark.parametrize(("name", "filename", "text", "tags", "broken"), CASES, ids=[c[0] for c in CASES])
def test_ignored_regions_and_broken_tags(name: str, filename: str, text: str, tags: list[tuple[str, str]],
                                         broken: list[str]) -> None:
    doc = scan_writeup(text, filename)
    assert [(tag.part_id, tag.body) for tag in doc.tagged] == tags
    assert [item.part_id for item in doc.broken] == broken


def test_unterminated_blocks_are_reported() -> None:
    assert "never closed" in scan_writeup("\\begin{verbatim}\\answer{q1}{1}", "hw.tex").problems[0]
    assert "without a matching" in scan_writeup("\\iffalse \\answer{q1}{1}", "hw.tex").problems[0]


@pytest.mark.parametrize("unit", ["\\answer{q1}{", "\\boxed{", "\\def\\x{", "\\newcommand{\\x}[", "\\verb|"])
def test_pathological_unclosed_groups_are_read_whole(unit: str) -> None:
    # 400 KB: the old scanner re-read the rest of the text at every unclosed group (hours at
    # this size); the scanner now reads it in one pass (figures: benchmarks/bench_writeup.py)
    text = "\\answer{q0}{0}\n" + unit * (400_000 // len(unit)) + "\n\\answer{q9}{9}"
    doc = scan_writeup(text, "hw.tex")
    assert [tag.part_id for tag in doc.tagged][:1] == ["q0"]
    if unit.startswith(("\\answer", "\\boxed")):
        assert doc.problems  # every unclosed tag or box is reported
