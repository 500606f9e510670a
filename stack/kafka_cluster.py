"""A three-node Apache Kafka cluster (KRaft) from the same jars as the single broker: every
node a combined controller+broker, a controller quorum of all of them, each with its own data
dir and ports, all signing clients in with the same SASL/SCRAM credentials and ACLs.

    cluster = KafkaCluster(data_dir, [9092, 9094, 9096], [9093, 9095, 9097])
    cluster.start()                  # launch every node, wait until each answers, put the ACLs
    cluster.leader_of(topic, 0)      # node id leading that partition
    cluster.node(2).kill()           # SIGKILL one broker; .start() brings it back
    cluster.stop()

Data: `<data_dir>/kafka/node-<id>/`; credentials and the cluster id: `<data_dir>/kafka/` (the
single broker's places, so `audiensi kafka-config` and the tests' sign-in find them).
Topics in this mode: replication factor = the node count, `min.insync.replicas` 2, 12
partitions (`env()`, the variables the services get).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from chassis.kafka import min_insync_replicas, new_admin
from stack import kafka_access as access
from stack.kafka import KafkaServer
from stack.messages import StackError
from stack.proc import run_async

CLUSTER_PARTITIONS = 12


def cluster_ports(base: int, brokers: int) -> tuple[list[int], list[int]]:
    """`audiensi up --brokers N`'s ports from the Kafka port: node i listens on base + 2i,
    its controller on base + 2i + 1 (9092/9093, 9094/9095, 9096/9097)."""
    return [base + 2 * i for i in range(brokers)], [base + 2 * i + 1 for i in range(brokers)]


class KafkaCluster:
    """`len(ports)` combined nodes with ids 1..N on `host` (or node i on `hosts[i-1]`,
    started behind `launchers.get(i)`: the fault run's node in a network namespace). Also
    serves where a single `KafkaServer` does (`bootstrap`, `credentials_file`, `signin_env`,
    `client_settings`, `start` / `stop` / `restart`, `astart` / `astop`, `is_running`)."""

    def __init__(self, data_dir: Path | str, ports: Sequence[int],
                 controller_ports: Sequence[int], *, host: str = "127.0.0.1",
                 java: str | None = None, mvn: str = "mvn", cache: Path | None = None,
                 heap: str = "512m", hosts: Sequence[str] | None = None,
                 launchers: Mapping[int, list[str]] | None = None) -> None:
        if len(ports) != len(controller_ports) or len(ports) < 1:
            raise ValueError("one controller port per broker port")
        hosts = list(hosts or [host] * len(ports))
        if len(hosts) != len(ports):
            raise ValueError("one host per broker port")
        self.shared = Path(data_dir) / "kafka"
        self.host = host
        voters = ",".join(f"{i}@{h}:{c}" for i, (h, c) in
                          enumerate(zip(hosts, controller_ports, strict=True), start=1))
        self.nodes = [
            KafkaServer(data_dir, port, ctl, host=h, java=java, mvn=mvn, cache=cache,
                        node_id=i, voters=voters, cluster_size=len(ports),
                        home=self.shared / f"node-{i}", shared=self.shared, heap=heap,
                        launcher=(launchers or {}).get(i))
            for i, (h, port, ctl) in enumerate(zip(hosts, ports, controller_ports,
                                                   strict=True), start=1)]
        self.started_in: float | None = None

    bootstrap = property(lambda self: ",".join(n.bootstrap for n in self.nodes))
    credentials_file = property(lambda self: self.shared / "credentials.json")
    replication = property(lambda self: len(self.nodes))
    is_running = property(lambda self: all(n.is_running for n in self.nodes))

    @property
    def credentials(self) -> dict[str, str]:
        return access.load_credentials(self.credentials_file)

    def node(self, node_id: int) -> KafkaServer:
        return self.nodes[node_id - 1]

    def signin_env(self, principal: str = access.ADMIN) -> dict[str, str]:
        return self.nodes[0].signin_env(principal)

    def client_settings(self, principal: str = access.ADMIN) -> dict[str, str]:
        return access.client_settings(self.bootstrap, principal, self.credentials[principal])

    def env(self) -> dict[str, str]:
        """What a service needs for this cluster's topics: every partition on every node,
        12 partitions per topic (`min.insync.replicas` follows: `chassis.kafka`)."""
        return {"AUDIENSI_KAFKA_BOOTSTRAP": self.bootstrap,
                "AUDIENSI_REPLICATION_FACTOR": str(self.replication),
                "AUDIENSI_TOPIC_PARTITIONS": str(CLUSTER_PARTITIONS)}

    def start(self, timeout: float = 180.0) -> float:
        """Launch every node that is not running, wait until each answers a metadata request,
        then put the ACLs (kept in the cluster's metadata: once is enough)."""
        began = time.monotonic()
        self.credentials  # noqa: B018 - made once, before any node formats its storage
        try:
            for node in self.nodes:
                node.launch()
            for node in self.nodes:
                node.wait_ready(max(1.0, timeout - (time.monotonic() - began)))
            run_async(lambda: access.put_all_rules(**self.client_settings()))
        except BaseException:
            self.stop()
            raise
        self.started_in = time.monotonic() - began
        return self.started_in

    def stop(self, timeout: float = 30.0) -> None:
        for node in self.nodes:
            if node.is_running:
                node._proc.terminate()  # noqa: SLF001 - ask all at once, then wait for each
        for node in self.nodes:
            node.stop(timeout)

    def restart(self, timeout: float = 180.0) -> float:
        self.stop()
        return self.start(timeout)

    async def astart(self, timeout: float = 180.0) -> float:
        return await asyncio.to_thread(self.start, timeout)

    async def astop(self, timeout: float = 30.0) -> None:
        await asyncio.to_thread(self.stop, timeout)

    def start_node(self, node_id: int, timeout: float = 120.0) -> float:
        """Bring one node back (after a kill); the others keep serving meanwhile."""
        node = self.node(node_id)
        began = time.monotonic()
        node.launch()
        node.wait_ready(timeout)
        return time.monotonic() - began

    def leader_of(self, topic: str, partition: int) -> int:
        return self.partition_state(topic, partition)["leader"]

    def partition_state(self, topic: str, partition: int) -> dict:
        """The partition's `leader`, `replicas` and `isr` (node ids), as the cluster says."""
        async def ask() -> dict:
            admin = new_admin(request_timeout_ms=10000,
                              **self.client_settings(access.ADMIN))
            await admin.start()
            try:
                described = await admin.describe_topics([topic])
            finally:
                await admin.close()
            for part in described[0]["partitions"]:
                if part["partition"] == partition:
                    return {"leader": part["leader"], "replicas": list(part["replicas"]),
                            "isr": list(part["isr"])}
            raise StackError("kafka_unreachable", bootstrap=self.bootstrap,
                             error=f"no partition {topic}[{partition}]")

        return run_async(ask)

    def min_insync(self) -> int:
        return min_insync_replicas(self.replication)
