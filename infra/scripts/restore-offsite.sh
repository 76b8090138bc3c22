#!/usr/bin/env bash
# For the day the server's own backups are gone too: fetch the newest
# off-site backup (restic, BACKUP_OFFSITE_REPOSITORY) into $BACKUP_DIR, then
# restore it like any other backup (restore.sh: checked, undoable), and
# delete the fetched copy once it is restored.
### Usage: make restore-offsite [FORCE=1]
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

say "fetching the newest off-site backup"
# As the owner: it reads when this database server was created (a file of it).
as_database_owner
fetched=$(docker compose run --rm --no-deps -T "${AS_DATABASE_OWNER[@]}" backup backup-offsite.sh --fetch)
if [ -z "$fetched" ]; then
    echo "The off-site repository has no backup." >&2
    exit 1
fi
fetched=${fetched#/backups/}  # offsite-<time>/<the path it had>/podcast-<time>.dump
file="$BACKUP_DIR/$fetched"
say "fetched $file"
FILE=$file "$(dirname "$0")/restore.sh"
# Restored (and undoable from its before-restore backup): the fetched copy
# has done its job and would otherwise stay on the disk for ever.
rm -rf "${BACKUP_DIR:?}/${fetched%%/*}"
