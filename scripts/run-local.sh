#!/usr/bin/env bash
# Runs the whole system locally: an SMTP sink, the four services and the
# gateway, on SQLite files under .nabo/, against RabbitMQ on localhost; loads
# the demo data through the API (skipped with NABO_DEMO_DATA=0) and prints where
# to start. Ctrl-C stops all.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/venv.sh"
nabo_venv
cd "$NABO_ROOT"

export NABO_DATA_DIR="${NABO_DATA_DIR:-$NABO_ROOT/.nabo}"
export SMTP_HOST="${SMTP_HOST:-127.0.0.1}" SMTP_PORT="${SMTP_PORT:-1025}"
# the demo accounts' passwords are in the docs: the system answers this machine only, unless told otherwise
export HTTP_HOST="${HTTP_HOST:-127.0.0.1}"
# the demo loader writes a few thousand records through the API in one go
export WRITE_RATE_LIMIT="${WRITE_RATE_LIMIT:-100000/minute}"
ADMIN_EMAIL="${NABO_ADMIN_EMAIL:-admin@nabo.local}"
ADMIN_PASSWORD="${NABO_ADMIN_PASSWORD:-nabo-admin-password}"
LOGS="$NABO_DATA_DIR/logs"
mkdir -p "$LOGS"

# a port still held (by an earlier run left behind, say) would answer the readiness checks below for the
# new processes, which fail to bind: the script would report a running system that is the old one
for port in 8000 8001 8002 8003 8004 "$SMTP_PORT" 8025; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "nabo: port $port on 127.0.0.1 is in use (is an earlier 'make run' still running?); stop it and try again"
    exit 1
  fi
done

python -m nabo_common.cli check-broker >/dev/null || exit 1
python -m nabo_common.cli migrate all >/dev/null 2>"$LOGS/migrate.log" || { echo "nabo: migrations failed, see $LOGS/migrate.log"; exit 1; }
python -m services.members.bootstrap --email "$ADMIN_EMAIL" --password "$ADMIN_PASSWORD" 2>/dev/null

pids=()
stop_all() {
  trap - INT TERM EXIT
  echo; echo "nabo: stopping"
  kill "${pids[@]}" 2>/dev/null || true
  # one that has not stopped within 10 s is killed: Ctrl-C never leaves the terminal waiting
  for _ in $(seq 1 50); do
    local alive=0 pid
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  kill -9 "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
# a signal ends the script here: without the exit, the wait below returned and reported a process exiting
trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap stop_all EXIT

start() {  # name, command...
  local name="$1"; shift
  "$@" >"$LOGS/$name.log" 2>&1 &
  pids+=("$!")
}
start smtp-sink python scripts/smtp_sink.py
for component in members events notifications ideas gateway; do
  start "$component" python -m nabo_common.cli serve "$component"
done

wait_ready() {  # name, url
  for _ in $(seq 1 120); do
    if python - "$2" <<'PY' 2>/dev/null; then return 0; fi
import sys, urllib.request
sys.exit(0 if urllib.request.urlopen(sys.argv[1], timeout=2).status == 200 else 1)
PY
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null || { echo "nabo: a process stopped at start; see $LOGS/"; tail -n 5 "$LOGS"/*.log; exit 1; }; done
    sleep 0.5
  done
  echo "nabo: $1 did not become ready; see $LOGS/$1.log"; exit 1
}
wait_ready members http://127.0.0.1:8001/health/ready
wait_ready events http://127.0.0.1:8002/health/ready
wait_ready notifications http://127.0.0.1:8003/health/ready
wait_ready ideas http://127.0.0.1:8004/health/ready
wait_ready gateway http://127.0.0.1:8000/health/ready

if [ "${NABO_DEMO_DATA:-1}" != "0" ] && [ -f scripts/demo_data.py ]; then
  echo "nabo: loading demo data through the API"
  python scripts/demo_data.py --base-url http://127.0.0.1:8000 --admin-email "$ADMIN_EMAIL" --admin-password "$ADMIN_PASSWORD" \
    || echo "nabo: demo data did not load completely; the system runs anyway"
  # the dormant demo networks were quiet long before today
  python -m services.members.demo_history --association destination-sjoland >/dev/null \
    || echo "nabo: the dormant demo networks keep today's dates"
  # one unanswered meeting request runs out, as one left too long would (the events timer expires it)
  python -m services.events.demo_history --expire-request "Wärmepumpen für Ferienhäuser?" >/dev/null \
    || echo "nabo: the demo's meeting requests stay pending"
fi

cat <<TXT

nabo is running.
  API:        http://127.0.0.1:8000/v1   (API page: http://127.0.0.1:8000/v1/docs)
  Mail sink:  http://127.0.0.1:8025/     (every e-mail the system sends)
  Logs:       $LOGS/
  Platform admin: $ADMIN_EMAIL / $ADMIN_PASSWORD

Try:
  curl -s -X POST http://127.0.0.1:8000/v1/auth/token -H 'Content-Type: application/json' \\
       -d '{"email": "$ADMIN_EMAIL", "password": "$ADMIN_PASSWORD"}'
  curl -s http://127.0.0.1:8000/v1/networks

Press Ctrl-C to stop.
TXT
wait -n "${pids[@]}" || true
echo "nabo: a process exited; see $LOGS/"
exit 1
