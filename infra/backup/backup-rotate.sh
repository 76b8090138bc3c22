#!/usr/bin/env bash
# Keep the backups a small disk can hold, and nothing half-written:
# - scheduled ones: the newest of each of the last BACKUP_KEEP_DAILY days and
#   of each of the last BACKUP_KEEP_WEEKLY ISO weeks;
# - each other kind (manual, before-deploy, before-restore): the newest
#   BACKUP_KEEP_OTHER of that kind;
# - partial files a killed dump left behind, once they are a day old.
# Only backups this service wrote (common.sh: .made-here) are ever deleted:
# a dump copied back into the folder to be restored stays until you remove it.
# The settings are checked in common.sh: none may be 0, which would delete
# the backup just written.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

ensure_made_here
# The backups of a kind (a find pattern) that this service wrote, newest first
# (names sort by time: podcast-YYYYMMDDTHHMMSSZ...).
made_here() {
    find "$BACKUP_PATH" -maxdepth 1 -name "$1" -printf '%f\n' | { grep -Fxf "$MADE_HERE" || true; } | sort -r
}

declare -A kept_days=() kept_weeks=()
made_here 'podcast-*Z.dump' |
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
    made_here "podcast-*Z-$kind.dump" | tail -n +"$(( BACKUP_KEEP_OTHER + 1 ))" |
    while read -r name; do
        rm -f "${BACKUP_PATH:?}/$name"
        log "rotated out $name"
    done
done

# Forget what is gone (rotated out, or removed by hand).
find "$BACKUP_PATH" -maxdepth 1 -name 'podcast-*.dump' -printf '%f\n' | grep -Fxf - "$MADE_HERE" \
    > "$MADE_HERE.new" || true
mv "$MADE_HERE.new" "$MADE_HERE"

find "$BACKUP_PATH" -maxdepth 1 -name '.podcast-*.partial' -mmin +1440 -print -delete |
while read -r name; do
    log "removed the leftover $name"
done
