# Sourced by the swarm-*.sh scripts (not run): the Swarm stack's name and
# settings. stack.yaml reads its variables from the environment, which
# `docker stack deploy` does not fill from .env as Compose does.
# shellcheck shell=bash

STACK=$COMPOSE_PROJECT_NAME

# The settings of .env (or ENV_FILE), for the plain lines .env.example has:
# KEY=VALUE, an optional `export `, `#` comments (after a space, for an
# unquoted value), optional quotes. No ${VAR} expansion, unlike Compose. A
# variable already set in the environment wins.
while IFS= read -r line || [ -n "$line" ]; do
    line=${line#export }
    case $line in '' | '#'*) continue ;; esac
    key=${line%%=*} value=${line#*=}
    case $value in
        \"*\" | \'*\') value=${value:1:${#value}-2} ;;
        *) value=${value%% #*} ;;
    esac
    [ -n "${!key+set}" ] || export "$key=$value"
done < "${COMPOSE_ENV_FILES:-/dev/null}"

# For swarm-push and swarm-deploy (swarm-rm needs no registry).
require_registry() {
    if [ -z "${REGISTRY:-}" ]; then
        echo "Set REGISTRY in .env to the registry and namespace every node pulls from (ghcr.io/you, registry.example.com/team): docs/scaling.md." >&2
        exit 1
    fi
}

# The name of a service's image at a version in the registry.
registry_image() {
    echo "$REGISTRY/$STACK-$1:$2"
}
