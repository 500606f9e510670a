#!/bin/sh
# One-shot (the `redis-cluster` container): make the six redis-N nodes one Redis Cluster of
# 3 masters + 3 replicas the first time, then wait until it is whole. Idempotent: a node
# that already knows the other five (its nodes.conf, on its volume) is left as it is.
set -eu
# signed in as the operator (deploy/redis/start.sh), its password from the docker secret
SECRET=${SECRETS_DIR:-/run/secrets}/redis_operator_password
REDISCLI_AUTH=$(cat "$SECRET")
export REDISCLI_AUTH
cli() { redis-cli --user operator --no-auth-warning "$@"; }
# the nodes' fixed addresses in docker-compose.yml (REDIS_NODES: another set, e.g. the test's)
NODES=${REDIS_NODES:-"172.28.0.11:6379 172.28.0.12:6379 172.28.0.13:6379 172.28.0.14:6379 172.28.0.15:6379 172.28.0.16:6379"}
first=${NODES%% *}
known=$(cli -h "${first%:*}" -p "${first#*:}" cluster info | tr -d '\r' \
        | sed -n 's/^cluster_known_nodes://p')
if [ "${known:-1}" -lt 6 ]; then
  # shellcheck disable=SC2086
  cli --cluster create $NODES --cluster-replicas 1 --cluster-yes
fi
for i in $(seq 1 120); do
  ok=0
  for node in $NODES; do
    if cli -h "${node%:*}" -p "${node#*:}" cluster info | grep -q '^cluster_state:ok'; then
      ok=$((ok + 1))
    fi
  done
  [ "$ok" -eq 6 ] && { echo "redis cluster ok"; exit 0; }
  sleep 1
done
echo "redis cluster not ok after 120 s" >&2
exit 1
