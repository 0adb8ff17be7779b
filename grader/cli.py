"""The ``grader`` command line. Each command maps its arguments to one library call.

Commands are imported lazily so that ``grader --help`` and grading never import what
they do not need (torch above all).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import click

from grader import __version__

# name -> ("module:attribute" of a click command loaded on first use, one-line help)
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "rubric": ("grader.cli:rubric", "Author and validate rubric YAML files."),
    "key": ("grader.cli:key", "Build and inspect answer keys."),
    "compare": ("grader.compare:compare", "Check one answer (or a JSONL batch) and show how it was read."),
    "grade": ("grader.grade:grade_command", "Grade a folder of submissions: gradebook, feedback, summary."),
    "template": ("grader.submission.commands:template", "Write a blank answers file or LaTeX template."),
    "extract": ("grader.submission.commands:extract", "Show the answers found in a submission and how they read."),
    "gradescope": ("grader.gradescope.commands:gradescope", "Build and run the Gradescope autograder."),
    "review": ("grader.review.commands:review", "Review what needs a person: review page, decisions CSV, rule suggestions."),
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


def _fail(message: str, code: int = 1) -> None:
    click.echo(message, err=True)
    sys.exit(code)


# --------------------------------------------------------------------------- rubric


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
    from grader.rubric.check import check_files

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
        from grader.output.atomic import write_text_atomic

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
    from grader.output.atomic import write_text_atomic

    write_text_atomic(output, text)
    click.echo(f"wrote {output}; next: grader rubric check {output}")


@rubric.command("test")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--key", "key_path", type=click.Path(dir_okay=False, path_type=Path), help="Use this answer key (one rubric only) instead of building it.")
@click.option("-v", "--verbose", is_flag=True, help="List passing tests too.")
def rubric_test(files: tuple[Path, ...], key_path: Path | None, verbose: bool) -> None:
    """Run the self-tests of rubric FILES (sample answers with their expected scores)."""
    from grader.rubric.check import test_files

    if key_path is not None and len(files) != 1:
        _fail("--key works with exactly one rubric", 2)
    report, ok = test_files(list(files), key_path=key_path, verbose=verbose)
    click.echo(report, nl=False)
    sys.exit(0 if ok else 1)


# --------------------------------------------------------------------------- key


@click.group()
def key() -> None:
    """Build and inspect answer keys (frozen JSON; grading needs no torch)."""


@key.command("build")
@click.argument("rubric_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Key file (default: RUBRIC with .key.json).")
@click.option("--device", type=click.Choice(["cpu", "cuda"]), default="cpu", show_default=True, help="Where the reference implementations run.")
def key_build(rubric_file: Path, output: Path | None, device: str) -> None:
    """Evaluate the rubric's reference calls and write its answer key."""
    from grader.rubric.check import build_key_file

    written = build_key_file(rubric_file, output, device)
    click.echo(f"wrote {written}")


@key.command("show")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the key JSON.")
def key_show(source: Path, as_json: bool) -> None:
    """Print the answer key of SOURCE (a key .json, or a rubric .yaml to build it from)."""
    from grader.rubric.check import key_for_source

    answer_key = key_for_source(source)
    if as_json:
        click.echo(answer_key.dumps(), nl=False)
    else:
        from grader.key import format_key_table

        click.echo(format_key_table(answer_key), nl=False)


@key.command("refs")
def key_refs() -> None:
    """List the reference implementations rubrics can call."""
    from reference import catalog

    for name in catalog.names():
        click.echo(f"{name:28} {catalog.CATALOG[name].summary}")



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
