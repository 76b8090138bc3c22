#!/usr/bin/env bash
# Release version APP_VERSION (pushed by `make swarm-push`) to the swarm this
# machine manages, as stack.yaml describes, in two steps:
#   1. the migrate job at the new version, with web still at the running one:
#      a failing migration stops here, nothing else changed (the running code
#      must tolerate the new schema: expand/contract, as with make redeploy);
#   2. web at the new version, which Swarm replaces one task at a time, each
#      new one healthy before an old one stops, and rolls back by itself if a
#      new task is not healthy.
# Caddy and backup get the new version only if their image changed: an
# update restarts Caddy (about a second without the site).
### Usage: make swarm-deploy  (REGISTRY in .env; nodes labelled: docs/scaling.md)
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=swarm.sh
. "$(dirname "$0")/swarm.sh"
require_registry

if [ "$(docker info --format '{{.Swarm.ControlAvailable}}')" != true ]; then
    echo "This machine is not a manager of a swarm: docker swarm init, or run this on a manager (docs/scaling.md)." >&2
    exit 1
fi

for secret in "$SECRETS_DIR"/{db_password,db_app_password,db_backup_password,app_secret_key,restic_password,smtp_password}; do
    if [ ! -s "$secret" ]; then
        echo "$secret is empty, and Swarm refuses empty secrets: write the secret in (for smtp_password without a password, a blank line)." >&2
        exit 1
    fi
done

# The image a service of the stack runs (registry/name:version@digest), or nothing.
running_image() {
    docker service inspect --format '{{.Spec.TaskTemplate.ContainerSpec.Image}}' "${STACK}_$1" 2> /dev/null || true
}

# The version (tag) of a service's running image, or nothing.
running_version() {
    local image
    image=$(running_image "$1")
    image=${image%@*}
    [ -z "$image" ] || echo "${image##*:}"
}

# The version a service that restarts on update (caddy, backup) should run:
# the running one if its image has the same content as this release's.
version_for() {
    local running digest
    running=$(running_version "$1")
    digest=$(running_image "$1")
    digest=${digest#*@}
    if [ -n "$running" ] && docker image inspect --format '{{range .RepoDigests}}{{println .}}{{end}}' \
            "$(registry_image "$1" "$APP_VERSION")" 2> /dev/null | grep -qF "@$digest"; then
        echo "$running"
    else
        echo "$APP_VERSION"
    fi
}

deploy() {
    docker stack deploy --detach=true --with-registry-auth --prune --compose-file stack.yaml "$STACK" > /dev/null
}

# Wait for the migrate job's latest run; fail if it failed. Swarm runs a job
# again on every update of its service, and `stack deploy` updates them all:
# only the tasks of the newest run (its JobIteration) count, not the finished
# tasks of earlier ones.
wait_for_migrations() {
    local run tasks states
    run=$(docker service inspect --format '{{.JobStatus.JobIteration.Index}}' "${STACK}_migrate")
    for _ in $(seq 1 300); do
        tasks=$(docker service ps --quiet --no-trunc "${STACK}_migrate")
        # shellcheck disable=SC2086 # one argument per task id
        states=$(docker inspect --format '{{.JobIteration.Index}} {{.Status.State}}' $tasks | grep "^$run " || true)
        case $states in
            *complete*) return 0 ;;
            *failed* | *rejected*)
                docker service logs --tail 40 "${STACK}_migrate" >&2 || true
                echo "The migrations of $MIGRATE_VERSION failed; web was not updated." >&2
                return 1 ;;
        esac
        sleep 1
    done
    echo "The migrations of $MIGRATE_VERSION did not finish within 5 minutes." >&2
    return 1
}

# Wait until every web task runs APP_VERSION and is healthy, or Swarm rolled back.
wait_for_web() {
    local state running
    for _ in $(seq 1 600); do
        state=$(docker service inspect --format '{{if .UpdateStatus}}{{.UpdateStatus.State}}{{end}}' "${STACK}_web")
        case $state in
            rollback_*)
                echo "Swarm rolled web back to $(running_version web): a task of $APP_VERSION was not healthy (docker service ps ${STACK}_web)." >&2
                return 1 ;;
        esac
        running=$(docker service ps --filter desired-state=running --format '{{.Image}} {{.CurrentState}}' "${STACK}_web")
        if [ "$(grep -c "Running" <<< "$running")" -eq "$SWARM_WEB_REPLICAS" ] \
                && ! grep -vqF ":$APP_VERSION" <<< "$running" \
                && [ "$state" != updating ]; then
            return 0
        fi
        sleep 1
    done
    echo "web did not converge within 10 minutes (docker service ps ${STACK}_web)." >&2
    return 1
}

export STACK SECRETS_DIR
# Not WEB_REPLICAS: that one is for Compose on one host (1 in .env.example).
export SWARM_WEB_REPLICAS=${SWARM_WEB_REPLICAS:-2}
# Part of each config's and secret's name in stack.yaml: Swarm cannot
# change one, so new content must come under a new name.
export POSTGRES_CONF_HASH
POSTGRES_CONF_HASH=$(sha256sum infra/postgres/postgresql.conf | cut -c1-12)
for secret in db_password db_app_password db_backup_password app_secret_key restic_password smtp_password; do
    export "${secret^^}_HASH=$(sha256sum "$SECRETS_DIR/$secret" | cut -c1-12)"
done
export CADDY_VERSION BACKUP_VERSION MIGRATE_VERSION=$APP_VERSION WEB_VERSION
CADDY_VERSION=$(version_for caddy)
BACKUP_VERSION=$(version_for backup)
WEB_VERSION=$(running_version web)

if [ -z "$WEB_VERSION" ]; then
    say "first deploy of $STACK: the database and the migrations, then web"
    WEB_VERSION=$APP_VERSION SWARM_WEB_REPLICAS=0 deploy
else
    say "migrating to $APP_VERSION while web $WEB_VERSION serves"
    deploy
fi
wait_for_migrations
say "web: $APP_VERSION on $SWARM_WEB_REPLICAS tasks, one at a time"
WEB_VERSION=$APP_VERSION
deploy
# This deploy ran the job once more, at the same version: harmless (the
# migrations are at head, under their lock), and watched all the same.
wait_for_migrations
wait_for_web
echo "Now serving version $APP_VERSION on $SWARM_WEB_REPLICAS web tasks: https://${SITE_ADDRESS:-localhost}$([ "${HTTPS_PORT:-443}" = 443 ] || echo ":$HTTPS_PORT")/"
