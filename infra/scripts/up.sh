#!/usr/bin/env bash
# Build and start the whole stack, wait until every service is healthy, note
# the version that runs, and print the address. After make rollback, the
# version it went back to stays (releases.sh, keep_rolled_back_version).
### Usage: make up  (make dev runs it with compose.dev.yaml layered on)
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=releases.sh
. "$(dirname "$0")/releases.sh"
lock_operations up

if keep_rolled_back_version; then
    # Its images are kept; building would tag the checkout's code as that version.
    docker compose up --detach --wait --remove-orphans
else
    docker compose up --build --detach --wait --remove-orphans
    rm -f "$ROLLBACK_FILE"
fi
record_version
"$(dirname "$0")/url.sh"
