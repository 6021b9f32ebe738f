# Sourced by the run and test scripts: a project virtualenv with the pinned
# dependencies, created or refreshed when requirements change.
NABO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NABO_VENV="${NABO_VENV:-$NABO_ROOT/.venv}"
NABO_PYTHON_BIN="${PYTHON:-python3}"

nabo_venv() {
  if ! "$NABO_PYTHON_BIN" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
    echo "nabo: Python 3.11 or newer is needed (found: $("$NABO_PYTHON_BIN" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
    exit 1
  fi
  local stamp="$NABO_VENV/.requirements.sha"
  local want
  want="$(cat "$NABO_ROOT/requirements.txt" "$NABO_ROOT/requirements-dev.txt" | sha256sum | cut -d' ' -f1)"
  if [ ! -x "$NABO_VENV/bin/python" ]; then
    echo "nabo: creating the virtualenv in $NABO_VENV"
    "$NABO_PYTHON_BIN" -m venv "$NABO_VENV"
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "nabo: installing pinned dependencies (first run takes a minute)"
    local log="$NABO_VENV/pip-install.log"
    if ! { "$NABO_VENV/bin/python" -m pip install --disable-pip-version-check --upgrade pip &&
           "$NABO_VENV/bin/python" -m pip install --disable-pip-version-check -r "$NABO_ROOT/requirements-dev.txt"; } >"$log" 2>&1; then
      tail -n 20 "$log" >&2
      echo "nabo: installing dependencies failed; the whole log is in $log" >&2
      exit 1
    fi
    echo "$want" > "$stamp"
  fi
  export PATH="$NABO_VENV/bin:$PATH"
  # eventlet announces its own deprecation on every start; nameko 2.14 needs it all the same
  export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore::DeprecationWarning}"
  export PYTHONPATH="$NABO_ROOT${PYTHONPATH:+:$PYTHONPATH}"
}
