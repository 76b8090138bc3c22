#!/usr/bin/env bash
# Take one backup now and print its path: dump to a temporary file, prove it
# can be read back in full with pg_restore, and only then rename it into place
# (a rename is atomic, so a half-written dump never looks like a backup).
# The kind is in the name; rotation (backup-rotate.sh) keeps each kind apart.
### Usage: backup-now.sh                  a scheduled backup (podcast-<time>.dump)
###        backup-now.sh manual           make backup (podcast-<time>-manual.dump)
###        backup-now.sh before-deploy    make redeploy, before it migrates
###        backup-now.sh before-restore   make restore, of the database it replaces
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

kind=${1:-scheduled}
case $kind in
    scheduled) suffix="" ;;
    manual | before-deploy | before-restore) suffix="-$kind" ;;
    *) echo "usage: backup-now.sh [manual|before-deploy|before-restore]" >&2; exit 2 ;;
esac
# One backup at a time: the scheduler and `make backup` may overlap. The lock
# is on the folder itself, so no lock file can end up owned by another user.
exec 9< "$BACKUP_PATH"
flock 9
# Names go by the second: a second backup within the same second waits for
# the next one, rather than replace the first (under the lock, no race).
stamp=$(date -u +%Y%m%dT%H%M%SZ)
while [ -e "$BACKUP_PATH/podcast-$stamp$suffix.dump" ]; do
    sleep 0.2
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
done
final="$BACKUP_PATH/podcast-$stamp$suffix.dump"
# A dump is about as big as the last one (or, the first time, at most the
# database itself): refuse before writing rather than fill the disk.
newest=$(newest_backup)
if [ -n "$newest" ]; then
    estimate=$(($(stat -c %s "$newest") * 5 / 4))
else
    estimate=$(psql --no-align --tuples-only --command 'SELECT pg_database_size(current_database())')
fi
has_room_for "$BACKUP_PATH" "$estimate" || exit 4
partial="$BACKUP_PATH/.podcast-$stamp$suffix.dump.partial"
trap 'rm -f "$partial"' EXIT

# Custom format: compressed, and pg_restore can restore all of it or parts.
pg_dump --format=custom --compress=6 --no-owner --file="$partial"
# Read every block back: a dump that cannot be restored is not a backup.
pg_restore --file=/dev/null "$partial"
chmod 600 "$partial"
ensure_made_here
mv "$partial" "$final"
echo "${final##*/}" >> "$MADE_HERE"
log "wrote $final ($(du -h "$final" | cut -f1))"
backup-rotate.sh

# The copies taken around a deploy or a restore stay on this server: they
# matter for minutes, and the next scheduled backup goes off-site anyway.
if [ "$kind" = scheduled ] || [ "$kind" = manual ]; then
    if ! backup-offsite.sh "$final"; then
        echo "$final"
        exit 3  # the backup is good; only the off-site copy failed (logged)
    fi
fi
echo "$final"
