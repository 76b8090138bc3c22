#!/usr/bin/env bash
# Release this checkout without failing a request, the simplest design that
# works on one host: build first (the site keeps running); back up the
# database; migrate while the old web still serves (a failing migration stops
# here with nothing swapped; the running code must tolerate the new schema:
# expand/contract); import the release's content (below); start the new web
# beside the old one and retire the old one only once the new one is healthy;
# then replace caddy and backup if their images changed. The previous
# version's images are kept for `make rollback`. Settings changed in .env
# need `make up`.
### Usage: make redeploy
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=releases.sh
. "$(dirname "$0")/releases.sh"
lock_operations redeploy

# The content folder baked into the new image (the release's content/),
# imported in one transaction by the new code, while the old web serves: it
# prints what changed (new: 042 Title, updated: 3 episodes). --require-media:
# a published episode whose audio is not in $MEDIA_DIR, or is not the file its
# front matter measured, is refused like a broken content file. Either stops
# the release here, with nothing swapped and nothing imported.
import_content() {
    say "importing the release's content"
    if ! docker compose run --rm migrate podcast-site import-content --require-media; then
        echo "The content of version $APP_VERSION does not import (above), so it was not released: nothing was swapped, and the running version still serves. Audio missing here? Upload it with make media-push HOST=..., then deploy again." >&2
        return 1
    fi
}

if ! is_running web; then
    echo "The site is not running yet: make up."
    # Its content first, so that the first release of a site serves it at once.
    docker compose build
    docker compose run --rm migrate
    import_content
    exec "$(dirname "$0")/up.sh"
fi
say "building version $APP_VERSION"
docker compose build
say "backing up the database before migrating"
if is_running backup; then
    docker compose exec -T backup backup-now.sh before-deploy
else
    # As the owner: on the upgrade that brings it, the backup's read-only
    # role is made by the migration below.
    as_database_owner
    docker compose run --rm --no-deps "${AS_DATABASE_OWNER[@]}" backup backup-now.sh before-deploy
fi
say "migrating"
docker compose run --rm migrate
import_content
swap_web
replace_changed_services
record_version
rm -f "$ROLLBACK_FILE"  # this version is released on purpose
prune_images
echo "Now serving version $APP_VERSION. (make rollback goes back to $(previous_version).)"
"$(dirname "$0")/url.sh"
