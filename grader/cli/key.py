"""``grader key``: build and inspect answer keys."""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["key"]



@click.group()
def key() -> None:
    """Build and inspect answer keys (frozen JSON; grading needs no torch)."""


@key.command("build")
@click.argument("rubric_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Key file (default: RUBRIC with .key.json).")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True, help="Where the reference implementations run.")
def key_build(rubric_file: Path, output: Path | None, device: str) -> None:
    """Evaluate the rubric's reference calls and write its answer key."""
    from grader.authoring.check import build_key_file

    written = build_key_file(rubric_file, output, device)
    click.echo(f"wrote {written}")


@key.command("show")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the key JSON.")
def key_show(source: Path, as_json: bool) -> None:
    """Print the answer key of SOURCE (a key .json, or a rubric .yaml to build it from)."""
    from grader.authoring.check import key_for_source

    answer_key = key_for_source(source)
    if as_json:
        click.echo(answer_key.dumps(), nl=False)
    else:
        from grader.key import format_key_table

        click.echo(format_key_table(answer_key), nl=False)


@key.command("refs")
@click.argument("names", nargs=-1)
@click.option("-v", "--verbose", is_flag=True, help="Arguments with types and defaults, result fields for select:, an example.")
def key_refs(names: tuple[str, ...], verbose: bool) -> None:
    """List the reference implementations rubrics can call (NAMES: describe just these, verbosely)."""
    from reference import catalog

    chosen = list(names) or catalog.names()
    blocks = [catalog.describe(name, verbose=verbose or bool(names)) for name in chosen]
    click.echo(("\n\n" if verbose or names else "\n").join(blocks))
