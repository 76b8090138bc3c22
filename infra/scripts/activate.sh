#!/usr/bin/env bash
# On the server, in a release folder that make deploy just uploaded: make it
# the live release. One operation at a time (the site's lock, which make
# redeploy and the rest share: common.sh); the shared files linked
# in; `current` switched to it in one atomic rename; then make redeploy in
# `current` (which imports the release's content too: a content file that
# does not import, or an episode whose audio is not in shared/media, fails
# it), and if that fails, `current` switched back to the release that still
# runs. The versions that went live are recorded by redeploy itself,
# only on success. Keeps the three newest releases and the newest 20 logs.
# Ends by writing its exit status to <log>.status, for deploy.sh.
### Usage: (on the server) <dir>/releases/<commit>/infra/scripts/activate.sh logs/deploy-<run>
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

log=${1:?usage: activate.sh logs/deploy-<time>-<commit>}
release=$(cd "$(dirname "$0")/../.." && pwd -P)
site=$(dirname "$(dirname "$release")")
cd "$site"
trap 'echo $? > "$log.status"' EXIT
lock_operations deploy
ln -sfn "$log.log" deploy.log  # the newest deploy that ran, for tail -f
find logs -maxdepth 1 -name 'deploy-*.log' | sort -r | tail -n +21 | sed 's/\.log$//' \
    | while read -r old; do rm -f "$old".log "$old".pid "$old".status; done

# What every release shares, and no archive contains. media/ is what make
# media-push uploads: Caddy serves it, the release's import checks it.
# user-agents/ is OPAWG's lists, which make user-agents on the server brings.
mkdir -p shared/.secrets shared/backups shared/media shared/user-agents
chmod 700 shared/.secrets
if [ ! -e shared/.env ] && [ -f .env ]; then
    # A site deployed before releases had folders of their own (the files
    # were unpacked here): move its state where every release finds it.
    for item in .env .secrets backups .deployed-versions; do
        if [ -e "$item" ] && [ ! -L "$item" ]; then rm -rf "shared/$item" && mv "$item" shared/; fi
    done
fi
if [ ! -f shared/.env ]; then
    echo "deploy: $site/shared/.env is missing: write it first (docs/operations.md, 2.3); nothing changed." >&2
    exit 2
fi
for item in .env .secrets backups media user-agents .deployed-versions; do
    ln -sfn "../../shared/$item" "$release/$item"
done

previous=$(readlink current 2> /dev/null || true)
switch_to() {
    ln -sfn "$1" current.new && mv -T current.new current
}
echo "deploy: switching current to releases/${release##*/}"
switch_to "releases/${release##*/}"
# In `current`, not in the release's own path: compose names bind mounts by
# this path, so they stay the same string from one release to the next.
cd "$site/current"
if ! make redeploy; then
    cd "$site"
    if [ -n "$previous" ]; then
        switch_to "$previous"
        echo "deploy: make redeploy failed; current points at $previous again (which still runs)." >&2
    fi
    exit 1
fi
cd "$site"
# Keep the newest three releases (the live one among them), for rollbacks.
find releases -mindepth 1 -maxdepth 1 -type d ! -name '*.partial' -printf '%T@ %p\n' \
    | sort -rn | tail -n +4 | cut -d' ' -f2- | while read -r old; do
        [ "$old" = "$(readlink current)" ] || rm -rf "$old"
    done
echo "deploy: releases/${release##*/} is live"
