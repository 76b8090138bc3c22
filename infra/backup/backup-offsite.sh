#!/usr/bin/env bash
# Copy backups off the server with restic: encrypted with the restic_password
# secret, deduplicated, to any restic repository (S3-compatible storage, an
# SFTP box through rclone, a restic REST server...). One setting turns it on,
# BACKUP_OFFSITE_REPOSITORY; empty means off. Each result is recorded in
# /backups/.offsite-ok or /backups/.offsite-failed, for the healthcheck and
# make doctor. docs/operations.md describes the production setup.
### Usage: backup-offsite.sh FILE       copy one backup (backup-now.sh runs it)
###        backup-offsite.sh --fetch    put an off-site backup (SNAPSHOT, or the newest from
###                                     before this database server existed) into
###                                     /backups/offsite-<time>/ and print its path
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

export RESTIC_REPOSITORY=${BACKUP_OFFSITE_REPOSITORY:-}
if [ -z "$RESTIC_REPOSITORY" ]; then
    if [ "${1:-}" = --fetch ]; then
        echo "BACKUP_OFFSITE_REPOSITORY is not set: there are no off-site backups to fetch." >&2
        exit 2
    fi
    exit 0
fi
# An upload that takes longer than this fails (and is retried later).
BACKUP_OFFSITE_TIMEOUT_SECONDS=${BACKUP_OFFSITE_TIMEOUT_SECONDS:-3600}
# Every snapshot holds one dump, under this host name and tag.
snapshots=(--host podcast --tag database-dump)

if [ "${1:-}" = --fetch ]; then
    # Which copy: SNAPSHOT if given, else the newest one taken before this
    # database server was created. After the loss of a server, the new one
    # backs up its empty database at once, and off-site too: the newest copy
    # is then the empty one, never what you want back.
    created=$(psql --dbname=postgres --no-align --tuples-only --command \
        "SELECT extract(epoch FROM (pg_stat_file('PG_VERSION')).modification)::bigint")
    listing=$(timeout 60 restic snapshots "${snapshots[@]}" --json)
    snapshot=${SNAPSHOT:-$(jq -r --argjson created "$created" \
        '[.[] | select((.time | sub("\\.[0-9]+"; "") | sub("(?<tz>[+-][0-9:]+|Z)$"; "") | strptime("%Y-%m-%dT%H:%M:%S") | mktime) < $created)]
         | sort_by(.time) | last | .short_id // empty' <<< "$listing")}
    snapshot=${snapshot:-$(jq -r 'sort_by(.time) | last | .short_id // empty' <<< "$listing")}
    if [ -z "$snapshot" ]; then
        echo "The off-site repository has no backups." >&2
        exit 1
    fi
    jq -r '.[] | "  \(.short_id)  \(.time[:19])  \(.paths[0])"' <<< "$listing" >&2
    log "fetching snapshot $snapshot (SNAPSHOT=<id> picks another of the above)"
    target="$BACKUP_PATH/offsite-$(date -u +%Y%m%dT%H%M%SZ)"
    timeout "$BACKUP_OFFSITE_TIMEOUT_SECONDS" restic restore "$snapshot" --target "$target" >&2
    find "$target" -name 'podcast-*.dump' -print -quit
    exit 0
fi

file=${1:?usage: backup-offsite.sh FILE | --fetch}
ok="$BACKUP_PATH/.offsite-ok"
failed="$BACKUP_PATH/.offsite-failed"
copy() {
    # restic retries an unreachable repository for as long as it runs: a quick
    # look first, so a failure is reported in seconds, not hours. Exit code 10:
    # no repository there yet, so create it (encrypted) on first use.
    local status=0
    timeout 20 restic cat config > /dev/null 2>&1 || status=$?
    if [ "$status" = 10 ]; then
        timeout 60 restic init
    elif [ "$status" = 124 ]; then
        echo "no answer from $RESTIC_REPOSITORY within 20 s"
        return 1
    elif [ "$status" != 0 ]; then
        timeout 20 restic cat config > /dev/null  # again, to show why
    fi
    timeout "$BACKUP_OFFSITE_TIMEOUT_SECONDS" restic backup "${snapshots[@]}" "$file"
    # Longer than the local rotation: off-site is where old copies are kept.
    timeout "$BACKUP_OFFSITE_TIMEOUT_SECONDS" restic forget "${snapshots[@]}" \
        --keep-daily 7 --keep-weekly 5 --keep-monthly 12 --prune
}
if output=$(copy 2>&1); then
    echo "${file##*/}" > "$ok.new" && mv "$ok.new" "$ok"
    rm -f "$failed"
    log "off-site copy of ${file##*/} done"
else
    printf '%s: %s\n' "${file##*/}" "$(tail -n 3 <<< "$output" | tr '\n' ' ')" > "$failed"
    log "off-site copy of ${file##*/} FAILED: $(cat "$failed")"
    exit 1
fi
