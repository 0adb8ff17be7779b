#!/usr/bin/env bash
# Gradescope image setup for grader (written by `grader gradescope build`).
# Gradescope runs it once, as root, with network: `bash /autograder/source/setup.sh`.
#
#   AUTOGRADER_ROOT  the /autograder tree (default /autograder)
#   GRADER_PYTHON    the interpreter the venv is made from (default python3: 3.10 on Ubuntu 22.04)
#   GRADER_SKIP_APT  1: do not apt-get install python3-venv/python3-pip (already there)
#   GRADER_PIP_CACHE 1: let pip use its cache (default: --no-cache-dir, a smaller image)
#
# The system python's site-packages are never touched: everything goes into
# $AUTOGRADER_ROOT/venv. It ends by grading the bundled correct and blank submissions,
# so that a broken image fails the build instead of the students.
set -euo pipefail

AUTOGRADER_ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$AUTOGRADER_ROOT/source"
VENV="$AUTOGRADER_ROOT/venv"
PYTHON="${GRADER_PYTHON:-python3}"
log() { echo "[setup] $(date +%H:%M:%S) $*"; }

if [ "${GRADER_SKIP_APT:-0}" != "1" ]; then
  log "apt-get install python3 python3-venv python3-pip"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends python3 python3-venv python3-pip
fi

command -v "$PYTHON" >/dev/null 2>&1 || { echo "setup: $PYTHON not found" >&2; exit 1; }
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' \
  || { echo "setup: grader needs Python >= 3.10 ($PYTHON is $("$PYTHON" -V 2>&1))" >&2; exit 1; }
log "python: $("$PYTHON" -c 'import sys; print(sys.executable, sys.version.split()[0])')"

if [ -f "$VENV/pyvenv.cfg" ]; then
  rm -rf "$VENV"
fi
"$PYTHON" -m venv "$VENV"

PIP_ARGS=(--disable-pip-version-check --no-input)
if [ "${GRADER_PIP_CACHE:-0}" != "1" ]; then
  PIP_ARGS+=(--no-cache-dir)
fi
log "pip install the pinned runtime requirements (no torch)"
"$VENV/bin/python" -m pip install "${PIP_ARGS[@]}" --only-binary=:all: -r "$SOURCE/runtime-requirements.txt"
log "pip install grader (pure-python wheel, no reference implementations)"
"$VENV/bin/python" -m pip install "${PIP_ARGS[@]}" --no-deps "$SOURCE"/wheel/grader-*.whl
"$VENV/bin/python" -m pip check

log "self-check: grading the bundled correct and blank submissions"
"$VENV/bin/grader" gradescope selfcheck --root "$AUTOGRADER_ROOT"
log "done: $("$VENV/bin/grader" --version)"
