"""Who a submission folder belongs to: roster CSV and Gradescope export metadata.

- A roster CSV (``--roster``): lenient about header names (``SID``, ``Student ID``,
  ``id``; ``Name`` or ``First``/``Last``; ``Email``; ``folder``/``login``/``username``).
  A folder is matched by its name (against folder, login, id or email) or by an email.
- A Gradescope "Download Submissions" export: ``submission_metadata.yml`` at the export
  root maps ``submission_<id>`` folders to ``:submitters:`` with ``:name:``, ``:sid:``,
  ``:email:`` (Ruby-style symbol keys; read with PyYAML's SafeLoader, colons stripped,
  Ruby object tags such as ``!ruby/object:BigDecimal`` read as plain text).

Pure parsing functions take text; ``load_roster``/``load_metadata`` read files.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from grader.errors import SubmissionError
from grader.results import Student

__all__ = [
    "Roster",
    "parse_roster",
    "load_roster",
    "parse_submission_metadata",
    "load_metadata",
    "METADATA_FILE",
]

METADATA_FILE = "submission_metadata.yml"

_ID_HEADERS = ("sid", "studentid", "id", "studentnumber", "matricule", "sisuserid", "userid")
_NAME_HEADERS = ("name", "studentname", "fullname", "student")
_FIRST_HEADERS = ("firstname", "first", "givenname")
_LAST_HEADERS = ("lastname", "last", "surname", "familyname")
_EMAIL_HEADERS = ("email", "emailaddress", "mail", "sisloginid")
_FOLDER_HEADERS = ("folder", "login", "username", "user", "github", "directory", "submission")


def _norm_header(header: str) -> str:
    return re.sub(r"[^a-z0-9]", "", header.lower())


def _pick(headers: dict[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in headers:
            return headers[name]
    return None


@dataclass
class Roster:
    """Students from a roster, indexed by every key a folder may be matched with."""

    students: list[Student] = field(default_factory=list)
    by_key: dict[str, Student] = field(default_factory=dict)
    folder_keys: dict[str, str] = field(default_factory=dict)  # student id -> folder/login
    problems: list[str] = field(default_factory=list)  # rows skipped, ids given twice (for the TA)

    def match(self, folder_name: str, email: str = "") -> Student | None:
        """The roster entry for a folder name (or an email), or None."""
        for key in (folder_name, email):
            if key and key.strip().lower() in self.by_key:
                return self.by_key[key.strip().lower()]
        return None


def parse_roster(text: str, filename: str = "roster.csv") -> Roster:
    """Parse a roster CSV. Raises SubmissionError when no id column can be found, when a
    field is too large, or when a quote is never closed (every later row would be lost);
    rows without an id and ids given twice are kept in ``Roster.problems``."""
    text = text.lstrip("\ufeff")
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as exc:
        raise SubmissionError(f"{filename}:1: not a readable CSV header ({exc})") from None
    headers = {_norm_header(h): h for h in fieldnames if h}
    id_col = _pick(headers, _ID_HEADERS)
    email_col = _pick(headers, _EMAIL_HEADERS)
    if id_col is None and email_col is None:
        shown = ", ".join(h[:40] for h in fieldnames[:20])
        raise SubmissionError(
            f"{filename}: no student id column (looked for SID, Student ID, id, Email); "
            f"found {shown or 'no header'}"
        )
    name_col = _pick(headers, _NAME_HEADERS)
    first_col, last_col = _pick(headers, _FIRST_HEADERS), _pick(headers, _LAST_HEADERS)
    folder_col = _pick(headers, _FOLDER_HEADERS)
    roster = Roster()
    seen: dict[str, int] = {}
    while True:
        line = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise SubmissionError(f"{filename}:{line}: not readable as CSV ({exc})") from None
        if any(isinstance(value, str) and ("\n" in value or "\r" in value) for value in row.values()):
            raise SubmissionError(
                f"{filename}:{line}: a quote is never closed (a field runs over several lines); "
                "every row after it would be lost"
            )

        def cell(column: str | None, row: dict[str, Any] = row) -> str:
            return str(row.get(column) or "").strip() if column else ""

        email = cell(email_col)
        sid = cell(id_col) or email
        if not sid:
            if any(str(value or "").strip() for value in row.values()):
                roster.problems.append(f"{filename}:{line}: no student id; row skipped")
            continue
        if sid.lower() in seen:
            roster.problems.append(f"{filename}:{line}: student id '{sid[:64]}' also on line {seen[sid.lower()]}; the first row is used")
            continue
        seen[sid.lower()] = line
        name = cell(name_col) or " ".join(part for part in (cell(first_col), cell(last_col)) if part)
        student = Student(id=sid, name=name, email=email)
        roster.students.append(student)
        folder = cell(folder_col)
        if folder:
            roster.folder_keys[sid] = folder
        for key in (sid, email, folder, email.split("@")[0] if "@" in email else ""):
            if key:
                roster.by_key.setdefault(key.lower(), student)
    return roster


def load_roster(path: str | Path) -> Roster:
    """Read a roster CSV file (UTF-8, with or without BOM)."""
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise SubmissionError(f"cannot read roster {path}: {exc}") from exc
    return parse_roster(text, str(path))


# --------------------------------------------------------------------------- Gradescope


class _MetadataLoader(yaml.SafeLoader):
    """SafeLoader that reads unknown (Ruby) tags as plain values instead of failing."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    return None


_MetadataLoader.add_multi_constructor("!", _any_tag)
_MetadataLoader.add_multi_constructor("tag:yaml.org,2002:ruby", _any_tag)


def _strip_colons(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            (str(key).lstrip(":") if isinstance(key, str) else key): _strip_colons(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_strip_colons(item) for item in value]
    return value


def parse_submission_metadata(text: str) -> dict[str, list[Student]]:
    """Map each ``submission_<id>`` folder name to its submitters (first = the student).

    Raises SubmissionError when the text is not YAML or not a mapping.
    """
    loader = _MetadataLoader(text)
    try:
        data = _strip_colons(loader.get_single_data())
    except yaml.YAMLError as exc:
        raise SubmissionError(f"{METADATA_FILE}: not valid YAML: {exc}") from exc
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise SubmissionError(f"{METADATA_FILE}: expected a mapping of submission folders")
    folders: dict[str, list[Student]] = {}
    for folder, entry in data.items():
        submitters = entry.get("submitters") if isinstance(entry, dict) else None
        students = []
        for submitter in submitters if isinstance(submitters, list) else []:
            if not isinstance(submitter, dict):
                continue
            email = str(submitter.get("email") or "").strip()
            sid = str(submitter.get("sid") or "").strip() or email
            if sid:
                students.append(Student(id=sid, name=str(submitter.get("name") or "").strip(), email=email))
        if students:
            folders[str(folder)] = students
    return folders


def load_metadata(submissions_dir: str | Path) -> dict[str, list[Student]]:
    """Read ``submission_metadata.yml`` of an export root; {} when there is none."""
    path = Path(submissions_dir) / METADATA_FILE
    if not path.is_file():
        return {}
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SubmissionError(f"cannot read {path}: {exc}") from exc
    return parse_submission_metadata(text)
