"""Create the project's topics on a broker and describe them (partitions, end offsets)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from chassis.kafka import new_admin, new_consumer
from stack.messages import StackError

ALREADY_EXISTS = 36  # TOPIC_ALREADY_EXISTS


def load_topics() -> dict[str, int]:
    """`contracts.topics.TOPICS` (topic name -> partitions), imported when needed."""
    from contracts.topics import TOPICS

    return {name: _partitions(value) for name, value in TOPICS.items()}


def scaled(topics: dict[str, int], partitions: int) -> dict[str, int]:
    """Topics of the default partition count at `partitions` (AUDIENSI_TOPIC_PARTITIONS, as
    the services declare them: `chassis.web`); any other count (a one-partition topic) kept."""
    from contracts.topics import DEFAULT_PARTITIONS

    return {name: partitions if n == DEFAULT_PARTITIONS else n for name, n in topics.items()}


def _partitions(value: object) -> int:
    if isinstance(value, int):
        return value
    return int(getattr(value, "partitions", 6))


async def _admin(bootstrap: str):  # -> AIOKafkaAdminClient, started
    from aiokafka.errors import KafkaError

    admin = new_admin(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    try:
        await admin.start()
    except (KafkaError, OSError) as exc:
        await admin.close()
        raise StackError("kafka_unreachable", bootstrap=bootstrap, error=exc) from None
    return admin


async def ensure_topics(bootstrap: str, topics: dict[str, int],
                        replication_factor: int = 1) -> list[str]:
    """Create the topics that do not exist yet; returns the names created."""
    from aiokafka.admin import NewTopic

    from chassis.kafka import known_everywhere, replicated_config
    from contracts.topics import topic_config

    admin = await _admin(bootstrap)
    try:
        existing = set(await admin.list_topics())
        missing = [NewTopic(name, partitions, replication_factor,
                            topic_configs=replicated_config(topic_config(name),
                                                            replication_factor))
                   for name, partitions in topics.items() if name not in existing]
        if not missing:
            return []
        response = await admin.create_topics(missing)
        errors = [tuple(err[:3]) for err in response.topic_errors
                  if err[1] not in (0, ALREADY_EXISTS)]
        if errors:
            raise RuntimeError(f"create_topics failed: {errors}")
        await _wait_for_leaders(admin, [t.name for t in missing])
        # and on a cluster: known to every broker, before a service's first group join
        await known_everywhere(admin, [t.name for t in missing],
                               asyncio.get_running_loop().time() + 15.0)
        return [t.name for t in missing]
    finally:
        await admin.close()


async def _wait_for_leaders(admin, names: list[str], timeout: float = 15.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        described = await admin.describe_topics(names)
        if all(t["error_code"] == 0 and t["partitions"]
               and all(p["leader"] >= 0 for p in t["partitions"]) for t in described):
            return
        await asyncio.sleep(0.1)


@dataclass
class TopicInfo:
    name: str
    partitions: int
    end_offsets: dict[int, int]

    @property
    def messages(self) -> int:
        return sum(self.end_offsets.values())


async def describe_topics(bootstrap: str, names: list[str] | None = None) -> list[TopicInfo]:
    from aiokafka import TopicPartition

    admin = await _admin(bootstrap)
    try:
        if names is None:
            names = sorted(t for t in await admin.list_topics() if not t.startswith("__"))
        described = await admin.describe_topics(names) if names else []
    finally:
        await admin.close()
    consumer = new_consumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        infos = []
        for topic in described:
            parts = sorted(p["partition"] for p in topic["partitions"])
            ends = await consumer.end_offsets([TopicPartition(topic["topic"], p) for p in parts])
            infos.append(TopicInfo(topic["topic"], len(parts),
                                   {tp.partition: off for tp, off in ends.items()}))
        return sorted(infos, key=lambda info: info.name)
    finally:
        await consumer.stop()
