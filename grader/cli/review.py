"""``grader review``: decisions for what needs a person (export/import CSV, suggest rules).

``grader review OUT [...]`` (no subcommand) runs the ``serve`` subcommand: the review page,
which registers itself on this group. Exit codes: 0 on success, 1 when a CSV is rejected
(nothing applied) or OUT has no results database, 2 on a usage error.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from grader.errors import GraderError

__all__ = ["review"]

OUT_DIR = click.Path(exists=True, file_okay=False, path_type=Path)


def _fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


class ReviewGroup(click.Group):
    """``grader review OUT`` means ``grader review serve OUT`` (the review page)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and not args[0].startswith("-") and args[0] not in self.commands:
            args = ["serve", *args]
        return super().parse_args(ctx, args)


@click.group(cls=ReviewGroup)
def review() -> None:
    """Review what needs a person: `grader review OUT` opens the review page;
    export/import a decisions CSV; suggest mistake rules from decisions."""


@review.command("serve")
@click.argument("out_dir", type=OUT_DIR)
@click.option("--port", type=click.IntRange(min=0, max=65535), default=0, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--no-browser", is_flag=True, help="Print the URL only; do not open a browser.")
@click.option("--who", default=None, help="Name recorded with each decision (default: your user name).")
def serve_command(out_dir: Path, port: int, no_browser: bool, who: str | None) -> None:
    """Serve the review page for OUT (a `grader grade` output folder) on 127.0.0.1.

    The printed URL carries a random token; requests without it are refused. Each
    decision is saved to OUT/grades.sqlite at once; when the page is stopped (Ctrl-C),
    gradebook.csv, summary.json and the feedback are rendered again with the decisions.
    """
    from grader.review.serve import serve

    try:
        serve(out_dir, port=port, open_browser=not no_browser, who=who, echo=click.echo)
    except GraderError as exc:
        _fail(str(exc))


@review.command("export")
@click.argument("out_dir", type=OUT_DIR)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The CSV to write (one row per open answer group).")
@click.option("--per-student", is_flag=True, help="One row per student and part instead of per answer group.")
@click.option("--all", "include_decided", is_flag=True, help="Include groups already decided (to revise them).")
def export_command(out_dir: Path, output: Path, per_student: bool, include_decided: bool) -> None:
    """Write the answers of OUT that wait for a person to a CSV: fill `score` (points,
    0..max_points) and `comment`, then `grader review import`."""
    from grader.review.decisions import export_decisions

    try:
        count = export_decisions(out_dir, output, per_student=per_student, include_decided=include_decided)
    except GraderError as exc:
        _fail(str(exc))
    click.echo(f"wrote {output}: {count} row(s) to decide")


@review.command("import")
@click.argument("out_dir", type=OUT_DIR)
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--who", default=None, help="Who decided (default: $USER).")
def import_command(out_dir: Path, csv_file: Path, who: str | None) -> None:
    """Record the scores of CSV_FILE (from `grader review export`) in OUT, all or none,
    then re-render gradebook.csv, summary.json and the feedback concerned."""
    from grader.files import exclusive_output
    from grader.output.render import render_outputs
    from grader.review.decisions import import_decisions

    try:
        with exclusive_output(out_dir):  # never while a grade run writes OUT
            count = import_decisions(out_dir, csv_file, who=who or os.environ.get("USER", "") or "csv")
            summary: Any = render_outputs(out_dir)
    except GraderError as exc:
        _fail(str(exc))
    click.echo(f"recorded {count} decision(s) from {csv_file}; {summary.pending} answer(s) still waiting for a person")
    if (out_dir / "report.html").is_file():
        click.echo(f"gradebook, summary and feedback updated; refresh the class report with: grader report {out_dir}")


@review.command("suggest")
@click.argument("out_dir", type=OUT_DIR)
def suggest_command(out_dir: Path) -> None:
    """Print YAML mistake rules and self-tests learnt from the decided groups of OUT."""
    from grader.grading.db import ResultsDB
    from grader.review.suggest import suggest_rules

    try:
        with ResultsDB.open(out_dir, create=False) as db:
            text = suggest_rules(db)
    except GraderError as exc:
        _fail(str(exc))
    click.echo(text, nl=False)
