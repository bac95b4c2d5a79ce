#!/usr/bin/env bash
# Set up (first time only) and run Errand. With no arguments: the window when
# there is a screen, otherwise a guided run of a recipe on a copy of sample photos.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ $# -eq 0 ]; then
  if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] || [ "$(uname)" = Darwin ]; then
    set -- app
  else
    set -- try
  fi
fi
exec .venv/bin/errand "$@"
