#!/usr/bin/env bash
# The whole test suite: set up, lint (ruff), type-check (mypy), import layers (import-linter), then pytest.
# pytest's "no tests collected" (exit 5) fails like any other non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== ruff"
.venv/bin/ruff check .
echo "== mypy"
.venv/bin/mypy
echo "== import layers (lint-imports)"
.venv/bin/lint-imports --no-cache
echo "== pytest"
.venv/bin/python -m pytest "$@"
