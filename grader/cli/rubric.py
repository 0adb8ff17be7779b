"""``grader rubric``: author and validate rubric YAML files (library: ``grader.authoring``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

__all__ = ["rubric"]


def _fail(message: str, code: int = 1) -> None:
    click.echo(message, err=True)
    sys.exit(code)



@click.group()
def rubric() -> None:
    """Author and validate rubric YAML files."""


@rubric.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--shallow", is_flag=True, help="Schema only: skip parsing expressions and comparing mistake rules.")
def rubric_check(files: tuple[Path, ...], shallow: bool) -> None:
    """Validate rubric FILES: schema, then semantics. Exit 0 when all are valid, 1 otherwise.

    Every problem names file:line:column and the path inside the document.
    """
    from grader.authoring.check import check_files

    report, ok = check_files(list(files), deep=not shallow)
    click.echo(report, nl=False)
    sys.exit(0 if ok else 1)


@rubric.command("schema")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of stdout.")
def rubric_schema(output: Path | None) -> None:
    """Print the JSON Schema of rubric files (for editor completion)."""
    from grader.rubric.schema import rubric_json_schema_text

    text = rubric_json_schema_text()
    if output is None:
        click.echo(text, nl=False)
    else:
        from grader.files import write_text_atomic

        write_text_atomic(output, text)
        click.echo(f"wrote {output}")


@rubric.command("new")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write to this file instead of stdout.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def rubric_new(output: Path | None, force: bool) -> None:
    """Write a commented starter rubric that shows every answer kind."""
    from grader.rubric.starter import starter_text

    text = starter_text()
    if output is None:
        click.echo(text, nl=False)
        return
    if output.exists() and not force:
        _fail(f"{output} exists; use --force to overwrite it", 2)
    from grader.files import write_text_atomic

    write_text_atomic(output, text)
    click.echo(f"wrote {output}; next: grader rubric check {output}")


@rubric.command("test")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path), help="Use this answer key (one rubric only) instead of building it.")
@click.option("-v", "--verbose", is_flag=True, help="List passing tests too.")
def rubric_test(files: tuple[Path, ...], key_path: Path | None, verbose: bool) -> None:
    """Run the self-tests of rubric FILES (sample answers with their expected scores)."""
    from grader.authoring.check import test_files

    if key_path is not None and len(files) != 1:
        _fail("--key works with exactly one rubric", 2)
    report, ok = test_files(list(files), key_path=key_path, verbose=verbose)
    click.echo(report, nl=False)
    sys.exit(0 if ok else 1)
