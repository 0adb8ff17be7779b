"""One error hierarchy for problems that are *not* a student's fault.

A student's bad input never raises: it becomes an ``Invalid`` value (see
``grader.parse.values``). These exceptions are for rubric, key and usage bugs, which
must stop the author loudly. Each carries data; ``str()`` renders it for a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class GraderError(Exception):
    """Base class of every error grader raises on purpose."""


@dataclass
class Location:
    """Where in a file something is: 1-based line and column, plus the document path."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    path: str = ""

    def __str__(self) -> str:
        where = self.file or "<rubric>"
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.path}" if self.path else where


@dataclass
class RubricIssue:
    """One problem found in a rubric file."""

    message: str
    location: Location = field(default_factory=Location)
    hint: str | None = None

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class RubricError(GraderError):
    """A rubric file is invalid; ``issues`` lists every problem found."""

    def __init__(self, issues: list[RubricIssue]):
        self.issues = issues
        super().__init__("\n".join(str(issue) for issue in issues))


class AnswerKeyError(GraderError):
    """An answer key is missing, stale or does not match its rubric."""


class ReferenceCallError(GraderError):
    """A reference implementation failed or was called with bad arguments."""


class SubmissionError(GraderError):
    """A submission could not be read at all (reported per student, never fatal)."""


class OutputError(GraderError):
    """The output folder cannot be used: not writable, full, or in use by another run.
    ``str()`` is one line naming the file and the cause."""
