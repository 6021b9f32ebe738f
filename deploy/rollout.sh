#!/usr/bin/env bash
# Installs or upgrades nabo from an overlay, in the order the system needs:
#   1. everything that is neither a migration nor a server: namespace,
#      config, policies, broker and databases (and, in dev, the broker setup);
#   2. waits until broker and databases are ready;
#   3. replaces and runs the migration Jobs (alembic upgrade head per service)
#      and waits until all of them completed;
#   4. applies the rest (Deployments and friends) and waits for the rollouts.
#
#   deploy/rollout.sh dev
#   deploy/rollout.sh production
#
# Needs kubectl with access to the cluster, the operators' CRDs (production)
# and the Secrets (docs/deploy.md). NAMESPACE must match the overlay (nabo).
set -euo pipefail

overlay="${1:?usage: rollout.sh <overlay>}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KUBECTL="${KUBECTL:-kubectl}"
NAMESPACE="${NAMESPACE:-nabo}"
TIMEOUT="${TIMEOUT:-15m}"
k() { "$KUBECTL" -n "$NAMESPACE" "$@"; }

manifest="$(mktemp)"
trap 'rm -f "$manifest"' EXIT
"$KUBECTL" kustomize "$root/deploy/overlays/$overlay" > "$manifest"

echo "==> 1/4 platform: namespace, config, policies, broker, databases"
"$KUBECTL" apply -f "$manifest" -l 'app.kubernetes.io/component notin (migration,server)'

echo "==> 2/4 waiting for broker and databases"
if grep -q '^kind: RabbitmqCluster' "$manifest"; then
    k wait --for=condition=AllReplicasReady rabbitmqcluster/nabo-rabbitmq --timeout="$TIMEOUT"
    k wait --for=condition=Ready clusters.postgresql.cnpg.io \
        -l app.kubernetes.io/component=database --timeout="$TIMEOUT"
else
    for sts in $(k get statefulset -l app.kubernetes.io/part-of=nabo -o name); do
        k rollout status "$sts" --timeout="$TIMEOUT"
    done
    if k get job nabo-broker-setup >/dev/null 2>&1; then
        k wait --for=condition=complete job/nabo-broker-setup --timeout="$TIMEOUT"
    fi
fi

echo "==> 3/4 database migrations"
# Jobs are immutable: remove the previous run, then start this release's.
k delete job -l app.kubernetes.io/component=migration --ignore-not-found --wait=true
"$KUBECTL" apply -f "$manifest" -l app.kubernetes.io/component=migration
if ! k wait --for=condition=complete job -l app.kubernetes.io/component=migration --timeout="$TIMEOUT"; then
    echo "a migration did not complete; logs:" >&2
    for job in $(k get job -l app.kubernetes.io/component=migration -o name); do
        echo "--- $job" >&2
        k logs "$job" --tail=50 >&2 || true
    done
    exit 1
fi

echo "==> 4/4 rollout"
"$KUBECTL" apply -f "$manifest"
for deploy in $(k get deployment -l app.kubernetes.io/component=server -o name); do
    k rollout status "$deploy" --timeout="$TIMEOUT"
done
echo "nabo is rolled out ($overlay)"
