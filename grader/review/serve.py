"""Run the review page for an output folder: ``grader review OUT``.

When it stops (Ctrl-C, SIGTERM), the outputs (gradebook.csv, summary.json, feedback) are
rendered again from the database, so they carry the session's decisions.

Binds 127.0.0.1 only (port 0: any free port), makes a fresh random token
(``secrets.token_urlsafe``) per run and prints the URL that carries it; uvicorn serves the
Starlette app in this process until Ctrl-C. Nothing is cached between requests: every
page reads the database, so two sessions (two ``grader review`` runs, or two browser tabs)
on one folder see each other's decisions on their next page load.
"""

from __future__ import annotations

import getpass
import secrets
import signal
import socket
import sqlite3
import sys
import webbrowser
from collections.abc import Callable
from pathlib import Path

from grader.errors import GraderError
from grader.review.queries import QueueCache

__all__ = ["serve", "review_url", "HOST"]

HOST = "127.0.0.1"


def review_url(port: int, token: str) -> str:
    return f"http://{HOST}:{port}/?token={token}"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _bind(port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise GraderError(f"cannot listen on {HOST}:{port} ({exc.strerror}); try another --port") from exc
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def serve(
    out_dir: Path,
    port: int = 0,
    open_browser: bool = True,
    who: str | None = None,
    echo: Callable[[str], None] = print,
) -> None:
    """Serve the review page for ``out_dir`` until interrupted."""
    from grader.review.adapter import open_store

    out_dir = Path(out_dir)
    cache = QueueCache()
    # Opened now (a clear message when there is no database) and kept open while serving:
    # requests open and close their own connections, and with this one alive their closes
    # never have to checkpoint the WAL.
    keeper = open_store(out_dir, cache)
    try:
        try:
            keeper.parts()  # compute the queue once, before the first page is asked for
        except sqlite3.Error as exc:
            raise GraderError(f"{out_dir}: cannot read its results database ({exc}); grade the folder again") from exc
        _serve(out_dir, cache, port, open_browser, who, echo)
    finally:
        keeper.close()


def _serve(out_dir: Path, cache: QueueCache, port: int, open_browser: bool, who: str | None,
           echo: Callable[[str], None]) -> None:
    import uvicorn

    from grader.review.adapter import open_store
    from grader.review.app import create_app

    who = who or getpass.getuser() or "reviewer"
    token = secrets.token_urlsafe(32)
    sock = _bind(port)
    url = review_url(sock.getsockname()[1], token)
    app = create_app(lambda: open_store(out_dir, cache), token=token, who=who)
    echo(f"review page for {out_dir} (decisions recorded as {who!r})")
    echo(f"open: {url}")
    echo("press Ctrl-C to stop")
    sys.stdout.flush()
    if open_browser:
        webbrowser.open(url)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", server_header=False)
    server = uvicorn.Server(config)
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        server.run(sockets=[sock])  # uvicorn re-raises the signal that stopped it, once stopped
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        sock.close()
    # The page wrote decisions only: bring the files a course publishes up to date.
    from grader.errors import OutputError
    from grader.files import exclusive_output
    from grader.output.render import render_outputs

    try:
        with exclusive_output(out_dir):  # never while a grade run writes OUT
            summary = render_outputs(out_dir)
    except OutputError as exc:
        echo(f"review page stopped; your decisions are saved in {out_dir}/grades.sqlite, but gradebook.csv, "
             f"summary.json and feedback were not rendered ({exc}): run 'grader review serve {out_dir}' again "
             "and stop it once that run has finished")
        return
    echo(f"review page stopped; gradebook.csv, summary.json and feedback rendered in {out_dir} "
         f"({summary.pending} answer(s) still waiting for a person)")
