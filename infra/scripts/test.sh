#!/usr/bin/env bash
# Run the checks and tests in containers (tests/compose.yaml), removing the
# test containers afterwards. The app's tests get a throwaway Postgres; the
# stack tests start private copies of the site with their own project names.
### Usage: make check | make test-stack [TESTS=tests/stack/test_fork.py] | make test | make fmt
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

mode=${1:?usage: test.sh check|stack|all|fmt}
# The stack tests mount the checkout at this same path, so that compose.yaml's
# bind mounts mean the same files inside and outside their container.
REPO_DIR=$(pwd)
export REPO_DIR
# The test runners never read the site's .env (COMPOSE_FILE and the project
# name are given explicitly below).
unset COMPOSE_ENV_FILES COMPOSE_FILE
tests() {
    docker compose --file tests/compose.yaml --project-name "$COMPOSE_PROJECT_NAME-tests" "$@"
}
# The stack tests read git (`git ls-files`). In a git worktree, .git only
# names a folder of the main checkout: mount that one too, read-only.
git_dir=$(git rev-parse --path-format=absolute --git-common-dir 2> /dev/null || true)
worktree=()
if [ -n "$git_dir" ] && [[ $git_dir != "$REPO_DIR"/* ]]; then
    worktree=(--volume "$git_dir:$git_dir:ro")
fi

say "building the test image"
tests build --quiet app-tests
if [ "$mode" = fmt ]; then
    tests run --rm --no-deps --user "$HOST_UID:$HOST_GID" --volume "$REPO_DIR:/src" \
        --env RUFF_CACHE_DIR=/tmp/ruff app-tests sh -c 'ruff format . && ruff check --fix .'
fi
trap 'tests down --volumes --remove-orphans --timeout 1 > /dev/null 2>&1' EXIT
if [ "$mode" = check ] || [ "$mode" = all ]; then
    say "make check: lint, types and the app's tests"
    tests run --rm app-tests
fi
if [ "$mode" = stack ] || [ "$mode" = all ]; then
    say "make test-stack: infrastructure and whole-stack tests (each stack takes a minute or more)"
    if [ -n "${TESTS:-}" ]; then
        # shellcheck disable=SC2086 # TESTS may name several paths
        tests run --rm --no-deps "${worktree[@]}" stack-tests pytest -p no:cacheprovider -v -rP $TESTS
    else
        tests run --rm --no-deps "${worktree[@]}" stack-tests
    fi
fi
