"""The ticker: every `sla_tick_interval` (on every worker, not only the leader), hand the
subjects whose next due has come to the agent as `ticks` commands on the sla command topic,
one record per partition and up to `TICKS_PER_RECORD` subjects, sent to that partition (the
one the subjects' inputs are on), so the partition owner applies them inside its stream (the
single writer of the table); a record per tick had cost a seal, a produce and a consume each.
A tick carries its time; the state remembers which steps fired, so a
duplicate tick raises nothing twice.

After partitions are assigned and the table recovered, the deadline index is rebuilt from
the table and the read model is rewritten from it. Ticks wait until the stream has caught
up with what was already on the input topics at that moment (every partition that had
messages past the group's committed offset, read up to its end offset then; if the broker
cannot tell, until the stream has been idle for a moment; `max_hold` at most): a stop
delivered while the service was down must be applied before a tick can call its clock
breached. Deadlines that passed while the service was down then fire, once.

Before faust resumes the streams of a new assignment, input partitions that hold messages
but have no committed offset are sought back to their start, for every service, by the
chassis (`chassis.streams.rewind`); the catch-up targets are read after it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from prometheus_client import Gauge, Histogram

from chassis.auth import Principal
from chassis.clock import Clock
from chassis.streams import Backlog, backlog
from services.sla import readmodel
from services.sla.deadlines import DeadlineIndex
from services.sla.inputs import COMMANDS, ticks_message
from services.sla.processor import Processor, unpack, unpack_head

log = logging.getLogger(__name__)
SYSTEM = Principal(sub="sla-ticker", name="SLA ticker", roles=("system",))
INDEX_SIZE = Gauge("audiensi_sla_deadline_index_size", "Subjects waiting for a deadline")
#: subjects per `ticks` record: the agent decides a record's ticks without yielding to the
#: event loop, so about `processor.DECIDE_SLICE`
TICKS_PER_RECORD = 50
TICK_LAG = Histogram("audiensi_sla_tick_lag_seconds", "From a due instant to its tick being sent",
                     buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 30, 300, 3600))


class Ticker:
    def __init__(self, app, table, index: DeadlineIndex, processor: Processor, publisher,
                 redis: Callable[[], Any], input_topics: tuple[str, ...], bootstrap: str, *,
                 clock: Clock, idle: float = 1.0, max_hold: float = 60.0,
                 max_in_flight: int = 2000) -> None:
        self.app = app
        self.clock = clock  # the service's clock: the time a tick carries
        self.table = table
        self.index = index
        self.processor = processor
        self.publisher = publisher
        self.redis = redis
        self.input_topics = input_topics
        self.bootstrap = bootstrap
        self.idle = idle
        self.max_hold = max_hold
        self.max_in_flight = max_in_flight  # ticks sent but not yet applied by the agent
        self.needs_rebuild = False
        self.ready = False  # index rebuilt for the current assignment
        self.open = False  # stream caught up: ticks may go
        self.partitions: set[int] = set()
        self._rebuilt_at = 0.0
        self._targets: Backlog | None = None
        self._projection: asyncio.Task | None = None

    # rebalancing ------------------------------------------------------------------------
    async def on_revoked(self, *args: Any, **kwargs: Any) -> None:
        self.ready = self.open = False
        self.index.clear()

    async def on_recovered(self) -> None:
        """Tables recovered for a new assignment; faust has not resumed the streams yet (the
        chassis has already sought never-committed input partitions back to their start:
        `chassis.streams.rewind`). What was applied again changes nothing (facts remember
        their sequence, ticks their steps)."""
        self.needs_rebuild = True

    def assigned(self) -> set[int]:
        consumer = self.app.consumer
        return {tp.partition for tp in consumer.assignment() if tp.topic == COMMANDS}

    async def rebuild(self) -> None:
        self.needs_rebuild = False
        self.partitions = self.assigned()
        entries, subjects = [], []
        for key, raw in list(self.table.items()):
            partition, due = unpack_head(raw)
            if partition in self.partitions:
                subject = key.decode() if isinstance(key, bytes) else str(key)
                entries.append((subject, partition, due))
                subjects.append(key)
        self.index.rebuild(entries)
        await self._read_targets()
        self._rebuilt_at = time.monotonic()
        self.ready, self.open = True, False
        log.info("deadline index rebuilt", extra={"subjects": len(entries),
                                                   "partitions": sorted(self.partitions)})
        if self._projection is not None and not self._projection.done():
            self._projection.cancel()
        self._projection = asyncio.ensure_future(self._rewrite_read_model(subjects))

    async def _read_targets(self) -> None:
        parts = [(topic, p) for topic in self.input_topics for p in self.partitions]
        self._targets = await backlog(self.bootstrap, self.app.conf.id, parts) if parts else {}
        if self._targets:
            log.info("catching up before ticking", extra={"backlog": {
                f"{t}/{p}": end for (t, p), end in self._targets.items()}})

    async def _rewrite_read_model(self, keys: list) -> None:
        """The table is the truth: rewrite the read model of the owned subjects."""
        for start in range(0, len(keys), 500):
            redis = self.redis()
            try:
                async with redis.pipeline(transaction=False) as pipe:
                    raws = (self.table.get(key) for key in keys[start:start + 500])
                    readmodel.write_batch(pipe, [(None, unpack(raw)) for raw in raws
                                                 if raw is not None])
                    await pipe.execute()
            except Exception as exc:  # noqa: BLE001 - retried on the next assignment
                log.warning("read model rewrite failed: %r", exc)
                return
            await asyncio.sleep(0)

    # the gate -----------------------------------------------------------------------------
    def caught_up(self, now: float) -> bool:
        if now - self._rebuilt_at >= self.max_hold:
            log.warning("ticking before the stream caught up (max hold)")
            return True
        done = self.processor.processed
        if self._targets is not None:
            return all(done.get(tp, -1) >= end - 1 for tp, end in self._targets.items())
        last = max((self.processor.last_input_at.get(p, 0.0) for p in self.partitions),
                   default=0.0)
        return now - max(self._rebuilt_at, last) >= self.idle

    # ticking ------------------------------------------------------------------------------
    async def run_once(self, now: datetime | None = None) -> int:
        app = self.app
        if getattr(app, "rebalancing", False) or getattr(app, "in_recovery", False):
            return 0
        if self.needs_rebuild:
            await self.rebuild()
        if not self.ready:
            return 0
        if not self.open:
            self.open = self.caught_up(time.monotonic())
            if not self.open:
                return 0
            log.info("ticking", extra={"subjects": len(self.index)})
        now = now or self.clock.now()
        room = self.max_in_flight - self.index.in_flight
        due = self.index.pop_due(now.timestamp(), self.partitions, room) if room > 0 else []
        INDEX_SIZE.set(len(self.index))
        if due:
            await self.send(due, now)
        return len(due)

    async def send(self, due: list[tuple[str, int]], now: datetime) -> None:
        """One `ticks` record per partition and up to `TICKS_PER_RECORD` subjects, to that
        partition (the one each subject's inputs are on: the index keeps it)."""
        by_partition: dict[int, list[str]] = {}
        for subject, partition in due:
            by_partition.setdefault(partition, []).append(subject)
        futures = []
        try:
            for partition, subjects in sorted(by_partition.items()):
                for i in range(0, len(subjects), TICKS_PER_RECORD):
                    chunk = subjects[i:i + TICKS_PER_RECORD]
                    msg = ticks_message(chunk, now, SYSTEM)
                    futures.append(await self.publisher.send(COMMANDS, chunk[0], msg.to_bytes(),
                                                             partition=partition))
            await asyncio.gather(*futures)
        except Exception as exc:  # noqa: BLE001 - in-flight ticks are handed out again later
            log.warning("sending ticks failed: %r", exc)
            return
        stamp = now.timestamp()
        for subject, _ in due:
            ts = self.index.due_of(subject)
            if ts is not None:
                TICK_LAG.observe(max(stamp - ts, 0.0))
