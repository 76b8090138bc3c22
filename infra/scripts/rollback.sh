#!/usr/bin/env bash
# Go back to the version that ran before this one, in seconds: its images are
# still here (make redeploy keeps them), so nothing is built, and web is
# swapped as in a redeploy, without failing a request. The database stays as
# it is: the migrations of the newer version stay applied (which the older
# code tolerates: expand/contract); to undo data changes too, restore the
# before-deploy backup (docs/operations.md).
### Usage: make rollback
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=releases.sh
. "$(dirname "$0")/releases.sh"
lock_operations rollback

current=$(tail -n 1 "$VERSIONS_FILE" 2> /dev/null || true)
APP_VERSION=$(previous_version)
if [ -z "$APP_VERSION" ]; then
    echo "No earlier version is recorded in $VERSIONS_FILE: nothing to roll back to." >&2
    exit 1
fi
for service in "${SERVICES_WITH_IMAGES[@]}"; do
    if ! docker image inspect "$COMPOSE_PROJECT_NAME-$service:$APP_VERSION" > /dev/null 2>&1; then
        echo "The images of $APP_VERSION are gone ($COMPOSE_PROJECT_NAME-$service:$APP_VERSION); check it out and make redeploy instead." >&2
        exit 1
    fi
done
export APP_VERSION
say "rolling back from $current to $APP_VERSION"
swap_web
replace_changed_services
record_version
echo "$APP_VERSION $current" > "$ROLLBACK_FILE"
echo "Now serving version $APP_VERSION again."
"$(dirname "$0")/url.sh"
