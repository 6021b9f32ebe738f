#!/usr/bin/env bash
# Runs the whole test suite: unit, integration, end-to-end, security, the
# fault suite and the cluster suite, against the machine's PostgreSQL and
# RabbitMQ (started here if they are installed but not running); the fault and
# cluster suites start servers of their own beside them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/venv.sh"
nabo_venv
cd "$NABO_ROOT"
bash scripts/ensure-servers.sh

run_stage() {  # name, pytest arguments...
  local name="$1"; shift
  echo "== $name"
  set +e
  python -m pytest "$@"
  local status=$?
  set -e
  if [ "$status" -eq 5 ]; then
    echo "nabo: pytest collected no tests in stage '$name'; that is a failure" >&2
    exit 1
  fi
  return "$status"
}

if [ "$#" -gt 0 ]; then
  run_stage "selected tests" "$@"
  exit $?
fi
# the fault suite runs the services as processes and restarts their connections:
# a stage of its own, after the faster tiers
status=0
run_stage "unit, integration, end-to-end and security tiers" tests --ignore=tests/faults --ignore=tests/cluster \
  || status=$?
run_stage "fault suite" tests/faults || status=$?
# three RabbitMQ nodes, a PostgreSQL standby and Redis-shared limits (tests/cluster): a stage of its own
run_stage "cluster suite" tests/cluster || status=$?
exit "$status"
