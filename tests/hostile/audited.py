"""Run the ``grader`` CLI with an audit hook that logs every file opened and every folder
listed, by any process of the run (forked workers inherit the hook), to the file named by
``GRADER_AUDIT_LOG``: one ``pid<TAB>event<TAB>absolute path`` line each.

Used by the hostile-submission tests to assert that no path outside a submission is read
and that no symbolic link is ever opened. The log is written with ``os.write`` on a file
descriptor opened before the hook is installed, so logging never triggers the hook.
"""

from __future__ import annotations

import os
import sys


def _install(log_path: str) -> None:
    log_fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    def hook(event: str, args: tuple[object, ...]) -> None:
        if event not in ("open", "os.scandir", "os.listdir") or not args:
            return
        path = args[0]
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not isinstance(path, str):
            return  # a file descriptor
        line = f"{os.getpid()}\t{event}\t{os.path.abspath(path)}\n"
        os.write(log_fd, line.encode("utf-8", "backslashreplace"))

    sys.addaudithook(hook)


if __name__ == "__main__":
    _install(os.environ["GRADER_AUDIT_LOG"])
    from grader.cli import run

    sys.argv[0] = "grader"
    run()
