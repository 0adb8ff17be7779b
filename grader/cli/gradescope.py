"""``grader gradescope``: build the autograder zip, run it on a submission, self-check an image.

Exit codes: ``build`` 0 on success, 1 on a rubric/key error or a failed verification;
``run`` always 0 once results.json is written (the result says what went wrong);
``selfcheck`` 0 when the bundled samples grade as expected, 1 otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["gradescope"]


@click.group()
def gradescope() -> None:
    """Build and run the Gradescope autograder (see docs/gradescope.md)."""


@gradescope.command("build")
@click.argument("rubric_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=Path("autograder.zip"),
              show_default=True, help="Where to write the zip.")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True,
              help="Where the reference implementations run while building the key.")
@click.option("--requirements", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Pinned runtime requirements (default: runtime-requirements.txt of the checkout).")
@click.option("--verify/--no-verify", default=True, show_default=True,
              help="Grade the bundled samples with this environment before finishing.")
@click.option("--time-limit", type=int, default=600, show_default=True, metavar="SECONDS",
              help="The assignment's autograder timeout on Gradescope; grader stops in time to write its results.")
def build(rubric_file: Path, output: Path, device: str, requirements: Path | None, verify: bool, time_limit: int) -> None:
    """Build RUBRIC_FILE's answer key and write the Gradescope autograder zip.

    Prints the zip's contents and the Gradescope outline: the autograder points to set,
    the manual questions to add, the timeout.
    """
    from grader.errors import GraderError
    from grader.gradescope.build import build_autograder, verify_zip

    try:
        report = build_autograder(rubric_file, output, device=device, requirements=requirements, time_limit=time_limit)
    except GraderError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(report.describe(), nl=False)
    if verify:
        ok, text = verify_zip(output)
        click.echo(text, nl=False)
        if not ok:
            click.echo("error: the bundled samples did not grade as expected (see above); fix the rubric's self-tests", err=True)
            sys.exit(1)
    click.echo("upload it as the assignment's 'Autograder configuration: zip file' (Ubuntu 22.04 base image)")


@gradescope.command("run")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("/autograder"),
              show_default=True, help="The /autograder tree (source/, submission/, results/).")
def run(root: Path) -> None:
    """Grade ROOT/submission into ROOT/results/results.json (what run_autograder calls).

    Budgets per answer can be changed with GRADER_CHECK_SECONDS, GRADER_CHECK_MEMORY_MB
    and GRADER_TOTAL_SECONDS.
    """
    from grader.gradescope.run import Paths, budget_from_env, run_autograder, time_limit_of

    run_autograder(root, budget=budget_from_env(time_limit=time_limit_of(Paths(root))))


@gradescope.command("selfcheck")
@click.option("--root", type=click.Path(exists=True, file_okay=False, path_type=Path), default=Path("/autograder"),
              show_default=True, help="The /autograder tree whose source/ holds the unpacked zip.")
def selfcheck(root: Path) -> None:
    """Grade the bundled correct and blank samples (setup.sh runs this at image build)."""
    from grader.gradescope.samples import selfcheck as run_selfcheck

    ok, text = run_selfcheck(root)
    click.echo(text, nl=False)
    sys.exit(0 if ok else 1)
