"""The scale-out shape without starting anything: a three-node KRaft cluster's settings
(`stack.kafka_cluster`), `audiensi up --workers N`'s processes and ports
(`stack.supervisor`), and the replication settings every topic is created with
(`chassis.kafka`)."""

from __future__ import annotations

import socket

import pytest

from chassis.kafka import broker_reachable, min_insync_replicas, replicated_config
from contracts.topics import TOPICS
from stack.kafka_cluster import CLUSTER_PARTITIONS, KafkaCluster, cluster_ports
from stack.supervisor import Supervisor, default_specs, worker_port
from stack.topics import scaled


def props(text: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in text.splitlines()
                if line and not line.startswith("#"))


@pytest.fixture
def cluster(tmp_path) -> KafkaCluster:
    return KafkaCluster(tmp_path, [9092, 9094, 9096], [9093, 9095, 9097])


def test_every_node_is_controller_and_broker_of_one_quorum_of_three(cluster, tmp_path):
    voters = "1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097"
    seen = []
    for i, node in enumerate(cluster.nodes, start=1):
        p = props(node.server_properties())
        assert p["process.roles"] == "broker,controller"
        assert p["node.id"] == str(i)
        assert p["controller.quorum.voters"] == voters
        assert p["listeners"] == (f"CLIENT://127.0.0.1:{9090 + 2 * i},"
                                  f"CONTROLLER://127.0.0.1:{9091 + 2 * i}")
        for key in ("default.replication.factor", "offsets.topic.replication.factor",
                    "transaction.state.log.replication.factor"):
            assert p[key] == "3", key
        assert p["min.insync.replicas"] == p["transaction.state.log.min.isr"] == "2"
        assert p["unclean.leader.election.enable"] == "false"
        # the same sign-in as the single broker: SCRAM for clients, PLAIN between controllers
        assert p["listener.security.protocol.map"] == (
            "CLIENT:SASL_PLAINTEXT,CONTROLLER:SASL_PLAINTEXT")
        assert p["allow.everyone.if.no.acl.found"] == "false"
        seen.append(p["log.dirs"])
    assert len(set(seen)) == 3  # each node its own data dir
    # one set of credentials and one cluster id for all
    assert {n.credentials_file for n in cluster.nodes} == {tmp_path / "kafka" /
                                                          "credentials.json"}
    assert len({n.cluster_id_file for n in cluster.nodes}) == 1
    assert cluster.bootstrap == "127.0.0.1:9092,127.0.0.1:9094,127.0.0.1:9096"


def test_a_node_of_its_own_host_is_reached_there_and_started_behind_its_launcher(tmp_path):
    """The fault run's shape: node 3 in a network namespace on 10.201.1.2, the others on the
    host's end of the veth; every node's quorum and advertised listeners say so."""
    cluster = KafkaCluster(tmp_path, [9092, 9094, 9096], [9093, 9095, 9097],
                           hosts=["10.201.1.1", "10.201.1.1", "10.201.1.2"],
                           launchers={3: ["ip", "netns", "exec", "audns-1-1"]})
    voters = "1@10.201.1.1:9093,2@10.201.1.1:9095,3@10.201.1.2:9097"
    assert cluster.bootstrap == "10.201.1.1:9092,10.201.1.1:9094,10.201.1.2:9096"
    for node, host in zip(cluster.nodes, ["10.201.1.1"] * 2 + ["10.201.1.2"], strict=True):
        p = props(node.server_properties())
        assert p["controller.quorum.voters"] == voters
        assert p["advertised.listeners"] == f"CLIENT://{host}:{node.port}"
        assert p["listeners"] == f"CLIENT://{host}:{node.port},CONTROLLER://{host}:{node.controller_port}"
    assert [n.launcher for n in cluster.nodes] == [[], [], ["ip", "netns", "exec", "audns-1-1"]]
    with pytest.raises(ValueError):
        KafkaCluster(tmp_path, [9092, 9094], [9093, 9095], hosts=["10.201.1.1"])


def test_the_single_broker_keeps_its_settings(tmp_path):
    from stack.kafka import KafkaServer

    p = props(KafkaServer(tmp_path, 9092).server_properties())
    assert p["node.id"] == "1" and p["controller.quorum.voters"] == "1@127.0.0.1:9093"
    assert p["default.replication.factor"] == p["min.insync.replicas"] == "1"
    assert p["log.dirs"] == str(tmp_path / "kafka" / "data")


def test_the_services_get_replication_three_and_twelve_partitions(cluster):
    env = cluster.env()
    assert env["AUDIENSI_REPLICATION_FACTOR"] == "3"
    assert env["AUDIENSI_TOPIC_PARTITIONS"] == str(CLUSTER_PARTITIONS) == "12"
    assert env["AUDIENSI_KAFKA_BOOTSTRAP"] == cluster.bootstrap
    assert scaled(dict(TOPICS), 12) == {name: 12 for name in TOPICS}
    assert scaled({"one": 1, "six": 6}, 12) == {"one": 1, "six": 12}  # a registrar keeps 1


def test_up_brokers_ports_follow_the_kafka_port():
    assert cluster_ports(9092, 3) == ([9092, 9094, 9096], [9093, 9095, 9097])


def test_min_insync_replicas_is_two_from_three_replicas():
    assert [min_insync_replicas(n) for n in (1, 2, 3, 5)] == [1, 1, 2, 2]
    assert replicated_config({"cleanup.policy": "delete"}, 3) == {
        "cleanup.policy": "delete", "min.insync.replicas": "2"}
    # below 3 the broker's default: a client set for fewer replicas never lowers it
    assert replicated_config({"cleanup.policy": "compact"}, 1) == {"cleanup.policy": "compact"}


def test_workers_each_get_a_port_and_the_service_they_run(tmp_path):
    specs = default_specs({"disposition": 8002, "console": 8000}, ["disposition", "console"],
                          workers=3)
    assert [(s.name, s.service, s.port) for s in specs] == [
        ("disposition", "disposition", 8002), ("disposition-2", "disposition", 8102),
        ("disposition-3", "disposition", 8202), ("console", "console", 8000)]
    assert all(s.command()[-1] == "services.disposition" for s in specs[:3])
    assert worker_port(8001, 2) == 8101
    sup = Supervisor(specs, tmp_path)
    assert sup.workers("disposition") == ["disposition", "disposition-2", "disposition-3"]
    env = sup.child_env("disposition-3")
    assert env["AUDIENSI_DISPOSITION_PORT"] == "8202"  # its own port
    assert sup.child_env("console")["AUDIENSI_DISPOSITION_PORT"] == "8002"  # the first's


async def test_any_broker_of_the_list_makes_the_cluster_reachable():
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        down = s.getsockname()[1]
    try:
        up = listening.getsockname()[1]
        assert await broker_reachable(f"127.0.0.1:{down},127.0.0.1:{up}", timeout=1)
        assert not await broker_reachable(f"127.0.0.1:{down}", timeout=1)
    finally:
        listening.close()


def test_up_refuses_two_brokers_before_starting_anything(tmp_path, monkeypatch):
    """A quorum of two survives no loss: 1, or 3 and more."""
    from click.testing import CliRunner

    from stack.cli import cli

    monkeypatch.setenv("AUDIENSI_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["up", "--brokers", "2"])
    assert result.exit_code == 2 and "--brokers" in result.output
    assert not (tmp_path / "kafka").exists() and not (tmp_path / "audiensi.pid").exists()
