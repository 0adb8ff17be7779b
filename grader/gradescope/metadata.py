"""``/autograder/submission_metadata.json``, read tolerantly.

Every field is optional: a missing or malformed file (or field) gives an empty value and
a note for the staff log, never an exception. Only what grading uses is kept: who
submitted (the first user is the student; the others are group members), when, and the
assignment's due dates and title.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from grader.results import Student

__all__ = ["SubmissionMeta", "parse_metadata", "read_metadata", "parse_time"]

MAX_METADATA_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class SubmissionMeta:
    """What the autograder uses from ``submission_metadata.json``."""

    submission_id: str = ""
    users: tuple[Student, ...] = ()
    created_at: datetime | None = None
    due_date: datetime | None = None
    late_due_date: datetime | None = None
    title: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def late(self) -> bool | None:
        """True when submitted after the due date (None when either time is unknown)."""
        if self.created_at is None or self.due_date is None:
            return None
        try:
            return self.created_at > self.due_date
        except TypeError:  # naive vs aware
            return None

    def to_extra(self) -> dict[str, Any]:
        """A JSON-ready summary for results.json's ``extra_data``."""
        return {
            "submission_id": self.submission_id,
            "users": [user.id for user in self.users],
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "late": self.late,
        }


def parse_time(value: Any) -> datetime | None:
    """An ISO-8601 time as Gradescope writes it (``2024-01-31T23:59:00.000000-08:00``), else None."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for pattern in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%d %H:%M:%S %z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(text, pattern)
        except ValueError:
            continue
    return None


def _text(value: Any) -> str:
    if value is None or isinstance(value, (dict, list)):
        return ""
    return str(value).strip()


def _user(entry: Any) -> Student | None:
    if not isinstance(entry, dict):
        return None
    email = _text(entry.get("email"))
    sid = _text(entry.get("sid")) or email or _text(entry.get("id"))
    if not sid:
        return None
    return Student(id=sid, name=_text(entry.get("name")), email=email)


def parse_metadata(data: Any) -> SubmissionMeta:
    """Read a parsed ``submission_metadata.json`` document; never raises."""
    notes: list[str] = []
    if not isinstance(data, dict):
        return SubmissionMeta(notes=(f"submission metadata is a {type(data).__name__}, not an object; ignored",))
    raw_users = data.get("users")
    users: list[Student] = []
    if isinstance(raw_users, list):
        for entry in raw_users:
            user = _user(entry)
            if user is not None:
                users.append(user)
    elif raw_users is not None:
        notes.append("submission metadata: 'users' is not a list; ignored")
    assignment = data.get("assignment")
    if not isinstance(assignment, dict):
        if assignment is not None:
            notes.append("submission metadata: 'assignment' is not an object; ignored")
        assignment = {}
    created_at = parse_time(data.get("created_at"))
    if data.get("created_at") is not None and created_at is None:
        notes.append(f"submission metadata: unreadable created_at {data.get('created_at')!r}")
    return SubmissionMeta(
        submission_id=_text(data.get("id")),
        users=tuple(users),
        created_at=created_at,
        due_date=parse_time(assignment.get("due_date")),
        late_due_date=parse_time(assignment.get("late_due_date")),
        title=_text(assignment.get("title")),
        notes=tuple(notes),
    )


def read_metadata(path: str | Path) -> SubmissionMeta:
    """Read ``submission_metadata.json``; a missing, huge or malformed file gives empty metadata."""
    target = Path(path)
    try:
        if not target.is_file():
            return SubmissionMeta(notes=(f"no {target.name}",))
        if target.stat().st_size > MAX_METADATA_BYTES:
            return SubmissionMeta(notes=(f"{target.name} is too large; ignored",))
        data = json.loads(target.read_text(encoding="utf-8", errors="replace"))
    except (OSError, ValueError, RecursionError) as exc:
        return SubmissionMeta(notes=(f"{target.name} could not be read ({type(exc).__name__}); ignored",))
    return parse_metadata(data)
