#!/usr/bin/env bash
# Create a random secret file (64 hex characters, mode 0600) unless it exists;
# never print it.
### Usage: infra/scripts/make-secret.sh .secrets/db_password
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

file=${1:?usage: make-secret.sh FILE}
[ ! -e "$file" ] || exit 0
mkdir -p "$(dirname "$file")"
chmod 700 "$(dirname "$file")"
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$file")
echo "Created the secret $file (mode 0600)."
