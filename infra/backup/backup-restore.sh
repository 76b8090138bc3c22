#!/usr/bin/env bash
# Replace the database with a backup so that nothing is ever lost:
#   1. read the whole file first: a damaged or cut-short file changes nothing;
#   2. dump the live database to podcast-<time>-before-restore.dump: the undo
#      (`make restore FILE=` that file puts back everything this replaced);
#   3. restore the file into a new database, <name>_restoring, and carry
#      into it what the live one knows happened since (unsubscribes, bounces,
#      announcements and sent mail: carry-across.sql);
#   4. swap the two names in one transaction, then drop the replaced database.
# A failure at any step leaves the live database as it was and no leftover
# database behind. Run by `make restore` (infra/scripts/restore.sh), which
# stops web and the backup schedule first, so no write can land in between,
# and starts them again whatever happens.
### Usage: backup-restore.sh FILE           check, then restore; prints the undo file
###        backup-restore.sh --check FILE   only check that FILE is a complete, readable backup
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

check_only=no
if [ "${1:-}" = --check ]; then
    check_only=yes
    shift
fi
file=${1:?usage: backup-restore.sh [--check] FILE}

# Restoring to a pipe reads and decompresses every block, so a truncated or
# damaged file fails here (pg_restore --list reads only the table of
# contents); its length is the size of the data, which make restore needs
# room for.
if [ ! -s "$file" ] || ! data_bytes=$(pg_restore --file=- "$file" 2> /dev/null | wc -c); then
    echo "$file is not a complete, readable pg_dump custom-format backup; the database was not touched." >&2
    exit 1
fi
if [ "$check_only" = yes ]; then
    echo "$file is a complete, readable backup ($(pg_restore --list "$file" | grep -c ' TABLE DATA ') tables with data, $data_bytes bytes of data)"
    exit 0
fi

live=${PGDATABASE:?}
incoming="${live}_restoring"
replaced="${live}_replaced"
admin() {
    psql --dbname=postgres --set=ON_ERROR_STOP=1 --quiet --no-psqlrc --output=/dev/null "$@"
}
# Whatever happens below, the live database ends up in place and accepting
# connections, and no half-restored copy stays behind.
swapped=no
finish() {
    if [ "$swapped" = no ]; then
        admin --command="ALTER DATABASE \"$live\" WITH ALLOW_CONNECTIONS true" 2> /dev/null || true
        admin --command="DROP DATABASE IF EXISTS \"$incoming\" WITH (FORCE)" || true
        log "restore of $file FAILED; $live is as it was"
    fi
}
trap finish EXIT

undo=$(backup-now.sh before-restore)
log "the database as it was is in $undo"

log "restoring $file into a new database, $incoming"
admin --command="DROP DATABASE IF EXISTS \"$incoming\" WITH (FORCE)" \
    --command="CREATE DATABASE \"$incoming\""
# --no-privileges: the grants name roles that a new server may not have yet;
# migrate, which make restore runs next, grants them again.
pg_restore --dbname="$incoming" --no-owner --no-privileges --exit-on-error --single-transaction "$file"

# What already happened outside the database cannot be undone by a restore,
# so the replaced database's word on it is carried across: who unsubscribed
# or bounced (by address), which episodes were announced (by number), and
# which queued mails went out or were given up (by id, address and time, so
# a new server's fresh numbering never matches). An old copy must not mail
# people who left, or mail anyone twice.
log "carrying unsubscribes and sent mail across"
carried=$(mktemp -d)
trap 'rm -rf "$carried"; finish' EXIT
if psql --dbname="$live" --no-psqlrc --tuples-only --no-align \
    --command="SELECT to_regclass('episode_announcements') IS NOT NULL" | grep -q t; then
    psql --dbname="$live" --no-psqlrc --set=ON_ERROR_STOP=1 --quiet \
        --command="\\copy (SELECT email, unsubscribed_at, bounced_at FROM newsletter_subscribers WHERE unsubscribed_at IS NOT NULL OR bounced_at IS NOT NULL) TO '$carried/subscribers'" \
        --command="\\copy (SELECT e.number, a.announced_at, a.skipped, a.recipients FROM episode_announcements a JOIN episodes e ON e.id = a.episode_id) TO '$carried/announcements'" \
        --command="\\copy (SELECT id, to_address, created_at, sent_at, dead_at FROM outbound_emails WHERE sent_at IS NOT NULL OR dead_at IS NOT NULL) TO '$carried/mail'"
    # In the folder of the files: psql's \copy takes no variables.
    (cd "$carried" && psql --dbname="$incoming" --no-psqlrc --set=ON_ERROR_STOP=1 --quiet \
        --single-transaction --file=/usr/local/share/backup/carry-across.sql)
fi

log "swapping $incoming in for $live"
admin --command="DROP DATABASE IF EXISTS \"$replaced\" WITH (FORCE)" \
    --command="ALTER DATABASE \"$live\" WITH ALLOW_CONNECTIONS false" \
    --command="SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = '$live' AND pid <> pg_backend_pid()"
# Both renames or neither: a transaction (Postgres renames databases transactionally).
admin --single-transaction \
    --command="ALTER DATABASE \"$live\" RENAME TO \"$replaced\"" \
    --command="ALTER DATABASE \"$incoming\" RENAME TO \"$live\""
swapped=yes
admin --command="DROP DATABASE \"$replaced\""
log "restored $file; undo with: make restore FILE=<backups>/${undo##*/}"
echo "$undo"
