# Sourced by deploy.sh and media-push.sh (not run): which server and which
# folder there, checked, and the ssh command both reach it with.
#   HOST=user@server         where to ssh to (required; a Host from ~/.ssh/config works)
#   DEPLOY_DIR=dir           the site's folder on the server, relative to that
#                            user's home or absolute (default: rightsized)
#   DEPLOY_SSH_CONFIG=file   an ssh config file of its own for this site (optional)
# shellcheck shell=bash

# Set host, dir and ssh_command (ssh and its options, without the host) for
# `make $1`, or exit 2 saying what is wrong.
read_remote_settings() {
    local target=$1 value
    host=${HOST:-}
    dir=${DEPLOY_DIR:-rightsized}
    if [ -z "$host" ]; then
        echo "$target: no HOST given; use: make $target HOST=deploy@203.0.113.10" >&2
        exit 2
    fi
    # They end up inside command lines, here and on the server: allow only
    # plain characters (and no leading dash, which ssh or mkdir would take as
    # an option) rather than quote them twice.
    for value in "$host" "$dir" ${DEPLOY_SSH_CONFIG:+"$DEPLOY_SSH_CONFIG"}; do
        case $value in
            -* | *[!A-Za-z0-9@._:/-]*)
                echo "$target: '$value': HOST, DEPLOY_DIR and DEPLOY_SSH_CONFIG may hold only letters, digits and @ . _ : / - (no leading -)" >&2
                exit 2 ;;
        esac
    done
    # BatchMode: fail at once instead of waiting for a password nobody types.
    # shellcheck disable=SC2034 # read by the scripts that source this one
    ssh_command="ssh -o BatchMode=yes${DEPLOY_SSH_CONFIG:+ -F $DEPLOY_SSH_CONFIG}"
}
