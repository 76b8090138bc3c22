#!/usr/bin/env bash
# Replace the database with a backup file, so that it can always be undone:
# check the whole file first, ask, stop what writes to the database, then
# (infra/backup/backup-restore.sh) dump the live database, restore the file
# into a new one and swap it in; migrate, and start everything again. If any
# step fails, what was stopped is started again: the site goes on serving
# the database it had.
### Usage: make restore FILE=backups/podcast-....dump [FORCE=1]
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=releases.sh
. "$(dirname "$0")/releases.sh"
lock_operations restore

file=${FILE:-}
if [ -z "$file" ]; then
    echo "Usage: make restore FILE=backups/podcast-....dump" >&2
    exit 2
fi
if [ ! -f "$file" ]; then
    echo "$file: no such file; nothing was changed." >&2
    exit 2
fi
mount="$(realpath "$file"):/restore.dump:ro"
# Migrate and start again the version that runs now, not necessarily the
# checkout's: after make rollback, the checkout is the release rolled back
# from, whose migrations must not run on the restored data.
live=$(running_version)
if [ -n "$live" ] && [ "$live" != "$APP_VERSION" ]; then
    echo "restoring under the version that runs, $live (the checkout is $APP_VERSION)" >&2
    APP_VERSION=$live
    export APP_VERSION
elif [ -z "$live" ]; then
    keep_rolled_back_version || true
fi

docker compose up --detach --wait db
as_database_owner
check=$(docker compose run --rm --no-deps -T "${AS_DATABASE_OWNER[@]}" --volume "$mount" backup backup-restore.sh --check /restore.dump)
echo "$check"
# The backup is restored into a new database beside the live one, which is
# dropped only after the swap: the database's disk needs room for the data
# and its indexes (about twice the data), and then still the 5 % reserve
# that infra/backup/common.sh (has_room_for) keeps for Postgres's WAL.
data_bytes=$(sed -n 's/.* \([0-9]*\) bytes of data)$/\1/p' <<< "$check")
read -r disk free < <(docker compose exec -T db df -P -B1 /var/lib/postgresql/data | awk 'NR == 2 {print $2, $4}')
if [ $((free - 2 * data_bytes)) -lt $((disk / 20)) ]; then
    echo "Not enough space for the restore on the database's disk: $((free / 1048576)) MiB free; it needs about $((2 * data_bytes / 1048576 + 1)) MiB, and $((disk / 20 / 1048576)) MiB (5 % of the disk) must stay free. Nothing changed: free space (old backups, docker system prune) or grow the disk." >&2
    exit 4
fi
if ! confirm "Replace the database of '$COMPOSE_PROJECT_NAME' with $file?"; then
    echo "Nothing changed."
    exit 1
fi

# Whatever happens from here on, web and the backup schedule run again.
restart_everything() {
    local status=$?
    if [ "$status" != 0 ]; then
        echo "The restore failed; starting web and backup again on the database as it was." >&2
    fi
    docker compose up --detach --no-deps --wait web backup || true
    exit "$status"
}
trap restart_everything EXIT
say "stopping web and the backup schedule: no write may land during the swap"
docker compose stop web backup
say "restoring $file"
undo=$(docker compose run --rm --no-deps -T "${AS_DATABASE_OWNER[@]}" --volume "$mount" backup backup-restore.sh /restore.dump)
say "migrating (an older backup is brought up to date)"
docker compose run --rm migrate
trap - EXIT
docker compose up --detach --no-deps --wait web backup
echo "Restored $file; web is up and ready."
echo "To undo it: make restore FILE=$BACKUP_DIR/${undo##*/}"
