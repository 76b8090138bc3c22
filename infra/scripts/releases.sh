# Sourced by up.sh, redeploy.sh and rollback.sh (not run): which versions ran,
# and how web is replaced by another version without failing a request.
# Every image is tagged with its version (APP_VERSION, the git commit); the
# versions that went live are listed, newest last, in $VERSIONS_FILE.
# shellcheck shell=bash

VERSIONS_FILE=${VERSIONS_FILE:-.deployed-versions}
SERVICES_WITH_IMAGES=(web caddy backup)
# Written by make rollback: "<version it went back to> <version it left>".
# The checkout (or a server's `current` release) is still the one it left,
# so commands that do not release it must not bring it back unasked.
ROLLBACK_FILE=${ROLLBACK_FILE:-.rolled-back}

# Print the version the running web containers run (their image's tag), or nothing.
running_version() {
    local container
    container=$(docker compose ps --quiet web 2> /dev/null | head -n 1)
    [ -n "$container" ] || return 0
    docker inspect --format '{{.Config.Image}}' "$container" | sed 's/.*://'
}

# After make rollback, keep the version it went back to when APP_VERSION is
# the one it left (make up, make restore); succeed if it did.
keep_rolled_back_version() {
    local to from
    [ -f "$ROLLBACK_FILE" ] || return 1
    read -r to from < "$ROLLBACK_FILE"
    [ "$APP_VERSION" = "$from" ] || return 1
    echo "make rollback went back from $from to $to: $to stays (make redeploy releases $from again)." >&2
    APP_VERSION=$to
    export APP_VERSION
}

# Note that APP_VERSION went live (once per change of version).
record_version() {
    if [ "$(tail -n 1 "$VERSIONS_FILE" 2> /dev/null)" != "$APP_VERSION" ]; then
        echo "$APP_VERSION" >> "$VERSIONS_FILE"
    fi
}

# Print the version that went live before the current one, or nothing.
previous_version() {
    tail -n 2 "$VERSIONS_FILE" 2> /dev/null | head -n 1 | grep -vxF "$(tail -n 1 "$VERSIONS_FILE")" || true
}

# Wait until a container is healthy; fail as soon as it is unhealthy, exits
# or restarts (a crash at start), or after 90 s.
wait_healthy() {
    local container=$1 state
    for _ in $(seq 1 180); do
        state=$(docker inspect --format '{{.State.Status}} {{.RestartCount}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$container")
        case $state in
            "running 0 healthy") return 0 ;;
            "running 0 starting" | "created 0 "*) sleep 0.5 ;;
            *) echo "the new container is '$state'" >&2; return 1 ;;
        esac
    done
    echo "the new container was not healthy after 90 s" >&2
    return 1
}

# Replace the running web containers with ones at APP_VERSION, one at a
# time: start a new one beside them, and retire an old one only once the new
# one is healthy. Caddy sends requests to every running web container (the
# Caddyfile's to-app), so for a moment both versions serve, and no more than
# one extra container's memory is ever needed. The first new container is the
# canary: if it does not start, it never takes over and nothing changed.
swap_web() {
    local old count running new replaced=0
    old=$(docker compose ps --quiet web)
    count=$(wc -w <<< "$old")
    for container in $old; do
        say "web: starting $APP_VERSION ($(( replaced + 1 )) of $count)"
        running=$(docker compose ps --quiet web)
        docker compose up --detach --no-deps --no-recreate --scale "web=$(( count + 1 ))" web
        new=$(docker compose ps --quiet web | grep -vxF "$running" || true)
        if ! wait_healthy "$new"; then
            docker logs --tail 30 "$new" >&2 || true
            docker rm --force "$new" > /dev/null || true
            if [ "$replaced" -eq 0 ]; then
                echo "web $APP_VERSION did not become healthy, so it never took over: the previous version still serves." >&2
            else
                echo "web $APP_VERSION stopped becoming healthy after replacing $replaced of $count containers: both versions serve; make rollback or fix and make redeploy." >&2
            fi
            return 1
        fi
        # SIGTERM: Granian finishes the requests it has, while Caddy already sends new ones elsewhere.
        docker stop --time 30 "$container" > /dev/null && docker rm "$container" > /dev/null
        replaced=$(( replaced + 1 ))
    done
}

# Replace caddy and backup only when their image changed: restarting Caddy
# drops connections for about a second. (Compose versions differ in what
# else `up` would recreate, hence the explicit check.)
replace_changed_services() {
    local service running wanted
    for service in caddy backup; do
        running=$(docker inspect --format '{{.Image}}' "$(docker compose ps --quiet "$service")" 2> /dev/null || true)
        wanted=$(docker image inspect --format '{{.Id}}' "$COMPOSE_PROJECT_NAME-$service:$APP_VERSION")
        if [ "$running" != "$wanted" ]; then
            docker compose up --detach --no-deps --wait "$service"
        fi
    done
}

# Keep the images of the current and the previous version, and nothing older;
# remove dangling images and build cache older than a week. A small disk
# fills up with old images faster than with anything else.
prune_images() {
    local keep service tag
    keep=$(tail -n 2 "$VERSIONS_FILE")
    for service in "${SERVICES_WITH_IMAGES[@]}"; do
        docker image ls --format '{{.Tag}}' "$COMPOSE_PROJECT_NAME-$service" | while read -r tag; do
            if ! grep -qxF "$tag" <<< "$keep" && [ "$tag" != "$APP_VERSION" ]; then
                docker image rm "$COMPOSE_PROJECT_NAME-$service:$tag" > /dev/null || true
            fi
        done
    done
    docker image prune --force > /dev/null
    docker builder prune --force --filter until=168h > /dev/null 2>&1 || true
}
