#!/usr/bin/env bash
# Remove the Swarm stack: its services, networks, secrets and configs. Its
# volumes stay (the database is in one): the commands to remove them are
# printed, to run on the node that holds each.
### Usage: make swarm-rm  (FORCE=1 to skip the question)
# shellcheck source-path=SCRIPTDIR
# shellcheck source=common.sh
. "$(dirname "$0")/common.sh"
# shellcheck source=swarm.sh
. "$(dirname "$0")/swarm.sh"

if ! confirm "Remove the swarm stack $STACK? The site stops; its volumes stay."; then
    echo "Nothing removed."
    exit 1
fi
docker stack rm "$STACK"
# `stack rm` returns before the tasks have stopped; the networks go last.
label="label=com.docker.stack.namespace=$STACK"
for _ in $(seq 1 120); do
    if [ -z "$(docker ps --quiet --filter "$label")" ] && [ -z "$(docker network ls --quiet --filter "$label")" ]; then
        break
    fi
    sleep 1
done
# The migrate job's finished tasks leave their containers behind. These
# are this node's; another node that ran the job keeps its own until
# `docker container prune` there.
finished=$(docker ps --all --quiet --filter "$label" --filter status=exited)
if [ -n "$finished" ]; then
    # shellcheck disable=SC2086 # one argument per container id
    docker rm $finished > /dev/null
fi
echo "Removed the stack $STACK. Its volumes, on the nodes that ran db, caddy and backup:"
echo "  docker volume ls --filter label=com.docker.stack.namespace=$STACK"
echo "  docker volume rm \$(docker volume ls --quiet --filter label=com.docker.stack.namespace=$STACK)"
