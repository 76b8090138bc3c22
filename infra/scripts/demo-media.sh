#!/usr/bin/env bash
# Make the demo show's media again (infra/demo-media/), after its episodes,
# guests or name changed, and write the files' sizes and durations into the
# content. The output is committed, so nobody else needs to run this.
### Usage: make demo-media
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

image="$COMPOSE_PROJECT_NAME-demo-media"
docker build --quiet --tag "$image" --file infra/demo-media/Dockerfile . > /dev/null
docker run --rm --user "$HOST_UID:$HOST_GID" --volume "$PWD:/src" "$image"
