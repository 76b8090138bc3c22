#!/usr/bin/env bash
# Ship one commit to the server and release it there; run by `make deploy`.
#   HOST, DEPLOY_DIR, DEPLOY_SSH_CONFIG   the server and the site's folder there (remote.sh)
#   DEPLOY_REF=ref     the commit to ship (default: HEAD)
#   DRY_RUN=1          print the commands instead of running them
# On the server, each commit gets a folder of its own, and `current` points
# at the live one:
#   <dir>/releases/<commit>/   the commit's files (a `git archive`: nothing
#                              untracked leaves this machine)
#   <dir>/current ->           switched in one atomic rename by activate.sh
#   <dir>/shared/              .env, .secrets/, backups/, media/ (make
#                              media-push): never in an archive
#   <dir>/logs/deploy-<time>-<commit>.log   what each deploy printed (the
#                              newest 20 are kept); deploy.log -> the newest
#                              that ran
#   <dir>/.operations.lock     one deploy, redeploy, rollback or restore at a
#                              time (common.sh, lock_operations)
# The release runs detached on the server (infra/scripts/activate.sh, under a
# lock), so a dropped SSH connection does not stop it; this script only
# follows its log, and exits with its result.
### Usage: make deploy HOST=deploy@203.0.113.10 [DEPLOY_REF=...] [DRY_RUN=1]
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=remote.sh
. "$(dirname "$0")/remote.sh"

read_remote_settings deploy
ref=${DEPLOY_REF:-HEAD}
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

ssh="$ssh_command $host"
release="$dir/releases/$sha"

# 1. Upload into a folder of its own, complete before it gets its name: a
#    cut connection leaves only a .partial folder, never a half release.
#    .release-commit tells the Makefile the version (there is no .git there).
#    Under the site's lock, and only if the commit is not there yet: the
#    release that is live (deploying its commit again) is never replaced.
unpack="rm -rf $release.partial && mkdir -p $release.partial && tar -x -f - -C $release.partial"
unpack+=" && echo $sha > $release.partial/.release-commit && mv $release.partial $release"
unpack="mkdir -p $dir/releases && flock --nonblock $dir/.operations.lock sh -c 'if [ -d $release ]; then cat > /dev/null; else $unpack; fi'"
run "git archive --format=tar $sha | $ssh \"$unpack\"" || {
    echo "deploy: the upload failed, or another operation is running on the server ($dir/.operations.lock); nothing changed." >&2
    exit 75
}
# 2. Release it, detached from this connection (nohup, its own session):
#    switch `current`, make redeploy, switch back if that fails. Each run
#    logs to a file of its own, so a second deploy cannot overwrite this one's.
log="logs/deploy-$(date -u +%Y%m%dT%H%M%SZ)-${sha:0:12}"
run "$ssh 'cd $dir && mkdir -p logs && { setsid nohup releases/$sha/infra/scripts/activate.sh $log > $log.log 2>&1 < /dev/null & echo \$! > $log.pid; }'"
# 3. Follow it until it ends (Ctrl-C or a lost connection leaves it running:
#    `ssh $host tail -f $dir/deploy.log` picks it up again), then exit with
#    its status.
run "$ssh 'cd $dir && tail -n +1 --pid=\$(cat $log.pid) -f $log.log && exit \$(cat $log.status)'"
