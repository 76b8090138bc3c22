#!/usr/bin/env bash
# Take one backup now and print its path: dump to a temporary file, prove it
# can be read back in full with pg_restore, and only then rename it into place
# (a rename is atomic, so a half-written dump never looks like a backup).
#   backup-now.sh            a scheduled backup, subject to rotation
#   backup-now.sh manual     a manual one (make backup), kept until you delete it
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

kind=${1:-scheduled}
# One backup at a time: the scheduler and `make backup` may overlap. The lock
# is on the folder itself, so no lock file can end up owned by another user.
exec 9< "$BACKUP_PATH"
flock 9
stamp=$(date -u +%Y%m%dT%H%M%SZ)
suffix=""
if [ "$kind" = manual ]; then
    suffix="-manual"
fi
final="$BACKUP_PATH/podcast-$stamp$suffix.dump"
partial="$BACKUP_PATH/.podcast-$stamp$suffix.dump.partial"
trap 'rm -f "$partial"' EXIT

# Custom format: compressed, and pg_restore can restore all of it or parts.
pg_dump --format=custom --compress=6 --no-owner --file="$partial"
# Read every block back: a dump that cannot be restored is not a backup.
pg_restore --file=/dev/null "$partial"
chmod 600 "$partial"
mv "$partial" "$final"
log "wrote $final ($(du -h "$final" | cut -f1))"

if [ "$kind" != manual ]; then
    backup-rotate.sh
fi
if [ -n "${BACKUP_OFFSITE_COMMAND:-}" ]; then
    # Runs after every good backup, e.g. `restic backup "$BACKUP_FILE"`. The
    # local backup is good either way; a failing copy is logged and reported.
    if ! BACKUP_FILE="$final" sh -c "$BACKUP_OFFSITE_COMMAND"; then
        log "off-site copy FAILED for $final"
        echo "$final"
        exit 3
    fi
    log "off-site copy done"
fi
echo "$final"
