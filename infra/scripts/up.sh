#!/usr/bin/env bash
# Build and start the whole stack, wait until every service is healthy, note
# the version that runs, and print the address.
### Usage: make up  (make dev runs it with compose.dev.yaml layered on)
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=releases.sh
. "$(dirname "$0")/releases.sh"

docker compose up --build --detach --wait --remove-orphans
record_version
"$(dirname "$0")/url.sh"
