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
