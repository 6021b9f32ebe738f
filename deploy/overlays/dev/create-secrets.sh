#!/usr/bin/env bash
# Creates the Secrets nabo needs, with random values, in namespace $NAMESPACE
# (default nabo). Existing Secrets are left alone, so it is safe to re-run;
# delete a Secret first to regenerate it. Nothing is written to disk.
#
# Works for production too (DEV=0 skips the development broker's admin user),
# though there the Secrets usually come from the organisation's secret store;
# docs/deploy.md lists them. Values are hex, so they are safe inside URIs.
set -euo pipefail

NAMESPACE="${NAMESPACE:-nabo}"
KUBECTL="${KUBECTL:-kubectl}"
DEV="${DEV:-1}"   # 1: also the admin user of the development RabbitMQ

rand() { openssl rand -hex "${1:-24}"; }
kid() { date -u +k%Y%m%d; }

exists() { "$KUBECTL" -n "$NAMESPACE" get secret "$1" >/dev/null 2>&1; }

create() {  # create NAME TYPE --from-literal=... ; skipped when present
    local name="$1" type="$2"; shift 2
    if exists "$name"; then
        echo "kept    secret/$name"
        return
    fi
    "$KUBECTL" -n "$NAMESPACE" create secret generic "$name" --type="$type" "$@" \
        --dry-run=client -o yaml | "$KUBECTL" apply -f - >/dev/null
    echo "created secret/$name"
}

"$KUBECTL" get namespace "$NAMESPACE" >/dev/null 2>&1 || "$KUBECTL" create namespace "$NAMESPACE"

for svc in members events notifications ideas; do
    create "nabo-$svc-db" kubernetes.io/basic-auth \
        --from-literal=username="$svc" --from-literal=password="$(rand)"
done
for component in members events notifications ideas gateway; do
    create "nabo-$component-amqp" kubernetes.io/basic-auth \
        --from-literal=username="$component" --from-literal=password="$(rand)"
done
create nabo-context-keys Opaque --from-literal=keys="$(kid):$(rand 32)"
create nabo-gateway-keys Opaque --from-literal=jwt-keys="$(kid):$(rand 32)"
create nabo-notifications-keys Opaque \
    --from-literal=unsubscribe-keys="$(kid):$(rand 32)" \
    --from-literal=webhook-keys="$(kid):$(rand 32)"
create nabo-ratelimit-redis Opaque --from-literal=password="$(rand)"
if [ "$DEV" = "1" ]; then
    create nabo-rabbitmq-admin kubernetes.io/basic-auth \
        --from-literal=username=admin --from-literal=password="$(rand)"
fi
