#!/usr/bin/env bash
# Write the next episode's file from its recording, with the web image's
# `podcast-site new-episode`: the duration, byte count and SHA-256 measured
# from the file (never typed), the audio copied into $MEDIA_DIR/audio/ under
# the episode's name, TODO lines for what only you can write. It runs as you
# (the files it writes are yours), with no network, and sees only the
# content folder and the media folder (read-write) and the recording's own
# folder (read-only). Make passes AUDIO, TITLE and PUBLISH from its command
# line through the environment, so a title may hold any character.
### Usage: make episode AUDIO=path/to/recording.mp3 [TITLE="The title"] [PUBLISH=now|2027-01-12|"2027-01-12 06:00"] [CONTENT=folder]
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

audio=${AUDIO:-}
content=${CONTENT:-content}
if [ -z "$audio" ]; then
    echo "episode: no AUDIO given; use: make episode AUDIO=path/to/recording.mp3 [TITLE=...] [PUBLISH=...]" >&2
    exit 2
fi
if [ ! -f "$audio" ]; then
    echo "episode: AUDIO=$audio: no such file" >&2
    exit 2
fi
# Docker would create a missing folder (empty, as root) and write into that.
if [ ! -d "$content/episodes" ]; then
    echo "episode: $content/episodes is not a folder: CONTENT names the content folder" >&2
    exit 2
fi
recording=$(realpath "$audio")
folders=("$(realpath "$content")" "$(realpath "$MEDIA_DIR")")

# The same image as the site's (its CLI, and site.toml for PUBLISH's time zone).
docker compose build --quiet web
# Each folder at its own path, so that what the command prints (and every
# error) names the files as you know them. --mount, not --volume: a path may
# hold a colon (and the quotes, a comma). The recording's folder read-only,
# unless it is inside one of the others, which show it already.
mounts=(--mount "type=bind,\"source=${folders[0]}\",target=${folders[0]}"
        --mount "type=bind,\"source=${folders[1]}\",target=${folders[1]}")
case ${recording%/*}/ in
    "${folders[0]}"/* | "${folders[1]}"/*) ;;
    *) mounts+=(--mount "type=bind,\"source=${recording%/*}\",target=${recording%/*},readonly") ;;
esac
arguments=(new-episode "$recording")
if [ -n "${TITLE:-}" ]; then arguments+=("--title=$TITLE"); fi
if [ -n "${PUBLISH:-}" ]; then arguments+=("--publish=$PUBLISH"); fi
# Straight to the command, not through the image's entrypoint, which is for
# services started as root (it reads their secrets; this needs none).
docker run --rm --user "$HOST_UID:$HOST_GID" --network none --read-only --tmpfs /tmp \
    --cap-drop ALL --security-opt no-new-privileges:true --env HOME=/tmp \
    --env "CONTENT_DIR=${folders[0]}" --env "MEDIA_DIR=${folders[1]}" "${mounts[@]}" \
    --entrypoint podcast-site "$COMPOSE_PROJECT_NAME-web:$APP_VERSION" "${arguments[@]}"
