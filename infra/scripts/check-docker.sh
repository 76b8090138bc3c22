#!/usr/bin/env bash
# Fail early, with what to do, when Docker or Compose v2 is missing or unreachable.
### Usage: run by every make target that uses Docker
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

if ! command -v docker > /dev/null; then
    echo "Docker is not installed: https://docs.docker.com/engine/install/" >&2
    exit 1
fi
if ! docker compose version > /dev/null 2>&1; then
    echo "Docker Compose v2 is missing ('docker compose'): https://docs.docker.com/compose/install/" >&2
    exit 1
fi
if ! docker info > /dev/null 2>&1; then
    echo "Cannot reach the Docker daemon: is it running, and may this user use it?" >&2
    exit 1
fi
