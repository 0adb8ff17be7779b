#!/usr/bin/env bash
# The main job on the bundled example: set up, then grade submissions_example/ with every
# rubric in rubrics/ into results/ and print each assignment's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/grader grade rubrics/ submissions_example/ -o results/ "$@"
