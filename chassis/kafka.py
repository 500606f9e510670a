"""Kafka plumbing shared by services: topic creation up front and a checker for readiness."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from contracts.topics import topic_config

log = logging.getLogger(__name__)


async def ensure_topics(bootstrap: str, topics: dict[str, int], replication: int = 1,
                        timeout: float = 30.0, compacted: frozenset[str] = frozenset()
                        ) -> list[str]:
    """Create the missing topics (auto-create is off on the broker) with the settings of
    `contracts.topics.topic_config` (explicit retention: the event topics forever), and bring
    the existing ones to those settings. Returns those created. Topics named in `compacted`
    (table changelogs) get `cleanup.policy=compact`."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
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
        configs = {name: ({"cleanup.policy": "compact"} if name in compacted
                          else topic_config(name)) for name in topics}
        missing = [NewTopic(name, n, replication, topic_configs=configs[name])
                   for name, n in topics.items() if name not in existing]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
            log.info("topics created", extra={"topics": [t.name for t in missing]})
        kept = [name for name in topics if name in existing]
        if kept:  # topics made before (or by another tool): the same settings
            await _alter(admin, {name: configs[name] for name in kept}, deadline)
        return [t.name for t in missing]
    finally:
        await admin.close()


async def _alter(admin, configs: dict[str, dict[str, str]], deadline: float) -> None:
    """Set the topics' settings (a topic created a moment ago may not be known to the broker
    answering yet: asked again until the deadline)."""
    loop = asyncio.get_running_loop()
    while True:
        responses = await admin.alter_configs([
            ConfigResource(ConfigResourceType.TOPIC, name, configs=values)
            for name, values in configs.items()])
        failed = {r[3]: r[1] or r[0] for resp in responses for r in resp.resources if r[0]}
        if not failed:
            return
        if loop.time() > deadline:
            log.warning("topic settings not applied", extra={"errors": failed})
            return
        configs = {name: configs[name] for name in failed}
        await asyncio.sleep(0.2)


async def broker_reachable(bootstrap: str, timeout: float = 2.0) -> bool:
    host, _, port = bootstrap.split(",")[0].rpartition(":")
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), timeout)
    except (OSError, TimeoutError, ValueError):
        return False
    writer.close()
    return True


async def source_partitions(consumer: AIOKafkaConsumer, topics: list[str],
                            timeout: float = 10.0) -> list[TopicPartition]:
    """Every partition of `topics` as the consumer's metadata knows them, asking the broker
    again until each topic is known. aiokafka has no public call that refreshes the
    consumer's own metadata (`topics()` fetches a copy and leaves `partitions_for_topic`
    as it was), hence the one private call, kept here and nowhere else."""
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
