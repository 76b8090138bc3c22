#!/usr/bin/env bash
# Bring the OPAWG lists of podcast apps, libraries, browsers and bots
# (github.com/opawg/user-agents-v2, MIT licensed) that the download counter
# sorts user agents with into USER_AGENTS_DIR (./user-agents): its
# build/*.runtime.json files, unchanged, with its licence and the commit they
# came from. Never edit them by hand. Web reads them when it starts: run make
# redeploy after this (on a server, in current/: they land in shared/).
### Usage: make user-agents              (clones the newest commit)
###        make user-agents FROM=path    (a clone of it you already have)
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"

repository=https://github.com/opawg/user-agents-v2
# Outside git, like the media: the data is OPAWG's, not this repository's.
data=${USER_AGENTS_DIR:-./user-agents}
clone=${FROM:-}
if [ -z "$clone" ]; then
    clone=$(mktemp -d)
    trap 'rm -rf "$clone"' EXIT
    say "cloning $repository"
    git clone --quiet --bare --depth 1 "$repository" "$clone"
fi
# git show reads the files of the commit itself: a bare clone, or a checkout
# with local edits, gives what OPAWG published.
commit=$(git -C "$clone" rev-parse HEAD)
mkdir -p "$data"
# Listed in the order OPAWG says to match them in (web/user_agents.py).
for list in bots apps libraries browsers; do
    git -C "$clone" show "$commit:build/$list.runtime.json" > "$data/$list.json"
done
git -C "$clone" show "$commit:LICENSE" > "$data/LICENSE"
cat > "$data/source.toml" << TOML
# Where the lists beside this file come from: written by make user-agents.
repository = "$repository"
commit = "$commit"
committed = "$(git -C "$clone" show --no-patch --format=%cI "$commit")"
copied = "$(date -u +%Y-%m-%d)"
TOML
say "$data: OPAWG's lists at $commit (make redeploy to count with them)"
