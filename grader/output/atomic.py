"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Write to a temporary file in the same directory, flush and fsync it, then ``os.replace``
it over the target (atomic on POSIX and Windows within one file system). A crash in
between leaves at most a ``.<name>.*.tmp`` file, which ``clean_temp_files`` removes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEMP_SUFFIX = ".tmp"

__all__ = ["write_bytes_atomic", "write_text_atomic", "clean_temp_files", "TEMP_SUFFIX"]


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file, fsync, os.replace)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp_name, target)
    except BaseException:
        try:
            os.unlink(temp_name)
        except OSError:
            pass
        raise


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write UTF-8 text with ``\\n`` line endings atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


def clean_temp_files(directory: str | Path) -> int:
    """Remove temp files a killed run left in ``directory``; returns how many."""
    removed = 0
    folder = Path(directory)
    if not folder.is_dir():
        return 0
    for leftover in folder.glob(f".*{TEMP_SUFFIX}"):
        try:
            leftover.unlink()
            removed += 1
        except OSError:
            pass
    return removed
