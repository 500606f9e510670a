"""Read what is really on a topic (for assertions against the real broker)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager

from aiokafka import TopicPartition

from chassis.kafka import new_consumer
from contracts import DecodeError, Envelope, decode


async def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    consumer = new_consumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        if not parts:
            await consumer._client.force_metadata_update()
            parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        offsets = await consumer.end_offsets(tps)
        return {tp.partition: off for tp, off in offsets.items()}
    finally:
        await consumer.stop()


async def total_messages(bootstrap: str, topic: str) -> int:
    return sum((await end_offsets(bootstrap, topic)).values())


Record = tuple[int, int, bytes | None, bytes]


async def read_raw(bootstrap: str, topic: str, timeout: float = 10.0,
                   with_time: bool = False) -> list[Record]:
    """Every record on `topic` from offset 0 to the current end: (partition, offset, key, value)
    (`with_time`: and the record's timestamp in ms, last)."""
    ends = await end_offsets(bootstrap, topic)
    consumer = new_consumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    out = []
    try:
        tps = [TopicPartition(topic, p) for p in ends]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        remaining = {p for p, end in ends.items() if end > 0}
        deadline = asyncio.get_running_loop().time() + timeout
        while remaining and asyncio.get_running_loop().time() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for tp, records in batch.items():
                for r in records:
                    if r.offset < ends[tp.partition]:
                        out.append((tp.partition, r.offset, r.key, r.value, r.timestamp)
                                   if with_time else (tp.partition, r.offset, r.key, r.value))
                    if r.offset >= ends[tp.partition] - 1:
                        remaining.discard(tp.partition)
        return out
    finally:
        await consumer.stop()


def _decoded(values: list[bytes]) -> list[Envelope]:
    out = []
    for value in values:
        try:
            out.append(decode(value))
        except DecodeError:  # a poison message another test put there on purpose
            continue
    return out


async def read_events(bootstrap: str, topic: str, subject: str | None = None) -> list[Envelope]:
    envs = _decoded([v for _, _, _, v in sorted(await read_raw(bootstrap, topic))])
    if subject is not None:
        envs = [e for e in envs if e.subject == subject]
    return sorted(envs, key=lambda e: (e.subject, e.sequence)) if subject is None else envs


@contextmanager
def signed_in(kafka, principal: str = "admin") -> Iterator[None]:
    """This process's Kafka clients sign in to `kafka` (a stack.kafka.KafkaServer) as
    `principal` inside the block; the previous settings come back after it."""
    from chassis.settings import get_settings

    keys = ("AUDIENSI_KAFKA_PRINCIPAL", "AUDIENSI_KAFKA_CREDENTIALS")
    saved = {key: os.environ.get(key) for key in keys}
    os.environ.update(kafka.signin_env(principal))
    get_settings.cache_clear()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()
