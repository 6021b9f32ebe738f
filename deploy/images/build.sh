#!/usr/bin/env bash
# Builds (and with PUSH=1 pushes) one image per nabo component from
# deploy/images/Dockerfile. Needs Docker with BuildKit (default since 23.0).
#
#   REGISTRY=registry.example.com/nabo TAG=1.4.0 deploy/images/build.sh
#   PUSH=1 REGISTRY=... TAG=... deploy/images/build.sh
#   deploy/images/build.sh gateway members      # only some components
#
# Set the same REGISTRY and TAG in the overlay afterwards, e.g.
#   cd deploy/overlays/production && kustomize edit set image nabo/members=$REGISTRY/members:$TAG
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
REGISTRY="${REGISTRY:-nabo}"
TAG="${TAG:-$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || echo dev)}"
PUSH="${PUSH:-0}"
PLATFORM="${PLATFORM:-}"

components=("$@")
if [ "${#components[@]}" -eq 0 ]; then
    components=(members events notifications ideas gateway)
fi

for component in "${components[@]}"; do
    case "$component" in
        members|events|notifications|ideas|gateway) ;;
        *) echo "unknown component: $component" >&2; exit 2 ;;
    esac
    image="$REGISTRY/$component:$TAG"
    echo "==> $image"
    DOCKER_BUILDKIT=1 docker build \
        ${PLATFORM:+--platform "$PLATFORM"} \
        --file "$root/deploy/images/Dockerfile" \
        --target "$component" \
        --tag "$image" \
        "$root"
    if [ "$PUSH" = "1" ]; then
        docker push "$image"
    fi
done
