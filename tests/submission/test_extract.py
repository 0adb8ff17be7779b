"""Extraction: answers files, write-ups, merging, identity. Tables of named cases."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.errors import SubmissionError
from grader.results import Student
from grader.rubric.load import load_rubric
from grader.submission.answers_file import MAX_FILE_BYTES, parse_answers_json, parse_answers_yaml
from grader.submission.extract import combine, extract, identify
from grader.submission.identity import parse_roster, parse_submission_metadata
from grader.submission.writeup import clean_body, scan_writeup

FIXTURES = Path(__file__).parent / "fixtures"
RUBRIC, RUBRIC_SHA = load_rubric(FIXTURES / "mini.yaml")


# --------------------------------------------------------------------------- write-up scanner

WRITEUP_CASES = [
    ("simple", r"\answer{q1}{x^2}", [("q1", "x^2", 1)]),
    ("nested braces", r"\answer{q1}{\frac{a}{b^{2}}}", [("q1", r"\frac{a}{b^{2}}", 1)]),
    ("escaped braces", r"\answer{q1}{\{1, 2\} \cup \{3\}}", [("q1", r"\{1, 2\} \cup \{3\}", 1)]),
    ("escaped closing brace only", r"\answer{q1}{a \} b}", [("q1", r"a \} b", 1)]),
    ("dollars stripped", r"\answer{q1}{ $\sqrt{2/d}$ }", [("q1", r"\sqrt{2/d}", 1)]),
    ("display dollars", r"\answer{q1}{$$ 3 $$}", [("q1", "3", 1)]),
    ("paren math", r"\answer{q1}{\( 3 \)}", [("q1", "3", 1)]),
    ("bracket math", r"\answer{q1}{\[ 3 \]}", [("q1", "3", 1)]),
    ("boxed inside answer unwrapped", r"\answer{q1}{$\boxed{4}$}", [("q1", "4", 1)]),
    ("two math spans kept", r"\answer{q1}{$a$ and $b$}", [("q1", "$a$ and $b$", 1)]),
    ("escaped underscore in id", r"\answer{q4.1.mu\_batch}{1}", [("q4.1.mu_batch", "1", 1)]),
    ("space between groups", "\\answer{q1} {5}", [("q1", "5", 1)]),
    ("line numbers", "intro\n\n\\answer{a}{1}\ntext\n\\answer{b}{\n2\n}", [("a", "1", 3), ("b", "2", 5)]),
    ("not a prefix of another command", r"\answers{q1}{1} \answer{q2}{2}", [("q2", "2", 1)]),
    ("double backslash before brace", r"\answer{q1}{a \\{b} c}", [("q1", r"a \\{b} c", 1)]),
]


@pytest.mark.parametrize("name,text,expected", WRITEUP_CASES, ids=[c[0] for c in WRITEUP_CASES])
def test_scan_writeup_tags(name: str, text: str, expected: list[tuple[str, str, int]]) -> None:
    doc = scan_writeup(text, "w.md")
    assert [(t.part_id, t.body, t.line) for t in doc.tagged] == expected
    assert doc.problems == []


def test_tex_comments_are_skipped_but_not_in_markdown() -> None:
    text = "% \\answer{q0}{old}\n\\answer{q1}{50\\% % trailing }\n}"
    tex = scan_writeup(text, "w.tex")
    assert [(t.part_id, t.body) for t in tex.tagged] == [("q1", "50\\%")]
    md = scan_writeup(text, "w.md")
    assert [t.part_id for t in md.tagged] == ["q0", "q1"]


def test_unbalanced_tag_is_reported_with_line_and_scanning_continues() -> None:
    doc = scan_writeup("ok\n\\answer{q1}{x\n\\answer{q2}{y}", "w.tex")
    assert any(p.startswith("w.tex:2:") and "braces" in p for p in doc.problems)


def test_boxed_outside_tags_collected_in_order() -> None:
    doc = scan_writeup("a \\boxed{1}\n\\answer{q}{\\boxed{2}}\n \\boxed{\\frac{1}{2}}", "w.md")
    assert [(b.body, b.line) for b in doc.boxed] == [("1", 1), ("\\frac{1}{2}", 3)]
    assert [t.body for t in doc.tagged] == ["2"]


@pytest.mark.parametrize(
    "body,expected",
    [("  $x$ ", "x"), ("$$\\boxed{y}$$", "y"), ("\\boxed{x} + 1", "\\boxed{x} + 1"), ("", ""), ("$", "$")],
)
def test_clean_body(body: str, expected: str) -> None:
    assert clean_body(body) == expected


# --------------------------------------------------------------------------- answers files

YAML_CASES = [
    ("text and numbers", "answers:\n  q1: x^2\n  q2: 0.5\n  q3: 3\n", {"q1": "x^2", "q2": 0.5, "q3": 3}),
    ("nested list", "answers:\n  q1: [[1, 2], [3, 4]]\n", {"q1": [[1, 2], [3, 4]]}),
    ("mapping answer", "answers:\n  q1: {layers: [{weight: [[1]], bias: [0]}]}\n",
     {"q1": {"layers": [{"weight": [[1]], "bias": [0]}]}}),
    ("yes stays text", "answers:\n  q1: yes\n  q2: off\n", {"q1": "yes", "q2": "off"}),
    ("no octal", "answers:\n  q1: 010\n", {"q1": "010"}),
    ("no sexagesimal", "answers:\n  q1: 1:30\n", {"q1": "1:30"}),
    ("exponent without dot stays text", "answers:\n  q1: 1e-3\n", {"q1": "1e-3"}),
    ("date stays text", "answers:\n  q1: 2020-01-02\n", {"q1": "2020-01-02"}),
    ("empty values are missing", "answers:\n  q1: \"\"\n  q2:\n  q3: ' '\n", {}),
    ("latex in single quotes", "answers:\n  q1: '\\frac{1}{2}'\n", {"q1": "\\frac{1}{2}"}),
]


@pytest.mark.parametrize("name,text,expected", YAML_CASES, ids=[c[0] for c in YAML_CASES])
def test_parse_answers_yaml(name: str, text: str, expected: dict[str, object]) -> None:
    doc = parse_answers_yaml(text)
    assert doc.answers == expected
    assert doc.readable


YAML_ERROR_CASES = [
    ("unclosed flow list", "answers:\n  q1: [1, 2\n  q2: 3\n", "answers.yaml:3:5:"),
    ("tab indentation", "answers:\n\tq1: 1\n", "answers.yaml:2:1:"),
    ("bad indentation", "answers:\n  q1: 1\n q2: 2\n", "answers.yaml:3:2:"),
    ("unclosed quote", "answers:\n  q1: \"abc\n", "answers.yaml:"),
]


@pytest.mark.parametrize("name,text,prefix", YAML_ERROR_CASES, ids=[c[0] for c in YAML_ERROR_CASES])
def test_yaml_errors_have_line_and_column(name: str, text: str, prefix: str) -> None:
    doc = parse_answers_yaml(text)
    assert not doc.readable and doc.answers == {}
    assert doc.problems[0].startswith(prefix), doc.problems
    assert "not valid YAML" in doc.problems[0]


def test_yaml_duplicate_keys_reported_with_line() -> None:
    doc = parse_answers_yaml("answers:\n  q1: 1\n  q2: 2\n  q1: 3\n")
    assert doc.answers["q1"] == 1
    assert doc.problems == ["answers.yaml:4: key 'q1' appears more than once; the first one is used"]
    assert doc.lines == {"q1": 4, "q2": 3}


def test_yaml_student_and_assignment() -> None:
    doc = parse_answers_yaml("student: {id: 123, name: Ada, email: a@x.org}\nassignment: hw\nanswers: {q: 1}\n")
    assert doc.student == Student(id="123", name="Ada", email="a@x.org")
    assert doc.assignment == "hw"


def test_yaml_python_tags_are_refused() -> None:
    doc = parse_answers_yaml("answers:\n  q1: !!python/object/apply:os.system ['echo hi']\n")
    assert not doc.readable
    assert "answers.yaml:2:" in doc.problems[0]


def test_yaml_size_limit() -> None:
    doc = parse_answers_yaml("answers:\n  q1: '" + "x" * MAX_FILE_BYTES + "'\n")
    assert not doc.readable and "larger than" in doc.problems[0]


@pytest.mark.parametrize(
    "text,answers,problem",
    [
        ('{"answers": {"q1": "x", "q2": [1, 2]}}', {"q1": "x", "q2": [1, 2]}, None),
        ('{"answers": {"q1": 1, "q1": 2}}', {"q1": 1}, "appears more than once"),
        ('{"answers": {"q1": 1,}}', {}, "answers.json:1:22: not valid JSON"),
        ('{"answers": {"q1": NaN}}', {"q1": "NaN"}, None),
        ("[1, 2]", {}, "expected a mapping"),
    ],
)
def test_parse_answers_json(text: str, answers: dict[str, object], problem: str | None) -> None:
    doc = parse_answers_json(text)
    assert doc.answers == answers
    if problem is None:
        assert doc.problems == []
    else:
        assert problem in doc.problems[0]


# --------------------------------------------------------------------------- combine


def _yaml(text: str) -> tuple[str, object]:
    return ("answers.yaml", parse_answers_yaml(text))


def test_combine_answers_file_wins_and_writeup_fills() -> None:
    writeup = scan_writeup("\\answer{q1.he_std}{1/sqrt(d)}\n\\answer{q2.where}{after}", "hw.tex")
    out = combine(RUBRIC, _yaml("answers:\n  q1.he_std: sqrt(2/d)\n  q1.count: 4640\n"), [("hw.tex", writeup)])  # type: ignore[arg-type]
    assert out.answers == {"q1.he_std": "sqrt(2/d)", "q1.count": 4640, "q2.where": "after"}
    assert out.sources == {"q1.he_std": "answers.yaml:2", "q1.count": "answers.yaml:3", "q2.where": "hw.tex:2"}
    assert any("answers.yaml wins" in note and "q1.he_std" in note and "fills q2.where" in note for note in out.notes)


def test_combine_unknown_part_did_you_mean() -> None:
    out = combine(RUBRIC, _yaml("answers:\n  q1.he-std: 1\n  zzz: 2\n"), [])  # type: ignore[arg-type]
    assert "answers.yaml:2: q1.he-std is not a part of this assignment; did you mean q1.he_std?" in out.problems
    assert "answers.yaml:3: zzz is not a part of this assignment" in out.problems


def test_combine_boxed_matched_in_order_to_untagged_parts() -> None:
    text = "\\boxed{sqrt(2/d)}\n\\answer{q1.count}{4640}\n\\boxed{[[1,2],[3,4]]}\n\\boxed{after}\n\\boxed{why}\n\\boxed{extra}"
    out = combine(RUBRIC, None, [("hw.md", scan_writeup(text, "hw.md"))])
    assert out.answers == {
        "q1.he_std": "sqrt(2/d)", "q1.count": "4640", "q2.mean": "[[1,2],[3,4]]", "q2.where": "after", "q2.why": "why",
    }
    assert out.sources["q2.mean"] == "hw.md:3 (\\boxed, matched by order)"
    assert any("matched to parts without a tag" in note for note in out.notes)
    assert any("left over" in problem for problem in out.problems)


def test_combine_boxed_ignored_without_match_boxed() -> None:
    rubric = RUBRIC.model_copy(update={"defaults": RUBRIC.defaults.model_copy(update={"match_boxed": False})})
    out = combine(rubric, None, [("hw.md", scan_writeup("\\boxed{1}", "hw.md"))])
    assert out.answers == {}
    assert any("ignored" in note for note in out.notes)


def test_combine_wrong_assignment() -> None:
    out = combine(RUBRIC, _yaml("assignment: other-hw\nanswers:\n  q1.count: 1\n"), [])  # type: ignore[arg-type]
    assert out.wrong_assignment == "other-hw"
    assert any("graded 0" in problem for problem in out.problems)


def test_combine_duplicate_tag_first_wins() -> None:
    out = combine(RUBRIC, None, [("a.md", scan_writeup("\\answer{q1.count}{1}\n\\answer{q1.count}{2}", "a.md"))])
    assert out.answers == {"q1.count": "1"}
    assert any("answered again" in problem for problem in out.problems)


# --------------------------------------------------------------------------- identity

ROSTER = """Student ID,Full Name,Email Address,Login
111,Ada Lovelace,ada@uni.edu,alove
222,Alan Turing,alan@uni.edu,aturing
"""

METADATA = """---
:submission_9001:
  :submitters:
  - :name: Grace Hopper
    :sid: '333'
    :email: grace@uni.edu
  :created_at: 2020-02-14 18:31:10.000000000 -08:00
  :score: !ruby/object:BigDecimal 18:0.1e2
:submission_9002:
  :submitters:
  - :name: Ada Lovelace
    :sid: '111'
    :email: ada@uni.edu
  - :name: Alan Turing
    :sid: '222'
    :email: alan@uni.edu
"""


def test_parse_roster_lenient_headers() -> None:
    roster = parse_roster(ROSTER)
    assert roster.match("alove") == Student(id="111", name="Ada Lovelace", email="ada@uni.edu")
    assert roster.match("whatever", "ALAN@uni.edu") is not None
    assert roster.match("222") is not None and roster.match("nobody") is None


def test_parse_roster_semicolons_and_first_last() -> None:
    roster = parse_roster("SID;First Name;Last Name;E-mail\n9;Emmy;Noether;e@x.org\n")
    assert roster.match("9") == Student(id="9", name="Emmy Noether", email="e@x.org")


ROSTER_PROBLEM_CASES = [
    ("unbalanced quote", 'SID,Name\n1,"Ada\n2,Alan\n3,Grace\n', "roster.csv:2: a quote is never closed"),
    ("huge field", "SID,Name\n1," + "x" * 200_000 + "\n", "roster.csv:2: not readable as CSV"),
]


@pytest.mark.parametrize("name,text,message", ROSTER_PROBLEM_CASES, ids=[c[0] for c in ROSTER_PROBLEM_CASES])
def test_roster_that_would_lose_rows_is_refused_with_one_line(name: str, text: str, message: str) -> None:
    with pytest.raises(SubmissionError) as caught:
        parse_roster(text)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_roster_rows_without_id_and_repeated_ids_are_reported() -> None:
    roster = parse_roster("SID,Name\n1,Ada\n,Nobody\n1,Again\n2,Alan\n")
    assert [s.id for s in roster.students] == ["1", "2"]
    assert roster.problems == [
        "roster.csv:3: no student id; row skipped",
        "roster.csv:4: student id '1' also on line 2; the first row is used",
    ]


def test_parse_submission_metadata_strips_colons_and_ruby_tags() -> None:
    folders = parse_submission_metadata(METADATA)
    assert folders["submission_9001"] == [Student(id="333", name="Grace Hopper", email="grace@uni.edu")]
    assert [s.id for s in folders["submission_9002"]] == ["111", "222"]


# (name, folder, self-declared student, roster?, metadata?, expected, problems, notes)
IDENTITY_CASES = [
    ("roster beats the answers file", "alove", Student(id="7", name="Seven"), True, True,
     Student("111", "Ada Lovelace", "ada@uni.edu", "alove"), 1, 0),
    ("roster by folder", "alove", None, True, False, Student("111", "Ada Lovelace", "ada@uni.edu", "alove"), 0, 0),
    ("metadata", "submission_9001", None, False, True, Student("333", "Grace Hopper", "grace@uni.edu", "submission_9001"), 0, 0),
    ("metadata beats the answers file", "submission_9001", Student(id="111"), True, True,
     Student("333", "Grace Hopper", "grace@uni.edu", "submission_9001"), 1, 0),
    ("roster by metadata email", "submission_9002", None, True, True, Student("111", "Ada Lovelace", "ada@uni.edu", "submission_9002"), 0, 0),
    ("folder name", "jdoe", None, True, True, Student("jdoe", "", "", "jdoe"), 0, 0),
    ("answers file id never matches the roster", "x", Student(id="222"), True, False, Student("x", "", "", "x"), 0, 1),
    ("answers file email never matches the roster", "x", Student(id="x", email="alan@uni.edu"), True, False,
     Student("x", "", "alan@uni.edu", "x"), 0, 0),
    ("answers file agreeing with the folder fills the name", "jdoe", Student(id="JDoe", name="John"), False, False,
     Student("jdoe", "John", "", "jdoe"), 0, 0),
]


@pytest.mark.parametrize(
    "name,folder,from_file,use_roster,use_meta,expected,problems,notes", IDENTITY_CASES, ids=[c[0] for c in IDENTITY_CASES]
)
def test_identify(
    name: str, folder: str, from_file: Student | None, use_roster: bool, use_meta: bool, expected: Student,
    problems: int, notes: int,
) -> None:
    roster = parse_roster(ROSTER) if use_roster else None
    metadata = parse_submission_metadata(METADATA) if use_meta else None
    student, _, said, noted = identify(folder, from_file, roster, metadata)
    assert student == expected
    assert len(said) == problems and len(noted) == notes
    assert all("not used" in text for text in said + noted)


# --------------------------------------------------------------------------- extract (files)


def test_extract_folder_end_to_end(tmp_path: Path) -> None:
    folder = tmp_path / "jdoe"
    folder.mkdir()
    (folder / "answers.yaml").write_text("answers:\n  q1.count: 4640\n", encoding="utf-8")
    (folder / "writeup.tex").write_text("\\answer{q2.where}{after}\n", encoding="utf-8")
    out = extract(folder, RUBRIC)
    assert out.answers == {"q1.count": 4640, "q2.where": "after"}
    assert out.student == Student(id="jdoe", folder="jdoe")
    assert len(out.content_hash) == 64
    (folder / "writeup.tex").write_text("\\answer{q2.where}{before}\n", encoding="utf-8")
    assert extract(folder, RUBRIC).content_hash != out.content_hash


def test_extract_empty_and_missing_folders(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    assert "no answers file" in extract(tmp_path / "empty", RUBRIC).problems[-1]
    assert "not a folder" in extract(tmp_path / "nope", RUBRIC).problems[0]


def test_extract_not_utf8_and_nested_folder(tmp_path: Path) -> None:
    folder = tmp_path / "s" / "inner"
    folder.mkdir(parents=True)
    (folder / "answers.yaml").write_bytes(b"answers:\n  q2.where: \xff\xfeafter\n")
    out = extract(tmp_path / "s", RUBRIC)
    assert out.answers == {}  # decoded strictly: nothing is guessed or replaced
    assert out.problems[0].startswith("inner/answers.yaml: not valid UTF-8 text (byte 21, line 2); not read")
    (folder / "answers.yaml").write_text("answers:\n  q2.where: after\n", encoding="utf-16")  # with a BOM
    assert extract(tmp_path / "s", RUBRIC).answers == {"q2.where": "after"}


def test_yaml_alias_bomb_is_not_expanded() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 9):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    text = "bomb:\n" + "\n".join("  " + line for line in lines) + "\nanswers:\n  q1: *a8\n  q2: ok\n"
    doc = parse_answers_yaml(text)
    assert doc.answers == {"q2": "ok"}
    assert "too large" in doc.rejected["q1"]  # graded invalid with the reason, not missing
    assert doc.lines["q1"] == 12
