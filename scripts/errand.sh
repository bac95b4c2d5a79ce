#!/usr/bin/env bash
# Set up (first time only) and run Errand. With no arguments: the window when
# there is a screen, otherwise a guided run of a recipe on sample photos.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/errand "$@"
