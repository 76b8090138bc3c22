#!/usr/bin/env bash
# For the day the server's own backups are gone too: fetch the newest
# off-site backup (restic, BACKUP_OFFSITE_REPOSITORY) into $BACKUP_DIR, then
# restore it like any other backup (restore.sh: checked, undoable).
### Usage: make restore-offsite [FORCE=1]
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

say "fetching the newest off-site backup"
fetched=$(docker compose run --rm --no-deps -T backup backup-offsite.sh --fetch)
if [ -z "$fetched" ]; then
    echo "The off-site repository has no backup." >&2
    exit 1
fi
file="$BACKUP_DIR/${fetched#/backups/}"
say "fetched $file"
FILE=$file exec "$(dirname "$0")/restore.sh"
