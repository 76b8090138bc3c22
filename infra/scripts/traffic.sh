#!/usr/bin/env bash
# Turn Caddy's access log (JSON, in its volume, the last 14 days) into one
# HTML report with GoAccess: page views, referrers, 404s, and feed polls by
# podcast app (infra/traffic/podcast-apps.list names them). The right-sized
# answer to a hosted analytics service: no script in visitors' browsers, no
# service running all the time, and addresses anonymised in the report.
### Usage: make traffic    (then open the file it names)
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

image="$COMPOSE_PROJECT_NAME-goaccess"
report_dir=${TRAFFIC_DIR:-./traffic}
report="report-$(date -u +%Y%m%dT%H%M%SZ).html"
docker build --quiet --tag "$image" --file infra/traffic/Dockerfile . > /dev/null
mkdir -p "$report_dir"
# Caddy compresses the files it rolls; zcat -f reads those and the live one.
docker run --rm --network none --read-only --tmpfs /tmp \
    --volume "${COMPOSE_PROJECT_NAME}_caddy-data:/caddy:ro" \
    --volume "$(realpath "$report_dir"):/out" \
    "$image" sh -c "zcat -f /caddy/access*.log* | goaccess - --log-format=CADDY \
        --anonymize-ip --ignore-panel=HOSTS --browsers-file=/etc/goaccess/podcast-apps.list \
        --html-report-title='Traffic of $COMPOSE_PROJECT_NAME' --no-progress \
        -o /out/$report && chown $HOST_UID:$HOST_GID /out/$report"
echo "Traffic report: $report_dir/$report"
