#!/usr/bin/env bash
# Tell the owner when something breaks, and when it is fixed: run make
# doctor's checks and mail site.toml's owner_email once when a problem
# starts and once when it clears, never again while it lasts. A systemd
# timer runs it every 5 minutes on a server (infra/server/cloud-init.yaml).
# What is open is kept in .watch-problems-<project> in the site folder (one
# per copy of the site, as `make up COMPOSE_PROJECT_NAME=other` runs beside
# it); it changes only once the mail went out, so a mail that fails is tried
# again next time.
# The mail goes straight to SMTP_HOST (podcast-site mail-owner, in a
# container of web's image): not through the mail queue, which may be what
# is broken. If the mail server itself is down, no mail can say so.
### Usage: make watch   (every 5 minutes: systemctl list-timers rightsized-watch)
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

open_file="$(site_dir)/.watch-problems-$COMPOSE_PROJECT_NAME"
found=$(mktemp)
trap 'rm -f "$found" "$found".*' EXIT
DOCTOR_PROBLEMS=$found "$(dirname "$0")/doctor.sh" > /dev/null 2>&1 || true
touch "$open_file"

# Lines are "<key> <message>"; a problem is the same one while its key is.
keys_of() {
    cut -d' ' -f1 "$1" | sort -u
}
comm -13 <(keys_of "$open_file") <(keys_of "$found") > "$found.started"
comm -23 <(keys_of "$open_file") <(keys_of "$found") > "$found.cleared"
started=$(grep -c . "$found.started" || true)
cleared=$(grep -c . "$found.cleared" || true)
if [ "$started" = 0 ] && [ "$cleared" = 0 ]; then
    exit 0
fi

# The message a key had when it was found (or, cleared, when it started).
messages_of() {
    while read -r key; do
        grep -m 1 "^$key " "$2" | cut -d' ' -f2- | sed 's/^/  - /'
    done < "$1"
}
subject="$COMPOSE_PROJECT_NAME: $started new problem(s), $cleared cleared"
{
    if [ "$started" != 0 ]; then
        echo "New problems on $(hostname):"
        messages_of "$found.started" "$found"
        echo
    fi
    if [ "$cleared" != 0 ]; then
        echo "Cleared (fixed, or no longer found):"
        messages_of "$found.cleared" "$open_file"
        echo
    fi
    echo "Still open: $(grep -c . "$found" || true). make doctor on the server shows everything."
} > "$found.body"
if docker compose run --rm --no-deps -T web podcast-site mail-owner --subject "$subject" < "$found.body"; then
    cp "$found" "$open_file"
else
    echo "watch: the mail to the owner did not go out (above); trying again next time." >&2
    exit 1
fi
