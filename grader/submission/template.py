"""Blank answer templates for a rubric: ``answers.yaml`` or a LaTeX write-up."""

from __future__ import annotations

import json
import re

from grader.rubric.models import Part, Rubric

__all__ = ["yaml_template", "tex_template", "answer_hint", "option_lines"]


def _fmt_points(points: float) -> str:
    return f"{points:g} pt" + ("" if points == 1 else "s")


def answer_hint(part: Part) -> str:
    """A one-line reminder of the answer's form, by kind."""
    spec = part.answer
    kind = spec.kind
    if kind == "expression":
        lhs = getattr(spec, "lhs", None)
        return "an expression" + (f" (or '{lhs} = ...')" if lhs else "") + ", plain math or LaTeX"
    if kind == "number":
        return "a number (or an exact value such as 1/3)"
    if kind == "array":
        return "a nested list, e.g. [[1, 2], [3, 4]]"
    if kind in ("tuple", "set"):
        return "a list of values, e.g. [a, b]" + (" (any order)" if kind == "set" else " (in order)")
    if kind == "choice":
        several = isinstance(getattr(spec, "expected", None), list)
        ids = ", ".join(option.id for option in getattr(spec, "options", ()))
        how = "the ids of every option that applies, comma-separated" if several else "one option's id"
        return f"{how} ({ids}), or the option's text"
    if kind == "constraint":
        names = getattr(spec, "variables", ())
        return "values for " + ", ".join(names) + ", e.g. '" + ", ".join(f"{n} = ..." for n in names) + "'"
    if kind == "network":
        return "a mapping {layers: [{weight: [[...]], bias: [...], activation: step}]}"
    if kind == "manual":
        return "prose; read by a person"
    return kind


def _comment(text: str, prefix: str) -> list[str]:
    return [f"{prefix}{line}".rstrip() for line in text.strip().splitlines() or [""]]


def option_lines(part: Part) -> list[str]:
    """A choice part's options as ``id) text``, one a line (empty for other kinds)."""
    options = getattr(part.answer, "options", None) if part.answer.kind == "choice" else None
    if not options:
        return []
    return ["options:", *(f"  {option.id}) {' '.join(option.text.split())}" for option in options)]


def yaml_template(rubric: Rubric) -> str:
    """An answers.yaml with every part id, its prompt as a comment, and an empty value."""
    info = rubric.assignment
    lines = [
        f"# Answers for {info.title}" + (f" ({info.course})" if info.course else ""),
        "# Fill in each answer between the quotes. Plain math (x^2/2, sqrt(d)) or LaTeX",
        "# (\\frac{x^2}{2}) both work; in double quotes write a backslash as \\\\, or use",
        "# single quotes. Leave an answer empty if you skip the part.",
        "student:",
        '  id: ""',
        '  name: ""',
        '  email: ""',
        f"assignment: {json.dumps(info.id)}",
        "answers:",
    ]
    for question in rubric.questions:
        title = f"{question.id}" + (f": {question.title}" if question.title else "")
        lines.append(f"  # ---- {title}")
        for part in question.parts:
            lines.append(f"  # {part.id} ({_fmt_points(part.points)}) - {answer_hint(part)}")
            lines.extend(_comment(part.prompt, "  #   "))
            lines.extend(f"  #   {line}" for line in option_lines(part))
            lines.append(f'  {part.id}: ""')
    return "\n".join(lines) + "\n"


_TEX_SPECIALS = re.compile(r"([\\{}$&#^_%~])")
_TEX_REPLACEMENTS = {
    "\\": r"\textbackslash{}",
    "^": r"\^{}",
    "~": r"\~{}",
}


def _tex_escape(text: str) -> str:
    return _TEX_SPECIALS.sub(lambda m: _TEX_REPLACEMENTS.get(m.group(1), "\\" + m.group(1)), text)


def tex_template(rubric: Rubric) -> str:
    """A LaTeX write-up with one ``\\answer{id}{}`` per part, prompts as comments."""
    info = rubric.assignment
    lines = [
        r"\documentclass{article}",
        r"\usepackage{amsmath,amssymb}",
        "% Write each answer inside the second pair of braces of its \\answer tag, e.g.",
        "% \\answer{q1.a}{$\\frac{x^2}{2}$}. Do not change the part ids. Work and",
        "% explanations can go anywhere outside the tags.",
        r"\newcommand{\answer}[2]{\par\noindent\textbf{\detokenize{#1}:} #2\par}",
        f"\\title{{{_tex_escape(info.title)}}}",
        r"\author{Name, student id}",
        r"\begin{document}",
        r"\maketitle",
    ]
    for question in rubric.questions:
        title = question.id + (f": {question.title}" if question.title else "")
        lines.append("")
        lines.append(f"\\section*{{{_tex_escape(title)}}}")
        for part in question.parts:
            lines.append("")
            lines.append(f"% {part.id} ({_fmt_points(part.points)}) - {answer_hint(part)}")
            lines.extend(_comment(part.prompt, "%   "))
            lines.extend(f"%   {line}" for line in option_lines(part))
            lines.append(f"\\answer{{{part.id}}}{{}}")
    lines.append("")
    lines.append(r"\end{document}")
    return "\n".join(lines) + "\n"
