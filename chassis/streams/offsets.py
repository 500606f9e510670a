"""Where a consumer group stands on its input topics, read without joining the group: which
partitions have messages after the group's committed offset, up to where (a catch-up gate,
e.g. the SLA ticker's), and which have messages but no committed offset at all (re-read from
their start after a rebalance, `chassis.streams.rewind`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from aiokafka import TopicPartition

from ..kafka import new_consumer

log = logging.getLogger(__name__)

Backlog = dict[tuple[str, int], int]  # (topic, partition) -> an offset


async def backlog(bootstrap: str, group_id: str, partitions: Iterable[tuple[str, int]],
                  timeout: float = 10.0) -> Backlog | None:
    """End offsets of the partitions whose end is past the group's committed offset (None if
    the broker could not tell). Reads offsets only: never joins the group."""
    tps = [TopicPartition(topic, p) for topic, p in partitions]
    consumer = new_consumer(bootstrap_servers=bootstrap, group_id=group_id,
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


def never_committed(beginnings: dict, ends: dict, committed: dict) -> dict:
    """The partitions that have no offset committed by the group (none, or 0: aiokafka treats
    both alike), each with the first offset still on the broker (for an empty one, where its
    first message will be). Pure."""
    return {tp: beginnings.get(tp, 0) for tp in ends if not committed.get(tp)}


async def unread_from_start(bootstrap: str, group_id: str,
                            partitions: Iterable[tuple[str, int]],
                            timeout: float = 10.0) -> Backlog | None:
    """Partitions without a committed offset, and the offset to read them from (None if the
    broker could not tell). Why: `chassis.streams.rewind`."""
    tps = [TopicPartition(topic, p) for topic, p in partitions]
    if not tps:
        return {}
    consumer = new_consumer(bootstrap_servers=bootstrap, group_id=group_id,
                                enable_auto_commit=False)
    try:
        await asyncio.wait_for(consumer.start(), timeout)
        ends = await asyncio.wait_for(consumer.end_offsets(tps), timeout)
        beginnings = await asyncio.wait_for(consumer.beginning_offsets(tps), timeout)
        committed = {tp: await asyncio.wait_for(consumer.committed(tp), timeout) for tp in tps}
        found = never_committed(beginnings, ends, committed)
        return {(tp.topic, tp.partition): offset for tp, offset in found.items()}
    except Exception as exc:  # noqa: BLE001 - nothing is rewound; faust's own seek stands
        log.warning("cannot read the group's offsets: %r", exc)
        return None
    finally:
        await consumer.stop()
