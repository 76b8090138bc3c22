# Shared by the backup scripts (sourced, not run): settings and small helpers.
# shellcheck shell=bash

# Where the backups are inside this container: compose.yaml mounts the host
# folder (BACKUP_DIR, ./backups by default) here.
BACKUP_PATH=${BACKUP_PATH:-/backups}
BACKUP_INTERVAL_SECONDS=${BACKUP_INTERVAL_SECONDS:-86400}
BACKUP_KEEP_DAILY=${BACKUP_KEEP_DAILY:-7}
BACKUP_KEEP_WEEKLY=${BACKUP_KEEP_WEEKLY:-4}
BACKUP_KEEP_OTHER=${BACKUP_KEEP_OTHER:-10}
# Refuse a 0 (or anything but a positive number): rotation would delete every
# backup, the one just written included.
for setting in BACKUP_INTERVAL_SECONDS BACKUP_KEEP_DAILY BACKUP_KEEP_WEEKLY BACKUP_KEEP_OTHER; do
    if ! [[ ${!setting} =~ ^[1-9][0-9]*$ ]]; then
        echo "backup: $setting=${!setting} must be a whole number of at least 1" >&2
        exit 2
    fi
done

# libpq reads PGHOST, PGUSER and PGDATABASE from the environment (compose.yaml);
# the password comes from the Docker secret (the read-only role's), never from
# an environment file. A restore passes the owner's as PGPASSWORD instead.
if [ -z "${PGPASSWORD:-}" ] && [ -r /run/secrets/db_password ]; then
    PGPASSWORD=$(cat /run/secrets/db_password)
    export PGPASSWORD
fi

log() {
    echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) backup: $*" >&2
}

# Print the newest backup of any kind, or nothing.
newest_backup() {
    find "$BACKUP_PATH" -maxdepth 1 -name 'podcast-*.dump' -printf '%T@ %p\n' \
        | sort -rn | head -n 1 | cut -d' ' -f2-
}

# Print the newest scheduled backup, or nothing: what the schedule and the
# healthcheck go by. A site that deploys every day has a fresh before-deploy
# backup every day, and must still take its daily ones (the history).
newest_scheduled_backup() {
    find "$BACKUP_PATH" -maxdepth 1 -name 'podcast-*Z.dump' -printf '%T@ %p\n' \
        | sort -rn | head -n 1 | cut -d' ' -f2-
}

# The names of the backups this service wrote, one a line: rotation deletes
# only those, never a dump someone copied into the folder (an old one, to
# restore it). A folder from before this list existed gets one of every
# backup it holds: until then, all of them were the service's own.
MADE_HERE="$BACKUP_PATH/.made-here"
ensure_made_here() {
    if [ ! -e "$MADE_HERE" ]; then
        find "$BACKUP_PATH" -maxdepth 1 -name 'podcast-*.dump' -printf '%f\n' | sort > "$MADE_HERE"
    fi
}

# Succeed if FOLDER's disk has room for BYTES more and then still a reserve
# of 5 % of the disk; else say what is missing. The reserve is for Postgres:
# the backups share its disk on one server, and Postgres stops (PANIC) when
# it cannot write its WAL. (infra/scripts/restore.sh keeps the same reserve
# on the database's disk.)
has_room_for() {
    local folder=$1 bytes=$2 size free reserve
    read -r size free < <(df -P -B1 "$folder" | awk 'NR == 2 {print $2, $4}')
    reserve=$((size / 20))
    if [ $((free - bytes)) -lt "$reserve" ]; then
        log "not enough space in $folder: $((free / 1048576)) MiB free, this needs about $((bytes / 1048576 + 1)) MiB and $((reserve / 1048576)) MiB (5 % of the disk) must stay free for the database"
        return 1
    fi
}
