#!/bin/sh
# One node of the docker-compose Redis Cluster (redis-1..6), signing clients in the way the
# local stack does (stack/redis_access.py): the default user off, one ACL user per service
# that may not run the @dangerous commands nor flush the scripts, and `operator` for the
# tools and replication (a replica signs in to its master as operator). Each password comes
# from a docker secret /run/secrets/redis_<user>_password. Arguments: redis-server's own.
set -eu
USERS="operator intake disposition sla reporting documents"
SERVICE_RULES="~* &* +@all -@dangerous -script|flush -function|flush"
OPERATOR_RULES="~* &* +@all"
SECRETS=${SECRETS_DIR:-/run/secrets}
CONF=${CONF_DIR:-/tmp}
pw() { cat "$SECRETS/redis_$1_password"; }
umask 077
{
  echo "user default off"
  for user in $USERS; do
    rules=$SERVICE_RULES
    [ "$user" = operator ] && rules=$OPERATOR_RULES
    echo "user $user on >$(pw "$user") $rules"
  done
} > "$CONF/users.acl"
# the operator's password in a file of its own, not on the command line
printf 'aclfile %s\nmasteruser operator\nmasterauth %s\n' "$CONF/users.acl" "$(pw operator)" \
  > "$CONF/redis.conf"
exec redis-server "$CONF/redis.conf" "$@"
