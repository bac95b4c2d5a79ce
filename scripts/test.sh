#!/usr/bin/env bash
# Set up (first time only), then run shellcheck, ruff, the layer contracts, mypy and the whole
# test suite (slow tests included; `-m "not slow"` as an argument skips them locally).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
shellcheck scripts/*.sh packaging/*.sh .ci/run
.venv/bin/ruff check .
.venv/bin/lint-imports
.venv/bin/mypy  # files and strictness: [tool.mypy] in pyproject.toml
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
