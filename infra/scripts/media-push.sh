#!/usr/bin/env bash
# Upload the media folder ($MEDIA_DIR) to the server's <dir>/shared/media/,
# which every release links and Caddy serves at /media/, over the same ssh as
# `make deploy`. Run it before the deploy that publishes an episode: that
# deploy refuses an episode whose audio is not there.
#   HOST, DEPLOY_DIR, DEPLOY_SSH_CONFIG   the server and the site's folder there (remote.sh)
#   DRY_RUN=1    list what would be uploaded, upload nothing
# rsync makes it:
# - idempotent: a file of the same size and modification time as the
#   server's is skipped (rsync's quick check; --times keeps the time), so a
#   second run sends nothing. Not --checksum: that would read every file in
#   full on both sides at each run, gigabytes of audio on the server's small
#   disk, to find what the quick check already finds.
# - checksummed: every file that is sent is verified end to end against the
#   sender's whole-file checksum, and sent again if it differs.
# - resumable, and never half served: a file arrives under a temporary
#   dot-name and is renamed when whole; a cut connection leaves what arrived
#   in .rsync-partial/ beside it, where the next run resumes. Caddy serves no
#   dot-file or dot-folder.
# It never deletes on the server: a file an old episode (or a podcast app's
# download queue) still links must not vanish. Remove one there by hand.
# Files arrive readable by all (the media are public; migrate reads them as
# another user): folders 755, files 644.
### Usage: make media-push HOST=deploy@203.0.113.10 [DEPLOY_DIR=...] [DRY_RUN=1]
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=remote.sh
. "$(dirname "$0")/remote.sh"

read_remote_settings media-push
media=${MEDIA_DIR:-./media}
if [ ! -d "$media" ]; then
    echo "media-push: $media is not a folder: MEDIA_DIR names the media folder (make episode fills it)" >&2
    exit 2
fi
if ! command -v rsync > /dev/null; then
    echo "media-push: rsync is not installed here (apt-get install rsync; on macOS: brew install rsync)" >&2
    exit 2
fi
options=(--recursive --times --perms '--chmod=D755,F644' --copy-links
         --partial-dir=.rsync-partial --out-format='uploaded %n' --info=stats1
         --rsync-path="mkdir -p $dir/shared/media && rsync" --rsh="$ssh_command")
if [ "${DRY_RUN:-}" = 1 ]; then
    options+=(--dry-run)
    say "DRY_RUN=1: what would be uploaded to $host:$dir/shared/media/"
else
    say "uploading new and changed media to $host:$dir/shared/media/"
fi
# Folders are listed too (audio/); only files are news.
rsync "${options[@]}" "${media%/}/" "$host:$dir/shared/media/" | sed '/^uploaded .*\/$/d'
