#!/bin/sh
# One node of the docker-compose Kafka cluster: three KRaft nodes (kafka-1, kafka-2, kafka-3),
# each controller and broker, a controller quorum of the three, the same settings as
# stack/kafka.py's cluster (`audiensi up --brokers 3`): replication factor 3,
# min.insync.replicas 2, 12 partitions, no unclean leader election. SASL/SCRAM with ACLs:
# every principal's password comes from a docker secret /run/secrets/kafka_<name>_password;
# their SCRAM credentials are made when each node's storage is formatted (first start). The
# ACLs are put on by the `topics` container (`audiensi kafka-setup`, as admin).
# NODE_ID (1..3) says which node this is; CLUSTER_ID is the same on every node.
set -eu
PRINCIPALS="admin operator intake disposition sla reporting documents"
: "${NODE_ID:?set NODE_ID (1, 2 or 3)}"
VOTERS="1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093"
pw() { cat "/run/secrets/kafka_$1_password"; }
ADMIN="$(pw admin)"
CONF=/tmp/server.properties
DATA=/var/lib/kafka/data
cat > "$CONF" <<PROPS
process.roles=broker,controller
node.id=$NODE_ID
controller.quorum.voters=$VOTERS
listeners=CLIENT://:9092,CONTROLLER://:9093,HOST://:2909$NODE_ID
advertised.listeners=CLIENT://kafka-$NODE_ID:9092,HOST://localhost:2909$NODE_ID
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
num.partitions=12
default.replication.factor=3
min.insync.replicas=2
unclean.leader.election.enable=false
auto.create.topics.enable=false
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=2
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=2
group.initial.rebalance.delay.ms=3000
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
