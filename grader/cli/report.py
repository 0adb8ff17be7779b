"""``grader report``: the class report ``OUT/report.html`` (``grader grade`` writes it too)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["report_command"]


@click.command("report")
@click.argument("out_dir", metavar="OUT", type=click.Path(exists=True, file_okay=False, path_type=Path))
def report_command(out_dir: Path) -> None:
    """Write OUT/report.html: per-part statistics, plots, item analysis, common wrong
    answers, review progress and a page per student (self-contained; opens from a file)."""
    from grader.errors import GraderError
    from grader.files import exclusive_output
    from grader.output.report import write_report

    try:
        with exclusive_output(out_dir):  # never while a grade run (or an import) writes OUT
            target = write_report(out_dir)
    except GraderError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"wrote {target} ({target.stat().st_size / 1024:.0f} KB); open it in a browser")
