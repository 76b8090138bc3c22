#!/usr/bin/env bash
# Keep the backups a small disk can hold, and nothing half-written:
# - scheduled ones: the newest of each of the last BACKUP_KEEP_DAILY days and
#   of each of the last BACKUP_KEEP_WEEKLY ISO weeks;
# - each other kind (manual, before-deploy, before-restore): the newest
#   BACKUP_KEEP_OTHER of that kind;
# - partial files a killed dump left behind, once they are a day old.
# The settings are checked in common.sh: none may be 0, which would delete
# the backup just written.
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

for kind in manual before-deploy before-restore; do
    find "$BACKUP_PATH" -maxdepth 1 -name "podcast-*Z-$kind.dump" -printf '%f\n' | sort -r |
        tail -n +"$(( BACKUP_KEEP_OTHER + 1 ))" |
    while read -r name; do
        rm -f "${BACKUP_PATH:?}/$name"
        log "rotated out $name"
    done
done

find "$BACKUP_PATH" -maxdepth 1 -name '.podcast-*.partial' -mmin +1440 -print -delete |
while read -r name; do
    log "removed the leftover $name"
done
