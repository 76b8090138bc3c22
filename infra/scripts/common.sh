# Sourced by the operation scripts in this folder (not run): strict mode and
# small helpers. Every script is run by a make target, which exports the
# stack's settings (COMPOSE_PROJECT_NAME, COMPOSE_FILE, COMPOSE_ENV_FILES,
# SECRETS_DIR, BACKUP_DIR, ...), so `docker compose` here acts on the same
# stack as `make` does.
# shellcheck shell=bash
set -euo pipefail

# Say what is happening, on stderr, so stdout stays for results.
say() {
    echo "==> $*" >&2
}

# Set AS_DATABASE_OWNER to the `docker compose run` options that make a
# backup container connect as the database's owner: a restore creates and
# swaps databases, which the backup service's own read-only role may not.
# The owner's password goes to that one container only, as PGPASSWORD (which
# the backup scripts of every release read first; `--env NAME` passes it
# without printing it); the service itself never has it.
as_database_owner() {
    PGPASSWORD=$(cat "$SECRETS_DIR/db_password")
    export PGPASSWORD
    # shellcheck disable=SC2034 # read by the script that calls this
    AS_DATABASE_OWNER=(--env PGUSER=podcast --env PGPASSWORD)
}

# Ask a yes/no question unless FORCE=1; no answer (no terminal) means no.
confirm() {
    if [ "${FORCE:-}" = 1 ]; then
        return 0
    fi
    local answer=""
    read -r -p "$1 [y/N] " answer || true
    [ "$answer" = y ]
}

# Whether a service of this stack has a running container.
is_running() {
    [ -n "$(docker compose ps --quiet --status running "$1")" ]
}

# The folder that holds the site's state: on a server, the one above
# releases/ (shared by every release); in a checkout, the checkout.
site_dir() {
    local here
    here=$(pwd -P)
    if [ "$(basename "$(dirname "$here")")" = releases ]; then
        dirname "$(dirname "$here")"
    else
        echo "$here"
    fi
}

# Let one operation at a time change the site (deploy, redeploy, rollback,
# restore, up): two at once would swap web under each other, or migrate a
# database that is being restored. Holds the lock until this script ends and
# lends it to the scripts it runs (OPERATIONS_LOCKED); refuses, naming the
# holder, when another one has it.
lock_operations() {
    [ -z "${OPERATIONS_LOCKED:-}" ] || return 0
    # macOS has no flock(1); a laptop runs one command at a time anyway.
    command -v flock > /dev/null || return 0
    local lock
    lock="$(site_dir)/.operations.lock"
    exec 9>> "$lock"
    if ! flock --nonblock 9; then
        echo "$1: another operation is running on this site ($(cat "$lock")); nothing changed. Try again when it has ended." >&2
        exit 75
    fi
    echo "make $1, pid $$, since $(date -u +%FT%TZ)" > "$lock"
    export OPERATIONS_LOCKED=1
}
