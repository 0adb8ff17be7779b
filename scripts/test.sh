#!/usr/bin/env bash
# The whole test suite: set up, lint (ruff), type-check (mypy), import layers (import-linter), then pytest.
# pytest's "no tests collected" (exit 5) fails like any other non-zero exit.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# The review page's browser test drives the OS's Chromium through Playwright (never
# `playwright install`): install Debian's chromium when it is missing and we are root.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "== apt-get install chromium (browser test)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
    || echo "test.sh: could not install chromium; the browser test fails in CI, skips elsewhere" >&2
fi
echo "== ruff"
.venv/bin/ruff check .
echo "== mypy"
.venv/bin/mypy
echo "== import layers (lint-imports)"
.venv/bin/lint-imports --no-cache
echo "== pytest"
.venv/bin/python -m pytest "$@"
