#!/usr/bin/env bash
# Runs the whole test suite: unit, integration, end-to-end, security and the
# fault suite, against the machine's PostgreSQL and RabbitMQ (started here if
# they are installed but not running).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/venv.sh"
nabo_venv
cd "$NABO_ROOT"
bash scripts/ensure-servers.sh

set +e
python -m pytest tests "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "nabo: pytest collected no tests; that is a failure" >&2
  exit 1
fi
exit "$status"
