"""The ``grader`` command line. Each command maps its arguments to one library call.

Commands are imported lazily so that ``grader --help`` and grading never import what
they do not need (torch above all).
"""

from __future__ import annotations

import importlib
import os
import sys

# numpy's OpenBLAS starts a thread per core in every process, and idle ones spin waiting for
# work; grading multiplies small matrices in several worker processes: one thread each
# (set before anything imports numpy; a value in the environment wins).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click

from grader import __version__

# name -> ("module:attribute" of a click command loaded on first use, one-line help)
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "rubric": ("grader.cli.rubric:rubric", "Author and validate rubric YAML files."),
    "key": ("grader.cli.key:key", "Build and inspect answer keys."),
    "compare": ("grader.cli.compare:compare", "Check one answer (or a JSONL batch) and show how it was read."),
    "grade": ("grader.cli.grade:grade_command", "Grade a folder of submissions: gradebook, feedback, summary."),
    "template": ("grader.cli.grade:template", "Write a blank answers file or LaTeX template."),
    "extract": ("grader.cli.grade:extract", "Show the answers found in a submission and how they read."),
    "gradescope": ("grader.cli.gradescope:gradescope", "Build and run the Gradescope autograder."),
    "report": ("grader.cli.report:report_command", "Write the class report OUT/report.html (plots, item analysis, students)."),
    "export": ("grader.cli.export:export_command", "Export a graded class for Canvas, Moodle, Gradescope or as a CSV."),
    "review": ("grader.cli.review:review", "Review what needs a person: review page, decisions CSV, rule suggestions."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported only when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in LAZY_COMMANDS:
            return command
        target = LAZY_COMMANDS[cmd_name][0]
        module_name, attribute = target.split(":")
        loaded = getattr(importlib.import_module(module_name), attribute)
        if not isinstance(loaded, click.Command):
            raise TypeError(f"{target} is not a click command")
        return loaded

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List commands from the static table, so --help imports nothing heavy."""
        rows = [(name, LAZY_COMMANDS[name][1]) for name in self.list_commands(ctx) if name in LAZY_COMMANDS]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="grader")
def main() -> None:
    """grader: grade written machine-learning theory homework.

    \b
    Typical session:
      grader rubric check rubrics/*.yaml        validate rubrics
      grader rubric test rubrics/*.yaml         run the rubrics' self-tests
      grader key build rubrics/hw.yaml          freeze the answer key (torch)
      grader grade rubrics/hw.yaml subs/ -o out gradebook, feedback, summary
      grader gradescope build rubrics/hw.yaml   autograder zip for Gradescope
    """


def run() -> None:
    """Entry point: run the CLI, reporting grader's own errors without a traceback."""
    from grader.errors import GraderError

    try:
        main(standalone_mode=True)
    except GraderError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    run()
