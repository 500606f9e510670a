"""The event log is the truth; a service's table is a cache of it.

A command's events are published (acks=all, awaited) before its table write; the table write
goes to the changelog asynchronously (faust's producer buffer). Two things keep the two from
contradicting each other after a SIGKILL:

1. faust's producer buffer is drained before an offset commit: a patch of faust's
   `ProducerBuffer.flush` (`chassis.streams.patches.drain_producer_buffer_on_flush`,
   applied by the faust app factory with every other faust patch).

2. `OwnEventFold`: whatever the changelog lost, the service's own event topics still hold.
   After every assignment, before the first message of a partition is applied, the owner reads
   its own topic(s) on that partition from the start and folds every event newer than what the
   table holds for its subject (events carry the per-subject `sequence`). Reading is a plain
   partition read (no group); only the envelope head (subject, sequence) is parsed for an
   event the table already holds, so a fold costs about a raw read of the partition
   (measured in bench/fold_bench.py, see docs/performance.md).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from aiokafka import TopicPartition

from .kafka import new_consumer

log = logging.getLogger(__name__)


# --- 2. fold the own events on assignment -----------------------------------------------

@dataclass(frozen=True)
class Published:
    """One of the service's own events as read back from its topic."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    subject: str | None
    sequence: int | None
    source: str | None
    type: str | None


def head(value: bytes) -> tuple[str | None, int | None, str | None, str | None]:
    """(subject, sequence, source, type) of an encoded envelope, without validating it."""
    try:
        obj = json.loads(value)
    except ValueError:
        return None, None, None, None
    if not isinstance(obj, dict):
        return None, None, None, None
    seq = obj.get("sequence")
    return (obj.get("subject"), seq if isinstance(seq, int) else None, obj.get("source"),
            obj.get("type"))


async def read_partitions(bootstrap: str, tps: Iterable[tuple[str, int]],
                          timeout: float = 30.0, **client) -> list[Published]:
    """Every record of the partitions `tps` from their first offset up to their end offset at
    the time of the call, in offset order per partition (no consumer group)."""
    wanted = [TopicPartition(t, p) for t, p in tps]
    if not wanted:
        return []
    consumer = new_consumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                auto_offset_reset="earliest", **client)
    await asyncio.wait_for(consumer.start(), timeout)
    out: list[Published] = []
    try:
        consumer.assign(wanted)
        ends = await asyncio.wait_for(consumer.end_offsets(wanted), timeout)
        await consumer.seek_to_beginning(*wanted)
        left = {tp for tp in wanted if ends[tp] > 0}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while left:
            if loop.time() > deadline:
                raise TimeoutError(f"own events not read within {timeout}s: {sorted(left)}")
            batches = await consumer.getmany(*left, timeout_ms=200, max_records=5000)
            for tp, records in batches.items():
                for r in records:
                    if r.offset >= ends[tp]:
                        break
                    subject, seq, source, typ = head(r.value)
                    out.append(Published(tp.topic, tp.partition, r.offset, r.key, r.value,
                                         subject, seq, source, typ))
            for tp in list(left):
                if await consumer.position(tp) >= ends[tp]:
                    left.discard(tp)
    finally:
        await consumer.stop()
    return out


Reader = Callable[[list[tuple[str, int]]], "asyncio.Future[list[Published]]"]


class OwnEventFold:
    """Folds a service's own events into its table once per partition and assignment.

    `topics(partition)` names the own-topic partitions that feed the table partition (for a
    co-partitioned table: the same partition of each own topic; for a single-partition
    registrar: every partition of its event topic). `fold(published)` applies one event if
    the table does not hold it yet; it runs inside the agent's stream iteration (the first
    message of the partition), so its table writes go to that partition's changelog.
    Call `await fold.ensure(partition)` before applying each message; connect
    `fold.forget` to `app.on_partitions_revoked`.
    """

    def __init__(self, name: str, topics: Callable[[int], list[tuple[str, int]]],
                 fold: Callable[[Published], bool], reader: Reader) -> None:
        self.name = name
        self.topics = topics
        self.fold = fold
        self.reader = reader
        self.done: set[int] = set()
        self.last: dict[int, dict[str, float]] = {}  # partition -> figures of its last fold

    async def forget(self, *args, **kwargs) -> None:
        self.done.clear()

    async def ensure(self, partition: int) -> None:
        if partition in self.done:
            return
        began = time.perf_counter()
        records = await self._read(partition)
        read = time.perf_counter()
        folded = sum(1 for r in records if self.fold(r))
        self.done.add(partition)
        figures = {"events": len(records), "folded": folded,
                   "read_s": round(read - began, 4),
                   "fold_s": round(time.perf_counter() - read, 4)}
        self.last[partition] = figures
        level = logging.WARNING if folded else logging.INFO
        log.log(level, "own events folded into the table",
                extra={"fold": self.name, "partition": partition, **figures})

    async def _read(self, partition: int) -> list[Published]:
        """Read until it works: no message of the partition may be applied before the fold
        (the broker being away only delays the partition, as a publish would)."""
        delay = 0.2
        while True:
            try:
                return await self.reader(self.topics(partition))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - broker away: wait and read again
                log.warning("own events not readable yet, retrying",
                            extra={"fold": self.name, "partition": partition,
                                   "error": type(exc).__name__, "retry_in": delay})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)


def reader_for(settings) -> Reader:
    async def read(tps: list[tuple[str, int]]) -> list[Published]:
        return await read_partitions(settings.kafka_bootstrap, tps)
    return read


def make_fold(app, settings, name: str, topics: Callable[[int], list[tuple[str, int]]],
              fold: Callable[[Published], bool]) -> OwnEventFold:
    """An `OwnEventFold` that forgets what it folded whenever partitions are revoked."""
    own = OwnEventFold(name, topics, fold, reader_for(settings))
    app.on_partitions_revoked.connect(own.forget)
    return own


def co_partitioned_fold(app, settings, name: str, own_topics: list[str],
                        fold: Callable[[Published], bool]) -> OwnEventFold:
    """For a table co-partitioned with the own topics: partition p folds partition p."""
    return make_fold(app, settings, name, lambda p: [(t, p) for t in own_topics], fold)
