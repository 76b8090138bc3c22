#!/usr/bin/env bash
# The backup service's main process: back up whenever the newest backup is
# older than BACKUP_INTERVAL_SECONDS, checking once a minute (or more often for
# short test intervals). A restart does not cause an extra backup, and a failed
# one is retried on the next check instead of waiting a whole interval.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

check_every=$(( BACKUP_INTERVAL_SECONDS < 120 ? BACKUP_INTERVAL_SECONDS / 2 + 1 : 60 ))
log "every ${BACKUP_INTERVAL_SECONDS}s into $BACKUP_PATH, keeping $BACKUP_KEEP_DAILY daily and $BACKUP_KEEP_WEEKLY weekly"
# Stop at once on `docker compose stop`, even while sleeping.
trap 'exit 0' TERM INT

while true; do
    newest=$(newest_backup)
    age=$(( $(date +%s) - $( [ -n "$newest" ] && stat -c %Y "$newest" || echo 0 ) ))
    if [ "$age" -ge "$BACKUP_INTERVAL_SECONDS" ]; then
        status=0
        backup-now.sh > /dev/null || status=$?
        # 3: the backup is good, only the off-site copy failed (logged already).
        if [ "$status" != 0 ] && [ "$status" != 3 ]; then
            log "backup FAILED; retrying in ${check_every}s"
        fi
    fi
    sleep "$check_every" &
    wait $!
done
