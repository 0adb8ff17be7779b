"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Write to a temporary file in the same directory, flush and fsync it, then ``os.replace``
it over the target (atomic on POSIX and Windows within one file system). A crash in
between leaves at most a ``.<name>.*.tmp`` file, which ``clean_temp_files`` removes.

Many files at once (a batch's feedback): ``stage_bytes`` writes each temporary file
without syncing it, possibly in several processes, and ``commit_staged`` makes them all
durable with one ``syncfs`` of their file system (Linux; elsewhere an fsync per file)
before moving each over its target. Same guarantee as one fsync per file, without one
journal commit per file (which costs milliseconds each on a real disk, and more when
several processes fsync at once).
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

TEMP_SUFFIX = ".tmp"

__all__ = [
    "write_bytes_atomic",
    "write_text_atomic",
    "stage_bytes",
    "commit_staged",
    "clean_temp_files",
    "TEMP_SUFFIX",
]


def _write_temp(target: Path, data: bytes, sync: bool) -> str:
    """Write ``data`` to a new temporary file beside ``target``; remove it on any failure."""
    fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        _discard(temp_name)
        raise
    return temp_name


def _discard(temp_name: str) -> None:
    try:
        os.unlink(temp_name)
    except OSError:
        pass


def write_bytes_atomic(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temp file, fsync, os.replace)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp_name = _write_temp(target, data, sync=True)
    try:
        os.replace(temp_name, target)
    except BaseException:
        _discard(temp_name)
        raise


def write_text_atomic(path: str | Path, text: str) -> None:
    """Write UTF-8 text with ``\\n`` line endings atomically."""
    write_bytes_atomic(path, text.encode("utf-8"))


def stage_bytes(path: str | Path, data: bytes) -> tuple[str, str]:
    """Write ``data`` to a temporary file beside ``path`` (not synced, not in place yet).

    Returns ``(temporary file, target)`` for ``commit_staged``."""
    target = Path(path)
    return _write_temp(target, data, sync=False), str(target)


def _syncfs(folder: str) -> bool:
    """``syncfs(2)`` on the file system holding ``folder``; False where it is not available."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        syncfs = libc.syncfs
    except (OSError, AttributeError):
        return False
    fd = os.open(folder, os.O_RDONLY)
    try:
        return bool(syncfs(fd) == 0)
    finally:
        os.close(fd)


def commit_staged(staged: Sequence[tuple[str, str]]) -> None:
    """Make staged files durable, then move each over its target, in the given order."""
    if not staged:
        return
    folders = sorted({os.path.dirname(temp) or "." for temp, _ in staged})
    synced = {folder for folder in folders if _syncfs(folder)}
    for temp, _ in staged:
        if (os.path.dirname(temp) or ".") not in synced:
            with open(temp, "rb") as handle:
                os.fsync(handle.fileno())
    for temp, target in staged:
        os.replace(temp, target)


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
