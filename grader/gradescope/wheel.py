"""A pure-Python wheel of grader, written directly with ``zipfile`` (deterministic).

Why write the wheel ourselves rather than ``pip wheel``: the autograder image must get
grader *without* ``reference/`` (torch) and without tests, and installing must not need a
build backend on the image (Ubuntu 22.04's python3.10 venv ships setuptools 59, too old
for a PEP 621 ``pyproject.toml``) nor network for grader itself. A wheel is a zip with
the package files plus ``*.dist-info`` (METADATA, WHEEL, entry_points.txt, RECORD with
sha256 hashes); ``pip install --no-deps grader-*.whl`` puts grader into the venv's
site-packages and creates the ``grader`` console script. Fixed timestamps and sorted
entries make the same source give byte-identical wheels.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["package_files", "wheel_bytes", "wheel_name", "ZIP_DATE", "zip_entry"]

ZIP_DATE = (2020, 1, 1, 0, 0, 0)  # fixed timestamp of every entry (deterministic zips)
# static/: the report's and the review page's vendored browser files (KaTeX, ...): never used
# in the Gradescope image, and a few hundred KB the zip need not carry.
EXCLUDED_DIRS = {"__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", "static"}
EXCLUDED_SUFFIXES = (".pyc", ".pyo", ".tmp", ".swp", "~")
REQUIRES = ("sympy>=1.12", "mpmath>=1.3", "numpy>=1.24", "pydantic>=2.5", "click>=8.1", "PyYAML>=6.0", "lark>=1.1")


def package_files(package_dir: Path) -> list[tuple[str, Path]]:
    """(archive name, path) of every file of the package, sorted; caches and bytecode skipped."""
    base = package_dir.parent
    found: list[tuple[str, Path]] = []
    for path in package_dir.rglob("*"):
        relative = path.relative_to(base)
        if any(part in EXCLUDED_DIRS or part.startswith(".") for part in relative.parts):
            continue
        if path.is_file() and not path.name.endswith(EXCLUDED_SUFFIXES):
            found.append((relative.as_posix(), path))
    return sorted(found)


def zip_entry(name: str, mode: int = 0o644) -> zipfile.ZipInfo:
    """A ZipInfo with the fixed date and the given unix permissions."""
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = (0o100000 | mode) << 16
    info.create_system = 3  # unix, so the permissions are honoured
    return info


def wheel_name(version: str) -> str:
    return f"grader-{version}-py3-none-any.whl"


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _metadata(version: str, requires: Iterable[str]) -> str:
    lines = [
        "Metadata-Version: 2.1",
        "Name: grader",
        f"Version: {version}",
        "Summary: Autograder for written machine-learning theory homework (grading runtime, no torch).",
        "Requires-Python: >=3.10",
        *(f"Requires-Dist: {requirement}" for requirement in requires),
    ]
    return "\n".join(lines) + "\n"


def wheel_bytes(package_dir: Path, version: str, requires: Iterable[str] = REQUIRES) -> bytes:
    """The bytes of ``grader-<version>-py3-none-any.whl`` for the package at ``package_dir``."""
    dist_info = f"grader-{version}.dist-info"
    entries: list[tuple[str, bytes]] = [(name, path.read_bytes()) for name, path in package_files(package_dir)]
    entries += [
        (f"{dist_info}/METADATA", _metadata(version, requires).encode()),
        (f"{dist_info}/WHEEL", b"Wheel-Version: 1.0\nGenerator: grader.gradescope.wheel\nRoot-Is-Purelib: true\nTag: py3-none-any\n"),
        (f"{dist_info}/entry_points.txt", b"[console_scripts]\ngrader = grader.cli:run\n"),
        (f"{dist_info}/top_level.txt", b"grader\n"),
    ]
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in entries)
    record += f"{dist_info}/RECORD,,\n"
    entries.append((f"{dist_info}/RECORD", record.encode()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            archive.writestr(zip_entry(name), data)
    return buffer.getvalue()
