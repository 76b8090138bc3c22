#!/usr/bin/env bash
# Measure the site under load: tests/bench/run.py, in a runner container with
# wrk, starts a private copy of the stack (<project>-bench, free ports) per
# catalogue size, loads it over HTTPS on 127.0.0.1, prints requests/s,
# latencies and memory, writes them to docs/performance-results.md and .json,
# and removes the copy, also on failure or Ctrl-C.
### Usage: make bench [BENCH_SCALES=25,1000,10000] [BENCH_SECONDS=10] [BENCH_CONNECTIONS=32] [BENCH_THREADS=2]
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

# As for the stack tests (test.sh): the checkout at the same path inside, and
# the site's .env unread.
REPO_DIR=$(pwd)
export REPO_DIR
if [ -n "${BENCH_EPISODES:-}" ]; then
    echo "bench: BENCH_EPISODES is now BENCH_SCALES (BENCH_SCALES=$BENCH_EPISODES, or several: BENCH_SCALES=25,1000,10000)" >&2
    exit 2
fi
# The results name the commit they measured; "+" if files git tracks differ
# from it (the results files themselves aside: the last run wrote them).
BENCH_COMMIT=$(git rev-parse --short HEAD 2>/dev/null || cut -c1-7 .release-commit 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no -- . ':!docs/performance-results.*' 2>/dev/null)" ]; then
    BENCH_COMMIT="$BENCH_COMMIT+"
fi
export BENCH_COMMIT
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
