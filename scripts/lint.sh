#!/usr/bin/env bash
# Lints the tree: pyflakes, import order and a line length of 110 (ruff), and
# the import layers of pyproject.toml (import-linter).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/venv.sh"
nabo_venv
cd "$NABO_ROOT"
ruff check .
lint-imports
