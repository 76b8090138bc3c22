#!/usr/bin/env bash
# Replace the database with a backup, so that a bad file can never cost the
# live data: read the whole file first, restore it into a new database, and
# only when that worked swap the two by renaming them. The replaced database
# is kept as <name>_before_restore until the next restore. Run by
# `make restore`, which stops web and the backup schedule first and migrates
# and starts them after.
#   backup-restore.sh FILE           check, then restore
#   backup-restore.sh --check FILE   only check that FILE is a complete, readable backup
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

# Restoring to /dev/null reads and decompresses every block, so a truncated
# or damaged file fails here (pg_restore --list reads only the table of contents).
if [ ! -s "$file" ] || ! pg_restore --file=/dev/null "$file" 2> /dev/null; then
    echo "$file is not a complete, readable pg_dump custom-format backup; the database was not touched." >&2
    exit 1
fi
if [ "$check_only" = yes ]; then
    echo "$file is a complete, readable backup ($(pg_restore --list "$file" | grep -c ' TABLE DATA ') tables with data)"
    exit 0
fi

live=${PGDATABASE:?}
incoming="${live}_restoring"
previous="${live}_before_restore"
admin() {
    psql --dbname=postgres --set=ON_ERROR_STOP=1 --quiet --output=/dev/null "$@"
}

log "restoring $file into a new database, $incoming"
admin --command="DROP DATABASE IF EXISTS \"$incoming\"" --command="CREATE DATABASE \"$incoming\""
if ! pg_restore --dbname="$incoming" --no-owner --exit-on-error --single-transaction "$file"; then
    admin --command="DROP DATABASE \"$incoming\""
    echo "Restoring $file failed; $live was not touched." >&2
    exit 1
fi
log "swapping $incoming in for $live (the old one stays as $previous)"
admin --command="DROP DATABASE IF EXISTS \"$previous\"" \
    --command="SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$live'" \
    --command="ALTER DATABASE \"$live\" RENAME TO \"$previous\"" \
    --command="ALTER DATABASE \"$incoming\" RENAME TO \"$live\""
log "restored $file"
