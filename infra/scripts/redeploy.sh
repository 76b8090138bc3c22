#!/usr/bin/env bash
# Zero-downtime replacement, the simplest design that works on one host:
# build first (the site keeps running), then migrate while the old web still
# serves (so a failing migration stops here, with nothing swapped; the running
# code must tolerate the new schema: expand/contract), then replace web. While
# it restarts, Caddy holds each request and retries it for up to 30 s
# (lb_try_duration in the Caddyfile): visitors see a slower response, never an
# error. Caddy and backup are replaced only when their image changed (a blog
# post, the Caddyfile); restarting Caddy drops connections for about a second.
# The image check is explicit because Compose versions differ in what else
# `up` recreates. Settings changed in .env need `make up`.
### Usage: make redeploy
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

if ! is_running web; then
    echo "The site is not running yet: make up."
    exec make up
fi
set -x
docker compose build
docker compose run --rm migrate
docker compose up --detach --no-deps --wait web
for service in caddy backup; do
    running=$(docker inspect --format '{{.Image}}' "$(docker compose ps --quiet "$service")")
    built=$(docker image inspect --format '{{.Id}}' "$COMPOSE_PROJECT_NAME-$service")
    [ "$running" = "$built" ] || docker compose up --detach --no-deps "$service"
done
set +x
echo "Now serving version $APP_VERSION."
"$(dirname "$0")/url.sh"
