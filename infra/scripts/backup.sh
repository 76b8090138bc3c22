#!/usr/bin/env bash
# Take a manual backup now (kept until you delete it) and print its file.
### Usage: make backup
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

status=0
# The script prints the path inside the container (/backups/...).
file=$(docker compose exec -T backup backup-now.sh manual) || status=$?
if [ -n "$file" ]; then
    echo "Backup written: $BACKUP_DIR/${file#/backups/}"
fi
exit "$status"
