#!/usr/bin/env bash
# Create .venv (Python >= 3.10, 3.11 preferred) and install grader with pinned dependencies.
# Idempotent: reinstalls only when pyproject.toml, constraints.txt or the extras changed.
#   PYTHON  the interpreter (default: the first of python3.11, python3.12, python3.10, python3)
#   VENV    the virtual environment's folder (default: .venv)
#   EXTRAS  the extras to install (default: dev,reference; the reference extra brings
#           torch, whose pinned CPU build exists for Python 3.11 only: a 3.10 venv uses EXTRAS=dev)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3.12 python3.10 python3; do
    if "$candidate" -c "" >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
  done
fi
[ -n "$PYTHON" ] || { echo "setup: no python3 found; install Python 3.11" >&2; exit 1; }
"$PYTHON" - <<'PY' || { echo "setup: grader needs Python >= 3.10" >&2; exit 1; }
import sys
sys.exit(0 if sys.version_info >= (3, 10) else 1)
PY

VENV="${VENV:-.venv}"
EXTRAS="${EXTRAS:-dev,reference}"
if [ ! -x "$VENV/bin/python" ]; then
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.grader-installed"
want="$( (cat pyproject.toml constraints.txt; echo "$EXTRAS") | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
  # torch is pinned to its CPU build by constraints.txt (an unpinned torch pulls CUDA, GBs).
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    -c constraints.txt -e ".[$EXTRAS]"
  echo "$want" > "$stamp"
fi
# Byte-compile grader's own modules (an editable install leaves them as sources): each
# `grader` command then starts without compiling them, also where PYTHONDONTWRITEBYTECODE
# is set. Only changed files are recompiled; a stale .pyc is never used (mtime check).
"$VENV/bin/python" -m compileall -q grader reference >/dev/null 2>&1 || true
