#!/usr/bin/env bash
# Healthy while the newest backup is younger than the interval plus a grace
# period (a backup takes time, and the scheduler checks once a minute).
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

grace=$(( BACKUP_INTERVAL_SECONDS / 10 > 120 ? BACKUP_INTERVAL_SECONDS / 10 : 120 ))
newest=$(newest_backup)
if [ -z "$newest" ]; then
    echo "no backup in $BACKUP_PATH yet"
    exit 1
fi
age=$(( $(date +%s) - $(stat -c %Y "$newest") ))
if [ "$age" -gt $(( BACKUP_INTERVAL_SECONDS + grace )) ]; then
    echo "newest backup $newest is ${age}s old (limit $(( BACKUP_INTERVAL_SECONDS + grace ))s)"
    exit 1
fi
echo "newest backup $newest is ${age}s old"
