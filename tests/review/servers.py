"""Start the real ``grader review OUT --no-browser`` in a subprocess and read its URL."""

from __future__ import annotations

import queue
import re
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from support import GRADER, REPO

URL_LINE = re.compile(r"open: (http://127\.0\.0\.1:\d+/\?token=[A-Za-z0-9_\-]+)")


@contextmanager
def review_server(out: Path, *extra: str, timeout: float = 60) -> Iterator[str]:
    """Yield the printed URL (with its token); the server is stopped on exit."""
    process = subprocess.Popen(
        [str(GRADER), "review", str(out), "--no-browser", "--port", "0", *extra],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    try:
        seen = []
        while True:
            try:
                line = lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"grader review printed no URL in {timeout}s: {seen}") from None
            if line is None:
                stderr = process.stderr.read() if process.stderr else ""
                raise AssertionError(f"grader review exited {process.wait()}: {seen} {stderr}")
            seen.append(line)
            match = URL_LINE.search(line)
            if match:
                yield match.group(1)
                return
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
