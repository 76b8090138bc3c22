#!/usr/bin/env bash
# Stop the site and delete its volumes: the database and Caddy's certificates.
# Backups (in $BACKUP_DIR) and secrets (in $SECRETS_DIR) stay.
### Usage: make clean [FORCE=1]
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

if ! confirm "Delete the database and certificates of '$COMPOSE_PROJECT_NAME'?"; then
    echo "Nothing deleted."
    exit 1
fi
docker compose down --volumes --remove-orphans
