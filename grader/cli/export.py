"""``grader export``: a graded class for Canvas, Moodle, Gradescope, or as a plain CSV."""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["export_command"]


@click.command("export")
@click.argument("out_dir", metavar="OUT", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["canvas", "moodle", "gradescope", "csv"]), required=True,
              help="canvas: fill the course's gradebook export; moodle: grade import CSV; gradescope: score upload; csv: plain.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The CSV to write.")
@click.option("--lms-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The LMS's own gradebook export to fill (required for canvas; optional for moodle).")
@click.option("--column", help="The assignment column to fill (default: the one naming the assignment).")
def export_command(out_dir: Path, fmt: str, output: Path, lms_file: Path | None, column: str | None) -> None:
    """Export the class graded into OUT for an LMS.

    Graded students that match no row of the LMS file are listed on stderr and written
    to OUTPUT's name + '.unmatched.csv'; they are never dropped silently.
    """
    from grader.errors import GraderError
    from grader.files import write_text_atomic
    from grader.output.exports import export_class, read_class, unmatched_csv

    try:
        graded = read_class(out_dir)
        lms_text = None
        if lms_file is not None:
            try:
                lms_text = lms_file.read_bytes().decode("utf-8")
            except UnicodeDecodeError as exc:
                raise GraderError(f"{lms_file}: not UTF-8 (byte {exc.start}); export it from the LMS as UTF-8") from None
        result = export_class(graded, fmt, lms_text=lms_text, column=column)
    except GraderError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    for problem in graded.problems:
        click.echo(f"warning: {problem}", err=True)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    write_text_atomic(output, result.text)
    matched = len(graded.results) - len(result.unmatched)
    click.echo(f"wrote {output}: {matched} of {len(graded.results)} graded student(s), column {result.column!r}")
    if result.without_result:
        click.echo(f"{len(result.without_result)} LMS row(s) with no graded submission left unchanged", err=True)
    unmatched_path = output.with_name(output.name + ".unmatched.csv")
    if result.unmatched:
        write_text_atomic(unmatched_path, unmatched_csv(result.unmatched))
        click.echo(f"warning: {len(result.unmatched)} graded student(s) match no row of {lms_file}; "
                   f"listed in {unmatched_path}:", err=True)
        for item in result.unmatched:
            student = item.student
            click.echo(f"  {student.id}  {student.name}  {student.email}  (folder {student.folder}, total {item.total:g})", err=True)
    elif unmatched_path.exists():
        unmatched_path.unlink()  # a stale list from an earlier export would mislead
