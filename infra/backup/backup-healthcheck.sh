#!/usr/bin/env bash
# Healthy while the newest scheduled backup is younger than the interval plus a grace
# period (a backup takes time, and the scheduler checks once a minute), and,
# with off-site copies on, while the last copy worked and is as recent.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

grace=$(( BACKUP_INTERVAL_SECONDS / 10 > 120 ? BACKUP_INTERVAL_SECONDS / 10 : 120 ))
limit=$(( BACKUP_INTERVAL_SECONDS + grace ))
newest=$(newest_scheduled_backup)
if [ -z "$newest" ]; then
    echo "no scheduled backup in $BACKUP_PATH yet"
    exit 1
fi
age=$(( $(date +%s) - $(stat -c %Y "$newest") ))
if [ "$age" -gt "$limit" ]; then
    echo "newest scheduled backup $newest is ${age}s old (limit ${limit}s)"
    exit 1
fi
echo "newest scheduled backup $newest is ${age}s old"

if [ -n "${BACKUP_OFFSITE_REPOSITORY:-}" ]; then
    if [ -f "$BACKUP_PATH/.offsite-failed" ]; then
        echo "off-site copy FAILED: $(cat "$BACKUP_PATH/.offsite-failed")"
        exit 1
    fi
    if [ ! -f "$BACKUP_PATH/.offsite-ok" ]; then
        echo "no off-site copy yet"
        exit 1
    fi
    offsite_age=$(( $(date +%s) - $(stat -c %Y "$BACKUP_PATH/.offsite-ok") ))
    if [ "$offsite_age" -gt "$limit" ]; then
        echo "newest off-site copy is ${offsite_age}s old (limit ${limit}s)"
        exit 1
    fi
    echo "newest off-site copy ($(cat "$BACKUP_PATH/.offsite-ok")) is ${offsite_age}s old"
fi
