"""From a submission folder to raw answers per part id: ``extract(folder, rubric)``.

A folder may hold an answers file (``answers.yaml``/``answers.yml``/``answers.json``)
and/or write-ups (``*.tex``, ``*.md``) with ``\\answer{PART_ID}{...}`` tags. When both
exist the answers file wins per part and the write-up fills the rest. With the rubric's
``defaults.match_boxed``, untagged ``\\boxed{}`` answers fill the remaining parts in
document order.

``read_folder`` does the I/O; ``combine`` is pure and is what tests call.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.results import Student
from grader.rubric.models import Rubric
from grader.submission.answers_file import (
    MAX_FILE_BYTES,
    AnswersDoc,
    parse_answers_json,
    parse_answers_yaml,
)
from grader.submission.identity import METADATA_FILE, Roster
from grader.submission.writeup import WriteupDoc, scan_writeup

__all__ = ["Extraction", "SubmissionFiles", "read_folder", "combine", "extract", "identify", "ANSWERS_FILES"]

ANSWERS_FILES = ("answers.yaml", "answers.yml", "answers.json")
WRITEUP_SUFFIXES = (".tex", ".md")
MAX_DEPTH = 3


@dataclass
class Extraction:
    """Raw answers of one submission and where each came from.

    ``answers``: part id -> raw answer (text, number, nested list or mapping).
    ``sources``: part id -> "file:line" (plus how it was found).
    ``problems``: what a student or a grader should know (unknown parts, bad YAML, ...).
    ``notes``: how the answers were gathered (informational).
    ``wrong_assignment``: the assignment id the answers file names, when it is not the
    rubric's (the submission is then graded 0).
    """

    answers: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    student: Student | None = None
    notes: list[str] = field(default_factory=list)
    content_hash: str = ""
    wrong_assignment: str | None = None


@dataclass
class SubmissionFiles:
    """The text of the files of one folder that matter, by path relative to the folder."""

    texts: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    content_hash: str = ""
    ignored: list[str] = field(default_factory=list)


MAX_IGNORED_LISTED = 10


def _candidate_files(folder: Path, ignored: list[str] | None = None) -> list[Path]:
    """Answers files and write-ups under ``folder``; other files' relative paths go to ``ignored``."""
    found: list[Path] = []

    def walk(directory: Path, depth: int) -> None:
        try:
            entries = sorted(directory.iterdir(), key=lambda p: p.name)
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith(".") or entry.name == "__MACOSX":
                continue
            if entry.is_dir() and not entry.is_symlink():
                if depth < MAX_DEPTH:
                    walk(entry, depth + 1)
            elif entry.is_file() and (entry.name.lower() in ANSWERS_FILES or entry.suffix.lower() in WRITEUP_SUFFIXES):
                found.append(entry)
            elif ignored is not None and entry.is_file():
                ignored.append(entry.relative_to(folder).as_posix())

    walk(folder, 1)
    return found


def read_folder(folder: str | Path) -> SubmissionFiles:
    """Read the answers file and write-ups of a folder (size-limited, UTF-8)."""
    root = Path(folder)
    files = SubmissionFiles()
    digest = hashlib.sha256()
    if not root.is_dir():
        files.problems.append(f"{root.name}: not a folder that can be read")
        files.content_hash = digest.hexdigest()
        return files
    for path in _candidate_files(root, files.ignored):
        relative = path.relative_to(root).as_posix()
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                files.problems.append(f"{relative}: larger than {MAX_FILE_BYTES // 1024} KB; not read")
                continue
            data = path.read_bytes()
        except OSError as exc:
            files.problems.append(f"{relative}: cannot be read ({exc.strerror})")
            continue
        digest.update(relative.encode() + b"\0" + data + b"\0")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            files.problems.append(f"{relative}: not UTF-8 (byte {exc.start}); unreadable characters replaced")
            text = data.decode("utf-8", "replace")
        files.texts[relative] = text
    files.content_hash = digest.hexdigest()
    return files


def _answers_doc(files: SubmissionFiles) -> tuple[str, AnswersDoc] | None:
    names = [name for name in files.texts if Path(name).name.lower() in ANSWERS_FILES]
    names.sort(key=lambda name: (name.count("/"), ANSWERS_FILES.index(Path(name).name.lower()), name))
    if not names:
        return None
    chosen = names[0]
    text = files.texts[chosen]
    doc = parse_answers_json(text, chosen) if chosen.lower().endswith(".json") else parse_answers_yaml(text, chosen)
    if len(names) > 1:
        doc.problems.append(f"several answers files ({', '.join(names)}); only {chosen} was read")
    return chosen, doc


def _hint(part_id: str, part_ids: list[str]) -> str:
    close = difflib.get_close_matches(part_id, part_ids, n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


def combine(
    rubric: Rubric,
    answers_file: tuple[str, AnswersDoc] | None,
    writeups: list[tuple[str, WriteupDoc]],
) -> Extraction:
    """Merge an answers file and write-ups into one Extraction (pure)."""
    part_ids = [part.id for part in rubric.parts()]
    known = set(part_ids)
    out = Extraction()

    # write-ups: tags first (earlier file wins), then boxed answers by document order
    from_writeup: dict[str, Any] = {}
    writeup_sources: dict[str, str] = {}
    for name, doc in writeups:
        out.problems.extend(doc.problems)
        for tag in doc.tagged:
            if tag.part_id not in known:
                out.problems.append(
                    f"{name}:{tag.line}: {tag.part_id} is not a part of this assignment{_hint(tag.part_id, part_ids)}"
                )
                continue
            if tag.part_id in from_writeup:
                out.problems.append(
                    f"{name}:{tag.line}: {tag.part_id} answered again (first at {writeup_sources[tag.part_id]}); the first one is used"
                )
                continue
            if not tag.body:
                continue
            from_writeup[tag.part_id] = tag.body
            writeup_sources[tag.part_id] = f"{name}:{tag.line}"
    boxed = [(name, box) for name, doc in writeups for box in doc.boxed if box.body]
    if boxed and rubric.defaults.match_boxed:
        open_parts = [part_id for part_id in part_ids if part_id not in from_writeup]
        pairs = list(zip(open_parts, boxed, strict=False))
        for part_id, (name, box) in pairs:
            from_writeup[part_id] = box.body
            writeup_sources[part_id] = f"{name}:{box.line} (\\boxed, matched by order)"
        if pairs:
            out.notes.append(
                f"{len(pairs)} untagged \\boxed answer(s) matched to parts without a tag, in document order: "
                + ", ".join(f"{part_id} <- line {box.line}" for part_id, (_, box) in pairs)
            )
        if len(boxed) > len(pairs):
            out.problems.append(f"{len(boxed) - len(pairs)} \\boxed answer(s) left over (more boxes than untagged parts); ignored")
    elif boxed:
        out.notes.append(
            f"{len(boxed)} untagged \\boxed answer(s) ignored (tag answers with \\answer{{PART_ID}}{{...}})"
        )

    # the answers file wins per part
    from_file: dict[str, Any] = {}
    file_sources: dict[str, str] = {}
    if answers_file is not None:
        name, answers_doc = answers_file
        out.problems.extend(answers_doc.problems)
        out.student = answers_doc.student
        named = answers_doc.assignment
        if named and named != rubric.assignment.id:
            out.wrong_assignment = named
            out.problems.append(
                f"{name}: these answers are for assignment '{named}', not '{rubric.assignment.id}'; graded 0"
            )
        for part_id, answer in answers_doc.answers.items():
            if part_id not in known:
                line = answers_doc.lines.get(part_id)
                where = f"{name}:{line}" if line else name
                out.problems.append(f"{where}: {part_id} is not a part of this assignment{_hint(part_id, part_ids)}")
                continue
            from_file[part_id] = answer
            line = answers_doc.lines.get(part_id)
            file_sources[part_id] = f"{name}:{line}" if line else name
        if from_file and from_writeup:
            both = [part_id for part_id in part_ids if part_id in from_file and part_id in from_writeup]
            filled = [part_id for part_id in part_ids if part_id in from_writeup and part_id not in from_file]
            note = f"both {name} and a write-up: {name} wins per part"
            if both:
                note += f" (given in both: {', '.join(both)})"
            if filled:
                note += f"; the write-up fills {', '.join(filled)}"
            out.notes.append(note)

    for part_id in part_ids:
        if part_id in from_file:
            out.answers[part_id] = from_file[part_id]
            out.sources[part_id] = file_sources[part_id]
        elif part_id in from_writeup:
            out.answers[part_id] = from_writeup[part_id]
            out.sources[part_id] = writeup_sources[part_id]
    return out


def identify(
    folder_name: str,
    from_file: Student | None,
    roster: Roster | None = None,
    metadata: dict[str, list[Student]] | None = None,
    *,
    metadata_name: str = METADATA_FILE,
) -> tuple[Student, str]:
    """Who the folder belongs to, and from where: the answers file's student block, the
    roster, the Gradescope metadata, else the folder name. Empty name/email fields are
    filled from a later source that agrees on the id."""
    candidates: list[tuple[Student, str]] = []
    if from_file is not None:
        candidates.append((from_file, "answers file"))
    submitters = (metadata or {}).get(folder_name, [])
    email_hint = (from_file.email if from_file else "") or (submitters[0].email if submitters else "")
    if roster is not None:
        matched = roster.match(folder_name, email_hint) or (roster.match(from_file.id) if from_file else None)
        if matched is not None:
            candidates.append((matched, "roster"))
    if submitters:
        candidates.append((submitters[0], metadata_name))
    if not candidates:
        return Student(id=folder_name, folder=folder_name), "folder name"
    chosen, source = candidates[0]
    name, email = chosen.name, chosen.email
    for other, _ in candidates[1:]:
        if other.id == chosen.id or (email and other.email.lower() == email.lower()):
            name = name or other.name
            email = email or other.email
    return Student(id=chosen.id, name=name, email=email, folder=folder_name), source


def _ignored_text(ignored: list[str]) -> str:
    """The ignored files, named (at most MAX_IGNORED_LISTED, each cut to 80 characters)."""
    names = [name if len(name) <= 80 else name[:79] + "…" for name in ignored[:MAX_IGNORED_LISTED]]
    more = len(ignored) - len(names)
    return ", ".join(names) + (f" and {more} more" if more > 0 else "")


def extract(
    folder: str | Path,
    rubric: Rubric,
    *,
    roster: Roster | None = None,
    metadata: dict[str, list[Student]] | None = None,
    metadata_name: str = METADATA_FILE,
) -> Extraction:
    """Read a submission folder and gather its raw answers (never raises on bad input).

    ``metadata_name`` is the file the ``metadata`` came from, as named in the notes
    (``submission_metadata.yml`` of an export, ``submission_metadata.json`` inside the
    Gradescope autograder).
    """
    root = Path(folder)
    files = read_folder(root)
    answers_file = _answers_doc(files)
    writeups = [
        (name, scan_writeup(text, name))
        for name, text in files.texts.items()
        if Path(name).suffix.lower() in WRITEUP_SUFFIXES
    ]
    out = combine(rubric, answers_file, writeups)
    out.problems[:0] = files.problems
    seen = _ignored_text(files.ignored)
    if not files.texts and not files.problems:
        message = "no answers file (answers.yaml, answers.json) and no write-up (.tex, .md) found"
        if seen:
            message += f"; seen and ignored: {seen}"
            if any(name.lower().endswith(".pdf") for name in files.ignored):
                message += " (a PDF cannot be graded automatically: upload answers.yaml or a .tex/.md write-up with \\answer tags)"
        out.problems.append(message)
    elif seen:
        out.notes.append(f"seen and ignored (only answers files and .tex/.md write-ups are read): {seen}")
    student, source = identify(root.name, out.student, roster, metadata, metadata_name=metadata_name)
    out.student = student
    out.notes.insert(0, f"student identified by {source}")
    group = (metadata or {}).get(root.name, [])
    if len(group) > 1:
        out.notes.append("group submission: " + ", ".join(f"{s.name or s.id} ({s.id})" for s in group))
    out.content_hash = files.content_hash
    return out
