"""Click group ``grader review``: ``grader review OUT`` serves the review page.

``grader review OUT [--port N] [--no-browser]`` is short for ``grader review serve OUT ...``:
the group runs ``serve`` when its first argument is not one of its subcommands, so other
review subcommands (export, import, suggest) can live beside it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.errors import GraderError

__all__ = ["review", "serve_command"]


class DefaultServeGroup(click.Group):
    """A group whose first argument, when it is not a subcommand, means ``serve``."""

    default_command = "serve"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


@click.group("review", cls=DefaultServeGroup, context_settings={"help_option_names": ["-h", "--help"]})
def review() -> None:
    """Review what needs a person: `grader review OUT` serves the review page.

    \b
      grader review OUT                 open the review page (local, token-protected)
      grader review OUT --no-browser    only print its URL
    """


@review.command("serve")
@click.argument("out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--port", type=click.IntRange(min=0, max=65535), default=0, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--no-browser", is_flag=True, help="Print the URL only; do not open a browser.")
@click.option("--who", default=None, help="Name recorded with each decision (default: your user name).")
def serve_command(out_dir: Path, port: int, no_browser: bool, who: str | None) -> None:
    """Serve the review page for OUT (a `grader grade` output folder) on 127.0.0.1.

    The printed URL carries a random token; requests without it are refused. Each
    decision is saved to OUT/grades.sqlite at once.
    """
    from grader.review.serve import serve

    try:
        serve(out_dir, port=port, open_browser=not no_browser, who=who, echo=click.echo)
    except GraderError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        pass
