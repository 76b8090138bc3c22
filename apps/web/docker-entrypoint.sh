#!/bin/sh
# Start the container's command as the unprivileged `app` user.
#
# Compose mounts file secrets with the owner and mode they have on the host:
# `make up` writes them 0600 for the deploy user, so uid 10001 (app) cannot
# read /run/secrets directly. Root copies them once into a private tmpfs-backed
# folder owned by app, then gives up root for good (setpriv is in util-linux,
# part of every Debian image) before running anything else.
set -eu

if [ "$(id -u)" = 0 ]; then
    if [ -d /run/secrets ]; then
        install -d -o app -g app -m 0700 /run/app-secrets
        for secret in /run/secrets/*; do
            [ -f "$secret" ] && install -o app -g app -m 0400 "$secret" /run/app-secrets/
        done
    fi
    # setpriv keeps the environment: HOME must stop pointing at /root, or
    # libraries that look for per-user files there (asyncpg) hit EACCES.
    HOME=/app USER=app exec setpriv --reuid=app --regid=app --init-groups --inh-caps=-all -- "$@"
fi
exec "$@"
