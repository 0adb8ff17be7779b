"""From a submission folder to raw answers per part id: ``extract(folder, rubric)``.

A folder may hold an answers file (``answers.yaml``/``answers.yml``/``answers.json``)
and/or write-ups (``*.tex``, ``*.md``) with ``\\answer{PART_ID}{...}`` tags. When both
exist the answers file wins per part and the write-up fills the rest. With the rubric's
``defaults.match_boxed``, untagged ``\\boxed{}`` answers fill the remaining parts in
document order.

``read_folder`` does the I/O; ``combine`` is pure and is what tests call.
"""

from __future__ import annotations

import codecs
import difflib
import errno
import hashlib
import os
import stat
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

__all__ = [
    "Extraction",
    "SubmissionFiles",
    "read_folder",
    "combine",
    "extract",
    "identify",
    "class_folders",
    "condense",
    "decode_text",
    "ANSWERS_FILES",
    "LINK_NOT_FOLLOWED",
]

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
    ``rejected``: parts that were answered but whose answer could not be read (too large,
    an invalid character, a tag with unbalanced braces): graded ``invalid`` with the reason.
    ``failed``: why the folder could not be read at all because of the grader (the reader
    crashed, or was stopped by its time or memory budget): every part is an ``error``.
    """

    answers: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    student: Student | None = None
    notes: list[str] = field(default_factory=list)
    content_hash: str = ""
    wrong_assignment: str | None = None
    rejected: dict[str, str] = field(default_factory=dict)  # part id -> why its answer could not be read
    failed: str | None = None  # the reader itself failed or was stopped: every part needs a person


@dataclass
class SubmissionFiles:
    """The text of the files of one folder that matter, by path relative to the folder."""

    texts: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    content_hash: str = ""
    ignored: list[str] = field(default_factory=list)


MAX_LINKS_REPORTED = 5
MAX_IGNORED_LISTED = 10
LINK_NOT_FOLLOWED = "link not followed"


def _candidate_files(folder: Path, problems: list[str] | None = None, ignored: list[str] | None = None) -> list[Path]:
    """Answers files and write-ups under ``folder`` (hidden entries and ``__MACOSX`` skipped);
    other regular files' relative paths go to ``ignored``.

    Never follows a symbolic link, to a file or to a folder: each is reported in
    ``problems`` ("link not followed"), so a link to a classmate's file, to the grader's own
    samples or to any file on the machine is never read."""
    found: list[Path] = []
    links: list[str] = []

    def walk(directory: Path, depth: int) -> None:
        try:
            with os.scandir(directory) as scan:
                entries = sorted(scan, key=lambda entry: entry.name)
        except OSError:
            return
        for entry in entries:
            if entry.name.startswith(".") or entry.name == "__MACOSX":
                continue
            path = Path(entry.path)
            if entry.is_symlink():
                links.append(path.relative_to(folder).as_posix())
            elif entry.is_dir(follow_symlinks=False):
                if depth < MAX_DEPTH:
                    walk(path, depth + 1)
            elif entry.name.lower() in ANSWERS_FILES or path.suffix.lower() in WRITEUP_SUFFIXES:
                found.append(path)
            elif ignored is not None and entry.is_file(follow_symlinks=False):
                ignored.append(path.relative_to(folder).as_posix())

    walk(folder, 1)
    if problems is not None and links:
        shown = ", ".join(_printable(link) for link in links[:MAX_LINKS_REPORTED])
        more = f" and {len(links) - MAX_LINKS_REPORTED} more" if len(links) > MAX_LINKS_REPORTED else ""
        problems.append(f"{shown}{more}: a symbolic link; {LINK_NOT_FOLLOWED} (upload the file itself)")
    return found


def _printable(text: str) -> str:
    """A file name safe to show (control characters and undecodable bytes escaped)."""
    text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes) -> tuple[str | None, str]:
    """Decode a student's file strictly: UTF-8, or UTF-16/UTF-32 with a byte-order mark.

    Returns ``(text, "")`` or ``(None, why)`` (nothing is ever guessed or replaced)."""
    encoding = next((name for bom, name in _BOMS if data.startswith(bom)), "utf-8")
    try:
        return data.decode(encoding), ""
    except UnicodeDecodeError as exc:
        label = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8"}.get(encoding, encoding.upper())
        where = f"byte {exc.start}"
        if label == "UTF-8":
            line = data.count(b"\n", 0, exc.start) + 1
            where += f", line {line}"
        return None, f"not valid {label} text ({where}); not read: save it as UTF-8"


def _read_bytes(path: Path, limit: int) -> bytes:
    """The bytes of a regular file, never through a link (O_NOFOLLOW), at most ``limit``
    + 1 of them. Raises OSError (ELOOP for a link, EINVAL when not a regular file)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file")
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_folder(folder: str | Path) -> SubmissionFiles:
    """Read the answers file and write-ups of a folder (size-limited, strictly decoded,
    never through a symbolic link)."""
    root = Path(folder)
    files = SubmissionFiles()
    digest = hashlib.sha256()
    if root.is_symlink():
        files.problems.append(f"{_printable(root.name)}: the submission folder is a symbolic link; {LINK_NOT_FOLLOWED}")
        files.content_hash = digest.hexdigest()
        return files
    if not root.is_dir():
        files.problems.append(f"{_printable(root.name)}: not a folder that can be read")
        files.content_hash = digest.hexdigest()
        return files
    for path in _candidate_files(root, files.problems, files.ignored):
        relative = _printable(path.relative_to(root).as_posix())
        try:
            data = _read_bytes(path, MAX_FILE_BYTES)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                files.problems.append(f"{relative}: a symbolic link; {LINK_NOT_FOLLOWED} (upload the file itself)")
            else:
                files.problems.append(f"{relative}: cannot be read ({exc.strerror or exc})")
            continue
        if len(data) > MAX_FILE_BYTES:
            files.problems.append(f"{relative}: larger than {MAX_FILE_BYTES // 1024} KB; not read")
            continue
        digest.update(relative.encode() + b"\0" + data + b"\0")
        text, why = decode_text(data)
        if text is None:
            files.problems.append(f"{relative}: {why}")
            continue
        files.texts[relative] = text
    files.content_hash = digest.hexdigest()
    return files


def class_folders(submissions_dir: str | Path) -> tuple[list[Path], list[str]]:
    """The student folders of a class folder, sorted, and what was skipped (for the TA):
    hidden folders (``.x``, ``__x``, e.g. ``__MACOSX``), symbolic links (never followed)
    and loose answers files, ``.tex`` or ``.zip`` files (other loose files, e.g. a README,
    are ignored silently). Raises OSError when the class folder cannot be listed."""
    root = Path(submissions_dir)
    folders: list[Path] = []
    hidden: list[str] = []
    links: list[str] = []
    loose = 0
    with os.scandir(root) as scan:
        entries = sorted(scan, key=lambda entry: entry.name)
    for entry in entries:
        if entry.is_symlink():
            links.append(_printable(entry.name))
        elif not entry.is_dir(follow_symlinks=False):
            lowered = entry.name.lower()
            loose += lowered in ANSWERS_FILES or lowered.endswith((".tex", ".zip"))
        elif entry.name.startswith((".", "__")):
            hidden.append(_printable(entry.name))
        else:
            folders.append(Path(entry.path))
    problems: list[str] = []
    if links:
        problems.append(f"{_few(links)}: a symbolic link, not a folder; {LINK_NOT_FOLLOWED} (not graded)")
    if hidden:
        problems.append(f"hidden folders skipped (not graded): {_few(hidden)}")
    if loose:
        problems.append(f"{loose} answers file(s) beside the student folders ignored (each student needs a folder)")
    return folders, problems


def _few(names: list[str], limit: int = MAX_LINKS_REPORTED) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


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
    writeup_rejected: dict[str, str] = {}
    for name, doc in writeups:
        out.problems.extend(doc.problems)
        for tag in doc.tagged:
            if tag.part_id not in known:
                out.problems.append(
                    f"{name}:{tag.line}: {tag.part_id} is not a part of this assignment{_hint(tag.part_id, part_ids)}"
                )
                continue
            if tag.part_id in writeup_sources:
                out.problems.append(
                    f"{name}:{tag.line}: {tag.part_id} answered again (first at {writeup_sources[tag.part_id]}); the first one is used"
                )
                continue
            if not tag.body:
                continue
            from_writeup[tag.part_id] = tag.body
            writeup_sources[tag.part_id] = f"{name}:{tag.line}"
        for broken in doc.broken:
            if broken.part_id in known and broken.part_id not in writeup_sources:
                writeup_rejected[broken.part_id] = broken.reason
                writeup_sources[broken.part_id] = f"{name}:{broken.line}"
    boxed = [(name, box) for name, doc in writeups for box in doc.boxed if box.body]
    if boxed and rubric.defaults.match_boxed:
        open_parts = [part_id for part_id in part_ids if part_id not in writeup_sources]
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
    file_rejected: dict[str, str] = {}
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
        for part_id, reason in answers_doc.rejected.items():
            line = answers_doc.lines.get(part_id)
            where = f"{name}:{line}" if line else name
            if part_id not in known:
                out.problems.append(f"{where}: {part_id} is not a part of this assignment{_hint(part_id, part_ids)}")
                continue
            out.problems.append(f"{where}: {part_id}: {reason}")
            file_rejected[part_id] = reason
            file_sources[part_id] = where
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
        elif part_id in file_rejected:
            out.rejected[part_id] = file_rejected[part_id]
            out.sources[part_id] = file_sources[part_id]
        elif part_id in from_writeup:
            out.answers[part_id] = from_writeup[part_id]
            out.sources[part_id] = writeup_sources[part_id]
        elif part_id in writeup_rejected:
            out.rejected[part_id] = writeup_rejected[part_id]
            out.sources[part_id] = writeup_sources[part_id]
    return out


def identify(
    folder_name: str,
    from_file: Student | None,
    roster: Roster | None = None,
    metadata: dict[str, list[Student]] | None = None,
    *,
    metadata_name: str = METADATA_FILE,
) -> tuple[Student, str, list[str], list[str]]:
    """Who the folder belongs to, from where, and what to tell (problems, notes).

    Authoritative sources win, in this order: the Gradescope metadata (``metadata_name``:
    the file it came from, as named in the notes), the roster (matched by the folder name
    or the metadata's email, never by what the student wrote), the folder name. The
    ``student`` block of the answers file is never used as the id: when it names another
    id it is reported (a problem when the metadata or the roster identify the student, a
    note when only the folder name does). Its name and email fill empty fields only when it
    names the chosen id. Empty name/email fields are also filled from a roster entry that
    agrees on the id or the email."""
    submitters = (metadata or {}).get(folder_name, [])
    roster_entry: Student | None = None
    if roster is not None:
        hint = submitters[0] if submitters else None
        roster_entry = roster.match(folder_name, hint.email if hint else "") or (
            roster.match(hint.id) if hint else None
        )
    if submitters:
        chosen, source = submitters[0], metadata_name
    elif roster_entry is not None:
        chosen, source = roster_entry, "roster"
    else:
        chosen, source = Student(id=folder_name), "folder name"
    name, email = chosen.name, chosen.email
    if roster_entry is not None and roster_entry is not chosen and (
        roster_entry.id == chosen.id or (email and roster_entry.email.lower() == email.lower())
    ):
        name, email = name or roster_entry.name, email or roster_entry.email
    problems: list[str] = []
    notes: list[str] = []
    if from_file is not None:
        if from_file.id.strip().lower() == chosen.id.strip().lower():
            name, email = name or from_file.name, email or from_file.email
        else:
            claimed = _short_text(from_file.id)
            if source == "folder name":
                notes.append(
                    f"the answers file gives student id '{claimed}'; not used: the folder name is the id "
                    "(a roster or the Gradescope metadata maps folders to ids)"
                )
            else:
                problems.append(
                    f"the answers file gives student id '{claimed}', but this submission belongs to "
                    f"'{_short_text(chosen.id)}' ({source}); the answers file's id is not used"
                )
    student = Student(id=chosen.id, name=name, email=email, folder=folder_name)
    return student, source, problems, notes


def _short_text(text: str, limit: int = 64) -> str:
    text = _printable(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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
    student, source, problems, notes = identify(root.name, out.student, roster, metadata, metadata_name=metadata_name)
    out.student = student
    out.notes.insert(0, f"student identified by {source}")
    out.problems.extend(problems)
    out.notes.extend(notes)
    group = (metadata or {}).get(root.name, [])
    if len(group) > 1:
        out.notes.append("group submission: " + ", ".join(f"{s.name or s.id} ({s.id})" for s in group))
    out.content_hash = files.content_hash
    out.problems = condense([_printable(problem) for problem in out.problems])
    out.notes = condense([_printable(note) for note in out.notes])
    return out


MAX_MESSAGES = 20  # problems (or notes) of one submission shown one by one
MAX_MESSAGE_CHARS = 300


def condense(messages: list[str], limit: int = MAX_MESSAGES, chars: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Messages for a person: each at most ``chars`` long, repeats merged with a count,
    at most ``limit`` of them and then one line saying how many more there were (a
    write-up with 100,000 broken tags gives a readable feedback file, not megabytes)."""
    counts: dict[str, int] = {}
    for message in messages:
        text = message if len(message) <= chars else message[: chars - 3] + "..."
        counts[text] = counts.get(text, 0) + 1
    shown = [text if count == 1 else f"{text} (x{count})" for text, count in counts.items()]
    if len(shown) > limit:
        hidden = sum(counts[text] for text in list(counts)[limit - 1 :])
        shown = shown[: limit - 1] + [f"... and {hidden} more like these (not shown)"]
    return shown
