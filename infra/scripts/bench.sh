#!/usr/bin/env bash
# Measure the site under load: tests/bench/run.py, in a runner container with
# wrk, starts a private copy of the stack (<project>-bench, free ports), loads
# it over HTTPS on 127.0.0.1, prints requests/s, latencies and memory, and
# removes the copy, also on failure or Ctrl-C.
### Usage: make bench [BENCH_EPISODES=1000] [BENCH_SECONDS=10] [BENCH_CONNECTIONS=32] [BENCH_THREADS=2]
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

# As for the stack tests (test.sh): the checkout at the same path inside, and
# the site's .env unread.
REPO_DIR=$(pwd)
export REPO_DIR
unset COMPOSE_ENV_FILES COMPOSE_FILE
export BENCH_PROJECT="$COMPOSE_PROJECT_NAME-bench"
# Not <project>-tests, whose cleanup would stop a bench running beside `make
# test`, nor <project>-bench-*, whose images the bench stack's removal deletes.
runner() {
    docker compose --file tests/compose.yaml --project-name "$COMPOSE_PROJECT_NAME-loadgen" "$@"
}

say "building the load generator's image"
runner build --quiet app-tests
runner build --quiet bench
# Ctrl-C without a terminal (CI cancelling, a script's kill): compose passes
# it on to the bench and returns at once, while the bench goes on removing
# its stack. So this script carries on too, and waits for the bench to end.
trap ':' INT TERM
status=0
runner run --rm --no-deps bench || status=$?
running=$(docker ps --quiet --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME-loadgen")
if [ -n "$running" ]; then
    say "waiting for the bench to remove its stack"
    # shellcheck disable=SC2086 # one argument per container id
    docker wait $running > /dev/null 2>&1 || true
fi
runner down --remove-orphans > /dev/null 2>&1
exit "$status"
