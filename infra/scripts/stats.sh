#!/usr/bin/env bash
# Show each running service's CPU and memory use once.
### Usage: make stats
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

ids=$(docker compose ps --quiet)
if [ -z "$ids" ]; then
    echo "Nothing is running."
    exit 0
fi
# shellcheck disable=SC2086 # one argument per container id
docker stats --no-stream --format 'table {{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}' $ids
