#!/usr/bin/env bash
# Keep the newest scheduled backup of each of the last BACKUP_KEEP_DAILY days
# and of each of the last BACKUP_KEEP_WEEKLY ISO weeks; delete the other
# scheduled ones. Manual backups (*-manual.dump) are never touched.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

declare -A kept_days=() kept_weeks=()
# Names sort by time (podcast-YYYYMMDDTHHMMSSZ.dump): newest first.
find "$BACKUP_PATH" -maxdepth 1 -name 'podcast-*Z.dump' -printf '%f\n' | sort -r |
while read -r name; do
    day=${name:8:8}
    week=$(date -u -d "$day" +%G-W%V)
    keep=no
    if [ -z "${kept_days[$day]:-}" ] && [ "${#kept_days[@]}" -lt "$BACKUP_KEEP_DAILY" ]; then
        kept_days[$day]=1
        keep=yes
    fi
    if [ -z "${kept_weeks[$week]:-}" ] && [ "${#kept_weeks[@]}" -lt "$BACKUP_KEEP_WEEKLY" ]; then
        kept_weeks[$week]=1
        keep=yes
    fi
    if [ "$keep" = no ]; then
        rm -f "${BACKUP_PATH:?}/$name"
        log "rotated out $name"
    fi
done
