#!/usr/bin/env bash
# The backup service's main process: back up whenever the newest scheduled
# backup is older than BACKUP_INTERVAL_SECONDS (before-deploy and manual ones
# do not count: the daily history must advance on a site that deploys daily), checking once a minute (or more often for
# short test intervals). A restart does not cause an extra backup, and a failed
# one is retried on the next check instead of waiting a whole interval. With
# off-site copies on, a copy that is missing or too old (just enabled, or the
# last one failed) is retried too, at most every ten minutes.
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

check_every=$(( BACKUP_INTERVAL_SECONDS < 120 ? BACKUP_INTERVAL_SECONDS / 2 + 1 : 60 ))
log "every ${BACKUP_INTERVAL_SECONDS}s into $BACKUP_PATH, keeping $BACKUP_KEEP_DAILY daily, $BACKUP_KEEP_WEEKLY weekly and $BACKUP_KEEP_OTHER of each other kind; off-site: ${BACKUP_OFFSITE_REPOSITORY:-off}"
# Stop at once on `docker compose stop`, even while sleeping.
trap 'exit 0' TERM INT

age_of() {
    if [ -n "$1" ] && [ -e "$1" ]; then
        echo $(( $(date +%s) - $(stat -c %Y "$1") ))
    else
        echo 999999999
    fi
}

while true; do
    if [ "$(age_of "$(newest_scheduled_backup)")" -ge "$BACKUP_INTERVAL_SECONDS" ]; then
        status=0
        backup-now.sh > /dev/null || status=$?
        # 3: the backup is good, only the off-site copy failed (logged already).
        if [ "$status" != 0 ] && [ "$status" != 3 ]; then
            log "backup FAILED; retrying in ${check_every}s"
        fi
    elif [ -n "${BACKUP_OFFSITE_REPOSITORY:-}" ] \
        && [ "$(age_of "$BACKUP_PATH/.offsite-ok")" -ge "$BACKUP_INTERVAL_SECONDS" ] \
        && [ "$(age_of "$BACKUP_PATH/.offsite-failed")" -ge 600 ]; then
        backup-offsite.sh "$(newest_backup)" || true
    fi
    sleep "$check_every" &
    wait $!
done
