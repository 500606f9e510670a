"""Where the agent's consumer group stands on its input topics (for the ticker's catch-up
gate): which partitions have messages after the group's committed offset, up to where."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition

log = logging.getLogger(__name__)

Backlog = dict[tuple[str, int], int]  # (topic, partition) -> end offset to reach


async def backlog(bootstrap: str, group_id: str, partitions: Iterable[tuple[str, int]],
                  timeout: float = 10.0) -> Backlog | None:
    """End offsets of the partitions whose end is past the group's committed offset (None if
    the broker could not tell). Reads offsets only: never joins the group."""
    tps = [TopicPartition(topic, p) for topic, p in partitions]
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group_id,
                                enable_auto_commit=False)
    try:
        await asyncio.wait_for(consumer.start(), timeout)
        ends = await asyncio.wait_for(consumer.end_offsets(tps), timeout)
        out: Backlog = {}
        for tp in tps:
            committed = await asyncio.wait_for(consumer.committed(tp), timeout)
            if ends[tp] > (committed or 0):
                out[(tp.topic, tp.partition)] = ends[tp]
        return out
    except Exception as exc:  # noqa: BLE001 - the gate falls back on idleness
        log.warning("cannot read the group's offsets: %r", exc)
        return None
    finally:
        await consumer.stop()
