#!/usr/bin/env bash
# One screen on the site's health: services, versions, disk, load, backups
# local and off-site, the certificate, and a last section listing what needs
# attention (nothing, on a good day). Reads only; changes nothing.
# DOCTOR_PROBLEMS=file: also write what needs attention there, one
# "<key> <message>" a line, for make watch (watch.sh).
### Usage: make doctor
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=releases.sh
. "$(dirname "$0")/releases.sh"
set +e  # a doctor reports what fails; it does not stop at it

attention=()
keys=()
# Note a problem under a key that stays the same while it lasts (its message
# may change: an age, a percentage), so make watch mails its start and end once.
note() {
    keys+=("$1")
    shift
    attention+=("$*")
}
age_of() {  # seconds since a file changed
    echo $(( $(date +%s) - $(stat -c %Y "$1") ))
}
human() {  # 93784 -> 1d 2h
    local s=$1
    if [ "$s" -ge 86400 ]; then echo "$(( s / 86400 ))d $(( s % 86400 / 3600 ))h"
    elif [ "$s" -ge 3600 ]; then echo "$(( s / 3600 ))h $(( s % 3600 / 60 ))m"
    else echo "$(( s / 60 ))m"; fi
}

echo "== services ($COMPOSE_PROJECT_NAME)"
docker compose ps --all --format 'table {{.Service}}\t{{.Status}}\t{{.Image}}'
while read -r service state health; do
    case "$service:$state:$health" in
        migrate:exited:*) ;;
        *:running:healthy | *:running:) ;;
        ?*) note "service-$service" "$service is $state${health:+ ($health)}: make logs SERVICE=$service" ;;
    esac
done < <(docker compose ps --all --format '{{.Service}} {{.State}} {{.Health}}')
for service in db web caddy backup; do
    if ! docker compose ps --all --quiet "$service" | grep -q .; then
        note "service-$service" "$service has no container: make up"
    fi
done

echo
echo "== versions"
serving=$(docker compose ps --quiet web | head -n 1)
if [ -n "$serving" ]; then
    serving=$(docker inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$serving" \
        | sed -n 's/^APP_VERSION=//p')
fi
echo "web serves ${serving:-nothing}; previous (make rollback): $(previous_version)"
echo "$(docker --version); $(docker compose version)"

echo
echo "== disk"
df -h --output=target,size,avail,pcent "$BACKUP_DIR" "$(docker info --format '{{.DockerRootDir}}' 2> /dev/null)" 2> /dev/null | uniq
for folder in "$BACKUP_DIR" "$(docker info --format '{{.DockerRootDir}}' 2> /dev/null)"; do
    used=$(df --output=pcent "$folder" 2> /dev/null | tail -n 1 | tr -dc 0-9)
    if [ -n "$used" ] && [ "$used" -ge 85 ]; then
        note "disk-$folder" "$folder's disk is ${used}% full: docker system prune, or fewer backups (BACKUP_KEEP_*)"
    fi
done
docker system df --format 'docker {{.Type}}: {{.Size}} ({{.Reclaimable}} reclaimable)'

echo
echo "== load: is one server still enough? (docs/scaling.md)"
# Two readings of /proc, two seconds apart: the share of CPU time the
# hypervisor gave to other guests (steal) and how busy the disk holding
# Docker's data was (its io_ticks, in ms).
# readlink: LVM's /dev/mapper/... names link to the dm-N that diskstats lists.
disk=$(basename "$(readlink -f "$(df --output=source "$(docker info --format '{{.DockerRootDir}}' 2> /dev/null)" 2> /dev/null | tail -n 1)")")
read_cpu() { awk '/^cpu / { total = 0; for (i = 2; i <= NF; i++) total += $i; print total, $9 }' /proc/stat; }
read_disk() { awk -v disk="$disk" '$3 == disk { print $13 }' /proc/diskstats; }
read -r total_before steal_before <<< "$(read_cpu)"
busy_before=$(read_disk)
sleep 2
read -r total_after steal_after <<< "$(read_cpu)"
busy_after=$(read_disk)
read -r load_1 load_5 load_15 _ < /proc/loadavg
echo "load average $load_1 $load_5 $load_15 on $(nproc) CPUs;" \
    "CPU steal $(( 100 * (steal_after - steal_before) / (total_after - total_before) ))% now," \
    "$(( 100 * steal_after / total_after ))% since boot"
if [ -n "$busy_before" ] && [ -n "$busy_after" ]; then
    echo "disk $disk busy $(( (busy_after - busy_before) / 20 ))% of the last 2 s"
fi
awk '/^MemTotal/ { total = $2 } /^MemAvailable/ { free = $2 } /^SwapTotal/ { swap = $2 } /^SwapFree/ { swap_free = $2 }
    END { printf "memory %d MiB available of %d MiB; swap %d MiB in use\n", free / 1024, total / 1024, (swap - swap_free) / 1024 }' /proc/meminfo
connections=$(docker compose exec -T db psql --username=podcast --dbname=podcast --no-align --tuples-only \
    --field-separator=' ' --command="SELECT count(*) FILTER (WHERE backend_type = 'client backend'),
        current_setting('max_connections') FROM pg_stat_activity" 2> /dev/null)
read -r used most <<< "$connections"
if [ -n "$used" ]; then
    echo "Postgres connections: $used of $most"
    if [ $(( 100 * used )) -ge $(( 80 * most )) ]; then
        note postgres-connections "Postgres has $used of its $most connections in use: fewer web workers or DB_POOL_SIZE, or a bigger server (docs/scaling.md)"
    fi
fi

echo
echo "== download counting"
# OPAWG's lists (make user-agents) are not in git: a site that never brought
# them counts bots as listeners (docs/downloads.md).
lists=${USER_AGENTS_DIR:-./user-agents}
if [ -f "$lists/source.toml" ]; then
    echo "OPAWG lists: $(grep -E '^(commit|copied) ' "$lists/source.toml" | tr -d '"' | paste -sd ' ')"
else
    echo "no OPAWG lists in $lists"
    note user-agents-missing "no OPAWG lists of apps and bots, so bots count as downloads: make user-agents, then make redeploy"
fi

echo
echo "== backups (in $BACKUP_DIR)"
# Scheduled ones (podcast-<time>Z.dump): what the schedule keeps going.
newest=$(find "$BACKUP_DIR" -maxdepth 1 -name 'podcast-*Z.dump' -printf '%T@ %p\n' 2> /dev/null \
    | sort -rn | head -n 1 | cut -d' ' -f2-)
interval=${BACKUP_INTERVAL_SECONDS:-86400}
if [ -z "$newest" ]; then
    echo "no scheduled backup yet"
    note backup-missing "there is no scheduled backup: make logs SERVICE=backup"
else
    echo "newest scheduled: ${newest##*/}, $(human "$(age_of "$newest")") old; $(find "$BACKUP_DIR" -maxdepth 1 -name 'podcast-*.dump' | wc -l) in all, $(du -sh "$BACKUP_DIR" | cut -f1)"
    # A day's schedule plus two hours: a backup that runs late is not news.
    if [ "$(age_of "$newest")" -gt $(( interval + 7200 )) ]; then
        note backup-old "the newest scheduled backup is $(human "$(age_of "$newest")") old: make logs SERVICE=backup"
    fi
fi
if [ -f "$BACKUP_DIR/.offsite-failed" ]; then
    echo "off-site: the last copy FAILED: $(cat "$BACKUP_DIR/.offsite-failed")"
    note offsite-failed "the last off-site copy failed: make logs SERVICE=backup"
elif [ -f "$BACKUP_DIR/.offsite-ok" ]; then
    echo "off-site: $(cat "$BACKUP_DIR/.offsite-ok"), copied $(human "$(age_of "$BACKUP_DIR/.offsite-ok")") ago"
    if [ "$(age_of "$BACKUP_DIR/.offsite-ok")" -gt $(( interval * 2 )) ]; then
        note offsite-old "the newest off-site copy is $(human "$(age_of "$BACKUP_DIR/.offsite-ok")") old"
    fi
else
    echo "off-site: none (BACKUP_OFFSITE_REPOSITORY is not set, or nothing was copied yet)"
    note offsite-none "no off-site copies: a lost server loses the data (docs/operations.md, off-site copies)"
fi

echo
echo "== e-mail"
# Queued mail not sent yet (background/mailer.py): how many, how old, and why.
queue=$(docker compose exec -T db psql --username=podcast --dbname=podcast --no-align --tuples-only \
    --field-separator='|' --command="SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at))::int, 0),
        coalesce((array_agg(last_error ORDER BY send_after DESC) FILTER (WHERE last_error IS NOT NULL))[1], ''),
        (SELECT count(*) FROM outbound_emails WHERE dead_at IS NOT NULL)
        FROM outbound_emails WHERE sent_at IS NULL AND dead_at IS NULL" 2> /dev/null)
IFS='|' read -r waiting oldest error dead <<< "$queue"
if [ -z "$queue" ]; then
    echo "the database does not answer"
    note database "the database does not answer: make logs SERVICE=db"
elif [ "$waiting" = 0 ]; then
    echo "every queued e-mail has been sent"
else
    echo "$waiting e-mail(s) waiting, the oldest for $(human "$oldest")${error:+; last error: $error}"
    if [ "$oldest" -gt 3600 ]; then
        note mail-waiting "e-mails wait to be sent (SMTP_HOST and the mail server: make logs SERVICE=web)"
    fi
fi
if [ -n "$queue" ] && [ "${dead:-0}" != 0 ]; then
    echo "$dead e-mail(s) given up (refused for good, or failing for days; kept 30 days)"
    note mail-dead "some e-mails were given up: make psql, then SELECT to_address, last_error FROM outbound_emails WHERE dead_at IS NOT NULL"
fi

echo
echo "== certificates"
# Caddy keeps them in its volume; the backup image has openssl to read them.
certificates=$(docker compose run --rm --no-deps -T --user 0:0 \
    --volume "${COMPOSE_PROJECT_NAME}_caddy-data:/caddy:ro" backup sh -c '
        find /caddy/caddy/certificates -name "*.crt" | while read -r c; do
            echo "$(date -d "$(openssl x509 -noout -enddate -in "$c" | cut -d= -f2)" +%s) ${c#/caddy/caddy/certificates/}"
        done' 2> /dev/null)
while read -r expires path; do
    [ -n "$path" ] || continue
    left=$(( (expires - $(date +%s)) / 86400 ))
    echo "$path: expires in $left days"
    # Caddy's own local certificates live hours and renew themselves.
    if [ "${path%%/*}" != local ] && [ "$left" -lt 14 ]; then
        note "certificate-$path" "$path expires in $left days, and Caddy renews 30 days ahead: make logs SERVICE=caddy"
    fi
done <<< "$certificates"
[ -n "$certificates" ] || echo "none yet (Caddy gets one when it first starts with the domain)"

echo
echo "== errors"
# 5xx answers in the last hour, from Caddy's access log (JSON, one request a
# line): a few can be a client's bad luck, a stream is the site failing.
since=$(( $(date +%s) - 3600 ))
errors=$(docker compose exec -T caddy cat /data/access.log 2> /dev/null | awk -v since="$since" '
    match($0, /"ts":[0-9.]+/) { ts = substr($0, RSTART + 5, RLENGTH - 5) + 0 }
    ts >= since && /"status":5[0-9][0-9]/ { n++ }
    END { print n + 0 }')
echo "${errors:-0} error answers (5xx) in the last hour"
if [ "${errors:-0}" -ge 20 ]; then
    note errors "$errors error answers (5xx) in the last hour: make logs SERVICE=web"
fi

echo
if [ -n "${DOCTOR_PROBLEMS:-}" ]; then
    for i in "${!keys[@]}"; do printf '%s %s\n' "${keys[$i]}" "${attention[$i]}"; done > "$DOCTOR_PROBLEMS"
fi
if [ "${#attention[@]}" = 0 ]; then
    echo "== nothing needs attention"
else
    echo "== needs attention"
    printf '  - %s\n' "${attention[@]}"
    exit 1
fi
