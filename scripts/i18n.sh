#!/usr/bin/env bash
# Translators' commands. extract: collect the server's texts into nabo.pot and bring every language's
# catalogue up to date with it (new entries empty, changed ones fuzzy); check: list what is untranslated.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/venv.sh"
nabo_venv
cd "$NABO_ROOT"
LOCALE=nabo_common/i18n/locale
case "${1:-}" in
  extract)
    pybabel extract -F babel.cfg --no-location --sort-output --omit-header -o "$LOCALE/nabo.pot" \
      gateway services nabo_common contracts
    pybabel update -i "$LOCALE/nabo.pot" -d "$LOCALE" -D nabo --no-wrap --ignore-obsolete
    # English is the source language: its catalogue says each message as it is written
    python -m nabo_common.i18n.english "$LOCALE/nabo.pot" "$LOCALE/en/LC_MESSAGES/nabo.po"
    ;;
  check)
    python -m nabo_common.i18n.check
    ;;
  *)
    echo "usage: $0 extract|check" >&2
    exit 2
    ;;
esac
