#!/usr/bin/env bash
# Replace the database with a backup: check the file first, then drop and
# recreate the database and restore into it in one transaction. Run by
# `make restore`, which stops web before and migrates and starts it after.
#   restore.sh /path/to/backup.dump          check, then restore
#   restore.sh --check /path/to/backup.dump  only check that it is a readable backup
# shellcheck source-path=SCRIPTDIR
set -euo pipefail
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

check_only=no
if [ "${1:-}" = --check ]; then
    check_only=yes
    shift
fi
file=${1:?usage: restore.sh [--check] FILE}

if [ ! -s "$file" ] || ! pg_restore --list "$file" > /dev/null 2>&1; then
    echo "$file is not a readable pg_dump custom-format backup; the database was not touched." >&2
    exit 1
fi
if [ "$check_only" = yes ]; then
    echo "$file is a readable backup ($(pg_restore --list "$file" | grep -c ' TABLE DATA ') tables with data)"
    exit 0
fi

database=${PGDATABASE:?}
log "restoring $file into $database"
# A clean slate: objects created by later migrations must not survive, or the
# migrations run after the restore would trip over them.
psql --dbname=postgres --set=ON_ERROR_STOP=1 --quiet \
    --command="DROP DATABASE IF EXISTS \"$database\" WITH (FORCE)" \
    --command="CREATE DATABASE \"$database\""
pg_restore --dbname="$database" --no-owner --exit-on-error --single-transaction "$file"
log "restored $file"
