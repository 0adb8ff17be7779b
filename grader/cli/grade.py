"""Click commands ``grade``, ``template`` and ``extract``; each maps arguments to one library call.

Exit codes: 0 when the work completed (even if students scored 0), 1 on a rubric or
answer-key error, 2 on a usage error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from grader.errors import GraderError

__all__ = ["grade_command", "template", "extract"]


def _fail(message: str, code: int = 1) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


# --------------------------------------------------------------------------- grade


@click.command("grade")
@click.argument("rubric", type=click.Path(exists=True, path_type=Path))
@click.argument("submissions_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("results"),
              show_default=True, help="Output folder (one subfolder per assignment when RUBRIC is a folder).")
@click.option("--key", "key_path", type=click.Path(exists=True, path_type=Path),
              help="Answer key JSON (or a folder of keys). Default: RUBRIC's .key.json if current, else built.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Checking processes.")
@click.option("--roster", "roster_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Roster CSV (SID, Name, Email, folder/login columns) to identify students.")
@click.option("--resume", is_flag=True, help="Skip students whose feedback already matches rubric and submission.")
@click.option("--quiet", is_flag=True, help="No progress bar and no summary table.")
@click.option("--time-limit", type=click.FloatRange(min=0.1), default=None,
              help="Seconds allowed to check one answer (default: the pool's budget).")
@click.option("--chunk-size", type=click.IntRange(min=1), default=None, hidden=True)
def grade_command(
    rubric: Path,
    submissions_dir: Path,
    out_dir: Path,
    key_path: Path | None,
    workers: int,
    roster_path: Path | None,
    resume: bool,
    quiet: bool,
    time_limit: float | None,
    chunk_size: int | None,
) -> None:
    """Grade SUBMISSIONS_DIR (a folder per student) with RUBRIC: gradebook.csv,
    feedback/<id>.json and .md, summary.json.

    RUBRIC may be a folder of rubrics: each grades SUBMISSIONS_DIR/<assignment id>/
    into OUT/<assignment id>/, e.g. `grader grade rubrics/ submissions_example/ -o results/`.
    """
    from grader.grading.pipeline import DEFAULT_CHUNK
    from grader.output.summary import summary_table
    from grader.workflow import grade_paths

    budget: Any = None
    if time_limit is not None:
        from grader.check.pool import Budget

        budget = Budget(seconds=time_limit)
    try:
        runs = grade_paths(
            rubric, submissions_dir, out_dir, key_path=key_path, workers=workers, roster_path=roster_path,
            resume=resume, quiet=quiet, budget=budget, chunk_size=chunk_size or DEFAULT_CHUNK,
        )
    except GraderError as exc:
        _fail(str(exc))
    failed = False
    for run in runs:
        if run.error is not None:
            failed = True
            click.echo(f"error: {run.rubric_path}: {run.error}", err=True)
        elif run.skipped is not None:
            click.echo(f"skipped {run.rubric_path.name}: {run.skipped}", err=True)
        elif run.summary is not None:
            summary = run.summary
            if not quiet:
                click.echo(summary_table(summary))
            resumed = f", {summary.resumed} resumed" if summary.resumed else ""
            click.echo(
                f"{summary.assignment}: graded {summary.graded} students{resumed} "
                f"({summary.unique_checks} distinct answers checked) in {summary.seconds:.1f}s -> {summary.out_dir}"
            )
    if not any(run.summary for run in runs) and not failed:
        click.echo("nothing graded: no rubric had a matching submissions folder", err=True)
    sys.exit(1 if failed else 0)


# --------------------------------------------------------------------------- template


@click.command("template")
@click.argument("rubric", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["yaml", "tex"]), default="yaml", show_default=True,
              help="A blank answers.yaml, or a LaTeX write-up with \\answer tags.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
def template(rubric: Path, fmt: str, output: Path | None) -> None:
    """Write the blank answers file (or LaTeX template) students fill in for RUBRIC."""
    from grader.rubric.load import load_rubric
    from grader.submission.template import tex_template, yaml_template

    try:
        loaded, _ = load_rubric(rubric)
    except GraderError as exc:
        _fail(str(exc))
    text = tex_template(loaded) if fmt == "tex" else yaml_template(loaded)
    if output is None:
        click.echo(text, nl=False)
        return
    from grader.files import write_text_atomic

    write_text_atomic(output, text)
    click.echo(f"wrote {output}", err=True)


# --------------------------------------------------------------------------- extract


@click.command("extract")
@click.argument("submission", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--rubric", "rubric_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The rubric the submission answers.")
@click.option("--roster", "roster_path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Roster CSV to identify the student.")
@click.option("--no-read", is_flag=True, help="Only show the text found, not how it reads.")
def extract(submission: Path, rubric_path: Path, roster_path: Path | None, no_read: bool) -> None:
    """Show the answers found in SUBMISSION (a folder), where, and how each one reads."""
    from grader.output.extraction import render_extraction
    from grader.rubric.load import load_rubric
    from grader.submission.extract import extract as extract_folder
    from grader.submission.identity import load_metadata, load_roster

    try:
        rubric, _ = load_rubric(rubric_path)
        roster = load_roster(roster_path) if roster_path else None
    except GraderError as exc:
        _fail(str(exc))
    try:
        metadata = load_metadata(submission.parent)
    except GraderError:
        metadata = {}
    extraction = extract_folder(submission, rubric, roster=roster, metadata=metadata)
    click.echo(render_extraction(rubric, extraction, read=not no_read), nl=False)
