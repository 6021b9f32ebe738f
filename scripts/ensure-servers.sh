#!/usr/bin/env bash
# Makes sure PostgreSQL, RabbitMQ and Redis answer on localhost, starting the
# machine's own servers when they are installed but stopped.
set -euo pipefail

port_open() { python3 -c "import socket,sys; s=socket.socket(); s.settimeout(1); sys.exit(s.connect_ex(('127.0.0.1', $1)))"; }

wait_port() {  # port, name, seconds
  for _ in $(seq 1 "$3"); do port_open "$1" && return 0; sleep 1; done
  echo "nabo: $2 is not answering on 127.0.0.1:$1" >&2; return 1
}

if ! port_open 5432; then
  if command -v pg_ctlcluster >/dev/null; then
    echo "nabo: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
  wait_port 5432 PostgreSQL 60
fi
if ! port_open 5672; then
  if command -v rabbitmq-server >/dev/null; then
    echo "nabo: starting RabbitMQ"
    rabbitmq-server -detached || true
  fi
  wait_port 5672 RabbitMQ 120
fi
# RabbitMQ accepts TCP a little before it accepts AMQP logins
for _ in $(seq 1 60); do
  if command -v rabbitmqctl >/dev/null && rabbitmqctl -q status >/dev/null 2>&1; then break; fi
  command -v rabbitmqctl >/dev/null || break
  sleep 1
done
# the Idempotency-Key store's Redis tests (the gateway itself needs Redis only when configured)
if ! port_open 6379 && command -v redis-server >/dev/null; then
  echo "nabo: starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 || true
  wait_port 6379 Redis 30
fi
