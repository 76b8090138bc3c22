#!/usr/bin/env bash
# Bring a show's back catalogue in from the host it is leaving, with the web
# image's `podcast-site import-feed`: each episode of the old feed becomes a
# file in content/episodes/ (its old GUID kept, its audio left at the old
# URL), with its chapters and transcript when the feed links them, each
# guest a file in content/guests/, and site.toml gets the show's values.
# Running it again writes the same files; a file you have edited is kept
# unless FORCE=1. It runs as you (the files are yours), on a read-only
# image, with the network it needs to fetch the feed, and sees only the
# content folder and site.toml (read-write) and a saved feed's folder
# (read-only). IMPORT_FEED_NETWORK names another Docker network to fetch
# from (the workshop's local "old host").
### Usage: make import-feed URL=https://old-host.example/feed.xml|saved-feed.xml [FORCE=1] [CONTENT=folder] [SITE=site.toml]
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

source=${URL:-}
content=${CONTENT:-content}
site=${SITE:-site.toml}
if [ -z "$source" ]; then
    echo "import-feed: no URL given; use: make import-feed URL=https://old-host.example/feed.xml (or a saved copy)" >&2
    exit 2
fi
# Docker would create a missing folder or file (empty, as root) and write into that.
if [ ! -d "$content/episodes" ]; then
    echo "import-feed: $content/episodes is not a folder: CONTENT names the content folder" >&2
    exit 2
fi
if [ ! -f "$site" ]; then
    echo "import-feed: $site: no such file: SITE names the show's site.toml" >&2
    exit 2
fi
content=$(realpath "$content")
site=$(realpath "$site")
# Each at its own path, so that what the command prints names the files as you know them.
mounts=(--mount "type=bind,\"source=$content\",target=$content"
        --mount "type=bind,\"source=$site\",target=$site")
case $source in
    http://* | https://*) ;;
    *)
        if [ ! -f "$source" ]; then
            echo "import-feed: URL=$source: no such file, and not an http(s) URL" >&2
            exit 2
        fi
        source=$(realpath "$source")
        case ${source%/*}/ in
            "$content"/*) ;;
            *) mounts+=(--mount "type=bind,\"source=${source%/*}\",target=${source%/*},readonly") ;;
        esac
        ;;
esac
arguments=(import-feed "$source")
if [ "${FORCE:-}" = 1 ]; then arguments+=(--force); fi

docker compose build --quiet web
# Straight to the command, not through the image's entrypoint, which is for
# services started as root (it reads their secrets; this needs none).
docker run --rm --user "$HOST_UID:$HOST_GID" --network "${IMPORT_FEED_NETWORK:-bridge}" \
    --read-only --tmpfs /tmp --cap-drop ALL --security-opt no-new-privileges:true \
    --env HOME=/tmp --env "CONTENT_DIR=$content" --env "SITE_FILE=$site" "${mounts[@]}" \
    --entrypoint podcast-site "$COMPOSE_PROJECT_NAME-web:$APP_VERSION" "${arguments[@]}"
