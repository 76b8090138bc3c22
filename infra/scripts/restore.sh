#!/usr/bin/env bash
# Replace the database with a backup file: check the whole file first, ask,
# stop what writes to the database, restore into a new database and swap it
# in (infra/backup/backup-restore.sh), migrate, and start everything again.
### Usage: make restore FILE=backups/podcast-....dump [FORCE=1]
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

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

docker compose run --rm --no-deps --volume "$mount" backup backup-restore.sh --check /restore.dump
if ! confirm "Replace the database of '$COMPOSE_PROJECT_NAME' with $file?"; then
    echo "Nothing changed."
    exit 1
fi
set -x
docker compose stop web backup
docker compose up --detach --wait db
docker compose run --rm --no-deps --volume "$mount" backup backup-restore.sh /restore.dump
docker compose run --rm migrate
docker compose up --detach --no-deps --wait web
docker compose up --detach --no-deps backup
set +x
echo "Restored $file; web is up and ready."
