#!/usr/bin/env bash
# Build this checkout's images (as `make up` does) and push them to REGISTRY,
# where every node of the swarm pulls them from. Log in first (docker login).
### Usage: make swarm-push
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=swarm.sh
. "$(dirname "$0")/swarm.sh"
require_registry
# shellcheck source=releases.sh
. "$(dirname "$0")/releases.sh"

say "building version $APP_VERSION"
docker compose build "${SERVICES_WITH_IMAGES[@]}"
for service in "${SERVICES_WITH_IMAGES[@]}"; do
    say "pushing $(registry_image "$service" "$APP_VERSION")"
    docker tag "$STACK-$service:$APP_VERSION" "$(registry_image "$service" "$APP_VERSION")"
    docker push --quiet "$(registry_image "$service" "$APP_VERSION")" > /dev/null
done
echo "Pushed version $APP_VERSION to $REGISTRY: make swarm-deploy releases it."
