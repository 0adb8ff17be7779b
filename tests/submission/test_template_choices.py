"""`grader template` lists a choice part's options (id and text) so a student knows what to write,
and what it lists is what the checker reads (the real CLI, then the real grading)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from support import run_grader

RUBRIC = """\
assignment: {id: choices, title: "Choices"}
questions:
  - id: q1
    parts:
      - id: q1.opt
        points: 1
        prompt: "Which optimizer keeps a running mean of squared gradients?"
        answer:
          kind: choice
          expected: b
          options:
            - {id: a, text: "SGD with momentum"}
            - {id: b, text: "RMSprop"}
            - {id: c, text: "Plain   SGD"}
      - id: q1.many
        points: 1
        prompt: "Which are activation functions?"
        answer:
          kind: choice
          expected: [relu, tanh]
          options:
            - {id: relu, text: "ReLU"}
            - {id: tanh, text: "tanh"}
            - {id: adam, text: "Adam"}
"""


def test_yaml_template_lists_options_with_letters_and_texts(tmp_path: Path) -> None:
    rubric = tmp_path / "choices.yaml"
    rubric.write_text(RUBRIC, encoding="utf-8")
    out = run_grader("template", str(rubric), check=True).stdout
    lines = out.splitlines()
    start = lines.index("  #   options:")
    assert lines[start + 1 : start + 4] == ["  #     a) SGD with momentum", "  #     b) RMSprop", "  #     c) Plain SGD"]
    assert "# q1.opt (1 pt) - one option's id (a, b, c), or the option's text" in out
    assert "the ids of every option that applies, comma-separated (relu, tanh, adam)" in out
    assert "  #     relu) ReLU" in out
    assert yaml.safe_load(out)["answers"] == {"q1.opt": "", "q1.many": ""}  # still a valid answers file


def test_tex_template_lists_options(tmp_path: Path) -> None:
    rubric = tmp_path / "choices.yaml"
    rubric.write_text(RUBRIC, encoding="utf-8")
    out = run_grader("template", str(rubric), "--format", "tex", check=True).stdout
    assert "%     a) SGD with momentum\n%     b) RMSprop\n%     c) Plain SGD\n\\answer{q1.opt}{}" in out


def test_what_the_template_lists_is_what_gets_read(tmp_path: Path) -> None:
    rubric = tmp_path / "choices.yaml"
    rubric.write_text(RUBRIC, encoding="utf-8")
    for name, answers in {"by-letter": {"q1.opt": "b", "q1.many": "relu, tanh"},
                          "by-text": {"q1.opt": "RMSprop", "q1.many": "ReLU, tanh"}}.items():
        folder = tmp_path / "subs" / name
        folder.mkdir(parents=True)
        (folder / "answers.yaml").write_text(yaml.safe_dump({"answers": answers}), encoding="utf-8")
    run_grader("grade", str(rubric), str(tmp_path / "subs"), "-o", str(tmp_path / "out"), "--quiet", check=True)
    for name in ("by-letter", "by-text"):
        feedback = json.loads((tmp_path / "out" / "feedback" / f"{name}.json").read_text(encoding="utf-8"))
        assert feedback["total"] == 2, (name, feedback)
