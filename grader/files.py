"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Write to a temporary file in the same directory, flush and fsync it, then ``os.replace``
it over the target (atomic on POSIX and Windows within one file system). A crash in
between leaves at most a ``.<name>.*.tmp`` file, which ``clean_temp_files`` removes.
Files get the mode ``open()`` would give them (0666 minus the umask), not mkstemp's 0600.

Many files at once (a batch's feedback): ``stage_bytes`` writes each temporary file
without syncing it, possibly in several processes, and ``commit_staged`` makes them all
durable with one ``syncfs`` of their file system (Linux; elsewhere an fsync per file)
before moving each over its target. Same guarantee as one fsync per file, without one
journal commit per file (which costs milliseconds each on a real disk, and more when
several processes fsync at once).

``exclusive_output(OUT)`` is how a run owns its output folder: it creates OUT, checks it
can be written, and holds an exclusive ``flock`` on ``OUT/.grader.lock`` (holding the
run's pid) until the run ends, so that a second run into the same OUT refuses at once
("another grader is writing to OUT (pid N)") instead of deleting the first run's staged
files. ``output_error`` turns an ``OSError`` met while writing into one line naming the
file and the cause (a full disk, a read-only folder, a file where a folder should be).
"""

from __future__ import annotations

import errno
import os
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from grader.errors import OutputError

TEMP_SUFFIX = ".tmp"

__all__ = [
    "write_bytes_atomic",
    "write_text_atomic",
    "stage_bytes",
    "commit_staged",
    "clean_temp_files",
    "exclusive_output",
    "output_error",
    "LOCK_NAME",
    "TEMP_SUFFIX",
]

LOCK_NAME = ".grader.lock"


def _write_temp(target: Path, data: bytes, sync: bool) -> str:
    """Write ``data`` to a new temporary file beside ``target``; remove it on any failure.
    An OSError names ``target`` (not the temporary file)."""
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=TEMP_SUFFIX, dir=target.parent)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(target)) from exc
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; a file we write honours the umask
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
    except OSError as exc:
        _discard(temp_name)
        raise OSError(exc.errno, exc.strerror, str(target)) from exc
    except BaseException:
        _discard(temp_name)
        raise
    return temp_name


_UMASK: list[int] = []


def _umask() -> int:
    """The process's umask (read once: reading it means setting it, so not per file)."""
    if not _UMASK:
        current = os.umask(0o022)
        os.umask(current)
        _UMASK.append(current)
    return _UMASK[0]


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


def output_error(exc: OSError, what: str = "cannot write") -> OutputError:
    """One line for an OSError met while writing: the file and the cause."""
    cause = exc.strerror or (os.strerror(exc.errno) if exc.errno else type(exc).__name__)
    where = exc.filename if exc.filename is not None else ""
    if exc.errno == errno.ENOSPC:
        cause += " (the disk is full: free some space and run again with --resume)"
    return OutputError(f"{what} {where}: {cause}" if where else f"{what}: {cause}")


def _lock_holder(path: Path) -> str:
    try:
        return path.read_text(encoding="ascii", errors="replace").strip()[:20] or "unknown"
    except OSError:
        return "unknown"


@contextmanager
def exclusive_output(out_dir: str | Path) -> Iterator[Path]:
    """Own ``out_dir`` for the duration of a run (see the module docstring).

    Raises OutputError when the folder cannot be created or written, or when another run
    holds it. The lock file is removed on leaving (a lock taken on a file that was removed
    meanwhile is retaken on the new one, so two runs never both hold OUT)."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise output_error(exc, "cannot use the output folder") from None
    if not out.is_dir():
        raise OutputError(f"cannot use the output folder {out}: it is not a folder")
    lock_path = out / LOCK_NAME
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, only the write check
        fcntl = None  # type: ignore[assignment]
    while True:
        try:
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError as exc:
            raise output_error(exc, "cannot write to the output folder") from None
        if fcntl is None:
            break
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise OutputError(f"another grader is writing to {out} (pid {_lock_holder(lock_path)})") from None
            raise output_error(exc, "cannot lock the output folder") from None
        try:
            same = os.fstat(fd).st_ino == os.stat(lock_path).st_ino
        except OSError:
            same = False
        if same:
            break
        os.close(fd)  # the file was removed by the run that held it: lock the new one
    try:
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        except OSError as exc:
            raise output_error(OSError(exc.errno, exc.strerror, str(lock_path)), "cannot write to the output folder") from None
        yield out
    finally:
        try:
            os.unlink(lock_path)
        except OSError:
            pass
        os.close(fd)
