#!/usr/bin/env bash
# Import a content folder (content/ unless CONTENT says another) through the
# migrate service, as the schema's owner: it checks every file first, then
# creates or updates rows in one transaction, and never deletes.
### Usage: make import [CONTENT=path/to/folder]
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

folder=${CONTENT:-content}
# Docker would create a missing folder (empty, as root) and import nothing.
if [ ! -d "$folder" ]; then
    echo "$folder is not a folder: CONTENT names the content folder to import" >&2
    exit 1
fi
docker compose run --rm --volume "$(realpath "$folder"):/app/content:ro" \
    migrate podcast-site import-content
