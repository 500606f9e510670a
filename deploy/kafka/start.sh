#!/bin/sh
# The docker-compose broker with SASL/SCRAM and ACLs (the same settings as stack/kafka.py):
# every principal's password comes from a docker secret /run/secrets/kafka_<name>_password;
# their SCRAM credentials are made when the storage is formatted (first start). The ACLs are
# put on by the `kafka-setup` container (`audiensi kafka-setup`, as admin).
set -eu
PRINCIPALS="admin operator intake disposition sla reporting documents"
pw() { cat "/run/secrets/kafka_$1_password"; }
ADMIN="$(pw admin)"
CONF=/tmp/server.properties
DATA=/var/lib/kafka/data
cat > "$CONF" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@kafka:9093
listeners=CLIENT://:9092,CONTROLLER://:9093,HOST://:29092
advertised.listeners=CLIENT://kafka:9092,HOST://localhost:29092
controller.listener.names=CONTROLLER
inter.broker.listener.name=CLIENT
listener.security.protocol.map=CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT,HOST:SASL_PLAINTEXT
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.host.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$ADMIN";
listener.name.host.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="$ADMIN" user_admin="$ADMIN";
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin
allow.everyone.if.no.acl.found=false
log.dirs=$DATA
num.partitions=6
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
PROPS
cat > /tmp/admin.properties <<PROPS
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$ADMIN";
PROPS
if [ ! -f "$DATA/meta.properties" ]; then
  set --
  for p in $PRINCIPALS; do
    set -- "$@" --add-scram "SCRAM-SHA-512=[name=$p,password=$(pw "$p")]"
  done
  /opt/kafka/bin/kafka-storage.sh format -t "$CLUSTER_ID" -c "$CONF" "$@"
fi
exec /opt/kafka/bin/kafka-server-start.sh "$CONF"
