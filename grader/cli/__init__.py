"""The ``grader`` command line: click commands, one module per group, each a call into the library."""

from grader.cli.main import main, run

__all__ = ["main", "run"]
