"""Kafka plumbing shared by services: how a client signs in, topic creation up front, the
partitions of topics.

Every Kafka client of the project is made by `new_producer`, `new_consumer` or `new_admin`
here (or gets `client_options()`: faust), so each process signs in as its one principal
(`AUDIENSI_KAFKA_PRINCIPAL` / `AUDIENSI_KAFKA_PASSWORD`, SASL/SCRAM) and nowhere else has to
know about it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from contracts.topics import topic_config

log = logging.getLogger(__name__)
TOPIC_AUTHORIZATION_FAILED = 29  # Kafka's error code: the ACLs do not let us alter that topic


def client_options(settings=None) -> dict[str, Any]:
    """aiokafka's keyword arguments for signing in as this process's principal ({} when none
    is configured)."""
    if settings is None:
        from .settings import get_settings

        settings = get_settings()
    principal = settings.kafka_principal
    if not principal:
        return {}
    password = settings.kafka_password
    if password is None and settings.kafka_credentials is not None:
        password = json.loads(settings.kafka_credentials.read_text()).get(principal)
    return {"security_protocol": "SASL_PLAINTEXT",
            "sasl_mechanism": settings.kafka_sasl_mechanism,
            "sasl_plain_username": principal, "sasl_plain_password": password or ""}


def min_insync_replicas(replication: int) -> int:
    """The in-sync replicas an `acks=all` write needs: 2 of 3 or more (one broker may be down,
    and no acknowledged write lives on one disk only); 1 below 3 replicas."""
    return 2 if replication >= 3 else 1


def replicated_config(config: dict[str, str], replication: int) -> dict[str, str]:
    """A topic's settings with the `min.insync.replicas` its replication factor calls for
    (below 3 replicas none: the broker's default, so that a client configured for fewer
    replicas never lowers a cluster's setting when it brings a topic to its settings)."""
    if replication < 3:
        return dict(config)
    return {**config, "min.insync.replicas": str(min_insync_replicas(replication))}


def new_producer(**kwargs: Any) -> AIOKafkaProducer:
    return AIOKafkaProducer(**{**client_options(), **kwargs})


def new_consumer(*topics: str, **kwargs: Any) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(*topics, **{**client_options(), **kwargs})


def new_admin(**kwargs: Any) -> AIOKafkaAdminClient:
    return AIOKafkaAdminClient(**{**client_options(), **kwargs})


async def ensure_topics(bootstrap: str, topics: dict[str, int], replication: int = 1,
                        timeout: float = 30.0, compacted: frozenset[str] = frozenset()
                        ) -> list[str]:
    """Create the missing topics (auto-create is off on the broker) with the settings of
    `contracts.topics.topic_config` (explicit retention: the event topics forever), and bring
    the existing ones to those settings. Returns those created. Topics named in `compacted`
    (table changelogs) get `cleanup.policy=compact`."""
    admin = new_admin(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        try:
            await admin.start()
            break
        except KafkaError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(0.5)
    try:
        existing = set(await admin.list_topics())
        configs = {name: replicated_config({"cleanup.policy": "compact"} if name in compacted
                                           else topic_config(name), replication)
                   for name in topics}
        missing = [NewTopic(name, n, replication, topic_configs=configs[name])
                   for name, n in topics.items() if name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
            log.info("topics created", extra={"topics": [t.name for t in missing]})
        kept = [name for name in topics if name in existing]
        if kept:  # topics made before (or by another tool): the same settings
            await _alter(admin, {name: configs[name] for name in kept}, deadline)
        await known_everywhere(admin, list(topics), deadline)
        return [t.name for t in missing]
    finally:
        await admin.close()


async def known_everywhere(admin, names: list[str], deadline: float) -> None:
    """Wait until every live broker's metadata holds `names`, each partition with a leader.
    On a cluster a topic just created reaches the other brokers' metadata a moment later;
    a faust worker whose first group join asked such a broker was assigned none of that
    topic's partitions ("Ignoring missing topic") and never asked again: its commands went
    unanswered (seen on the three-broker cluster). A node that does not answer by the
    deadline is left out (it may be down; the others serve)."""
    from aiokafka.protocol.metadata import MetadataRequest

    loop = asyncio.get_running_loop()
    pending = {broker.nodeId for broker in admin._client.cluster.brokers()}  # noqa: SLF001
    while pending:
        for node in sorted(pending):
            try:
                # the admin client's own request sender, to one node (no public call for it)
                response = await admin._send_request(MetadataRequest(names), node)  # noqa: SLF001
            except (KafkaError, OSError, TimeoutError):
                continue
            found = response.to_object()["topics"]
            if len(found) == len(set(names)) and all(
                    t["error_code"] == 0 and t["partitions"]
                    and all(p["leader"] >= 0 for p in t["partitions"]) for t in found):
                pending.discard(node)
        if not pending:
            return
        if loop.time() > deadline:
            log.warning("topics not yet known to every broker", extra={"nodes": sorted(pending)})
            return
        await asyncio.sleep(0.1)


async def _alter(admin, configs: dict[str, dict[str, str]], deadline: float) -> None:
    """Set the topics' settings (a topic created a moment ago may not be known to the broker
    answering yet: asked again until the deadline)."""
    loop = asyncio.get_running_loop()
    while True:
        responses = await admin.alter_configs([
            ConfigResource(ConfigResourceType.TOPIC, name, configs=values)
            for name, values in configs.items()])
        failed = {r[3]: r[1] or r[0] for resp in responses for r in resp.resources
                  if r[0] and r[0] != TOPIC_AUTHORIZATION_FAILED}  # another's topic: its own
        if not failed:
            return
        if loop.time() > deadline:
            log.warning("topic settings not applied", extra={"errors": failed})
            return
        configs = {name: configs[name] for name in failed}
        await asyncio.sleep(0.2)


def bootstrap_servers(bootstrap: str) -> list[tuple[str, int]]:
    """(host, port) of every broker in a bootstrap list ("h1:9092,h2:9092")."""
    out = []
    for item in bootstrap.split(","):
        host, _, port = item.strip().rpartition(":")
        if host:
            out.append((host, int(port or 9092)))
    return out


async def broker_reachable(bootstrap: str, timeout: float = 2.0) -> bool:
    """True when any broker of the bootstrap list accepts a connection (a cluster with one
    broker down still serves)."""
    try:
        servers = bootstrap_servers(bootstrap)
    except ValueError:
        return False
    for host, port in servers:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except (OSError, TimeoutError):
            continue
        writer.close()
        return True
    return False


async def source_partitions(consumer: AIOKafkaConsumer, topics: list[str],
                            timeout: float = 60.0) -> list[TopicPartition]:
    """Every partition of `topics` as the consumer's metadata knows them, asking the broker
    again until each topic is known (a topic just created by this service can take a loaded
    broker more than 10 s to show: a start-up wait, not a hot path). aiokafka has no public
    call that refreshes the consumer's own metadata (`topics()` fetches a copy and leaves
    `partitions_for_topic` as it was), hence the one private call, kept here alone."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        tps = [TopicPartition(t, p) for t in topics
               for p in sorted(consumer.partitions_for_topic(t) or ())]
        if len({tp.topic for tp in tps}) == len(topics):
            return tps
        if asyncio.get_running_loop().time() > deadline:
            missing = set(topics) - {tp.topic for tp in tps}
            raise RuntimeError(f"topics without metadata: {sorted(missing)}")
        await consumer._client.force_metadata_update()  # noqa: SLF001 - no public API
        await asyncio.sleep(0.2)
