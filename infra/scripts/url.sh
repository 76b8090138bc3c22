#!/usr/bin/env bash
# Print the running site's address; for a local site also copy Caddy's local
# CA certificate to $SECRETS_DIR/caddy-local-ca.crt and say how to trust it.
### Usage: make url
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

site=$(docker compose exec -T caddy printenv SITE_ADDRESS)
port=$(docker compose port caddy 443 | sed 's/.*://')
url="https://$site$([ "$port" = 443 ] || echo ":$port")/"
echo "The site is up: $url"
if [ "$site" = localhost ]; then
    ca="$SECRETS_DIR/caddy-local-ca.crt"
    docker compose cp caddy:/data/caddy/pki/authorities/local/root.crt "$ca" 2> /dev/null
    echo "Its certificate comes from Caddy's local CA: trust $ca (docs/troubleshooting.md: \"Trust the local certificate\"), or:"
    echo "  curl --cacert $ca $url"
fi
