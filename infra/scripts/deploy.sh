#!/usr/bin/env bash
# Ship one commit to the server and run it there; run by `make deploy`.
#   HOST=user@server   where to ssh to (required)
#   DEPLOY_DIR=dir     the site's folder on the server, relative to that user's
#                      home (default: rightsized)
#   DEPLOY_REF=ref     the commit to ship (default: HEAD)
#   DRY_RUN=1          print the commands instead of running them
# Only the commit travels, as a `git archive`: nothing untracked leaves this
# machine, and the server's own files (.env, .secrets/, backups/) are never in
# the archive, so they are never overwritten.
set -euo pipefail

host=${HOST:-}
dir=${DEPLOY_DIR:-rightsized}
ref=${DEPLOY_REF:-HEAD}

if [ -z "$host" ]; then
    echo "deploy: no HOST given; use: make deploy HOST=deploy@203.0.113.10" >&2
    exit 2
fi
# Both end up inside command lines, here and on the server: allow only plain
# characters (and no leading dash, which ssh or mkdir would take as an option)
# rather than quote them twice.
for value in "$host" "$dir"; do
    case $value in
        -* | *[!A-Za-z0-9@._:/-]*)
            echo "deploy: '$value': HOST and DEPLOY_DIR may hold only letters, digits and @ . _ : / - (no leading -)" >&2
            exit 2 ;;
    esac
done
sha=$(git rev-parse --verify --quiet "$ref^{commit}") || {
    echo "deploy: '$ref' is not a commit here" >&2
    exit 2
}
if [ -n "$(git status --porcelain)" ]; then
    echo "deploy: warning: you have uncommitted changes; they are NOT deployed: only $sha is." >&2
fi

# Show each command like `set -x` does, then run it unless DRY_RUN=1. The same
# string is printed and run, so a dry run shows exactly what a real one does.
run() {
    printf '+ %s\n' "$1"
    if [ "${DRY_RUN:-}" != 1 ]; then
        eval "$1"
    fi
}

# BatchMode: fail at once instead of waiting for a password nobody types.
ssh="ssh -o BatchMode=yes $host"

# 1. Unpack the commit over the folder. tar -v lists what it wrote into
#    .deployed-files; whatever the previous deploy wrote that this commit no
#    longer has is deleted (directories aside), so a removed file, a
#    migration say, cannot linger and be built into an image, even on a rollback.
unpack="mkdir -p $dir && cd $dir && tar -x -v -f - > .deployed-files.new"
unpack+=' && { [ ! -f .deployed-files ] || grep -vxF -f .deployed-files.new .deployed-files'
unpack+=' | grep -v "/\$" | xargs -r -d "\n" rm -f --; } && mv .deployed-files.new .deployed-files'
run "git archive --format=tar $sha | $ssh '$unpack'"
# 2. Say what is deployed: the server has the files, not the git history.
run "$ssh 'echo $sha > $dir/.deployed-commit'"
# 3. Run it: `make redeploy` migrates, then replaces what changed without
#    failing a request (the first time, it starts everything).
run "$ssh 'cd $dir && make redeploy'"
