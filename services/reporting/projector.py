"""The live projector: a Kafka consumer group over every source topic, applying each fetched
batch to the read models and committing the offsets only once the batch is in Redis and its
poison records are in the dead-letter topic (at-least-once; the store makes replays no-ops).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError

from chassis.clock import Clock, SystemClock
from chassis.kafka import new_consumer, new_producer
from chassis.metrics import DEADLETTERS
from contracts import encode

from .applying import Applier, InProcess
from .feed import Feed
from .metrics import APPLIED, DEADLETTERED, DUPLICATES
from .records import dead_letter
from .store import NoTargets, Store

log = logging.getLogger(__name__)


class LiveProjector:
    def __init__(self, *, bootstrap: str, topics: list[str], group_id: str, deadletter_topic: str,
                 store: Store, feed: Feed, heal: Callable[[int], Awaitable[None]],
                 batch_max: int = 2000, session_timeout: float = 10.0,
                 heartbeat_interval: float = 1.0, clock: Clock | None = None,
                 applier: Applier | None = None) -> None:
        self.bootstrap = bootstrap
        self.clock = clock or SystemClock()  # the service's (`Runtime.clock`)
        self.topics = topics
        self.group_id = group_id
        self.deadletter_topic = deadletter_topic
        self.store = store
        #: where the CPU part runs: this process, or `workers.Pool` (a process per group of
        #: partitions); the consumer, its commits and the dead letters stay here
        self.applier = applier or InProcess(store)
        self.feed = feed
        self.heal = heal
        self.batch_max = batch_max
        self.session_timeout = session_timeout
        self.heartbeat_interval = heartbeat_interval
        self.consumer: AIOKafkaConsumer | None = None
        self.producer: AIOKafkaProducer | None = None
        self.task: asyncio.Task | None = None
        self.positions: dict[tuple[str, int], int] = {}
        self._stopping = False
        self.counts = {"applied": 0, "duplicates": 0, "deadlettered": 0, "batches": 0}
        self.last_error: str | None = None

    async def start(self) -> None:
        await self.applier.start()
        self.producer = new_producer(bootstrap_servers=self.bootstrap, acks="all",
                                         enable_idempotence=True)
        await self.producer.start()
        self.consumer = new_consumer(
            *self.topics, bootstrap_servers=self.bootstrap, group_id=self.group_id,
            enable_auto_commit=False, auto_offset_reset="earliest",
            session_timeout_ms=int(self.session_timeout * 1000),
            heartbeat_interval_ms=int(self.heartbeat_interval * 1000),
            metadata_max_age_ms=30000)
        await self.consumer.start()
        self.task = asyncio.create_task(self._run(), name="reporting-projector")

    async def stop(self) -> None:
        """Stop the loop; a cancellation swallowed on its way (seen: the loop went on polling
        and `stop` waited forever) is repeated until the task has ended."""
        self._stopping = True
        while self.task is not None and not self.task.done():
            self.task.cancel()
            await asyncio.wait([self.task], timeout=1.0)
        if self.consumer:
            await self.consumer.stop()
        if self.producer:
            await self.producer.stop()
        await self.applier.stop()

    @property
    def healthy(self) -> bool:
        return self.task is not None and not self.task.done()

    def assignment(self) -> set[TopicPartition]:
        return set(self.consumer.assignment()) if self.consumer else set()

    async def _run(self) -> None:
        backoff = 0.2
        while not self._stopping:
            try:
                batch = await self.consumer.getmany(timeout_ms=500, max_records=self.batch_max)
            except KafkaError as exc:  # the consumer reconnects by itself; keep polling
                self.last_error = repr(exc)
                await asyncio.sleep(1.0)
                continue
            if not batch:
                continue
            try:
                await self.process(batch)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Redis/Kafka trouble: retry the batch
                self.last_error = repr(exc)
                log.warning("projection batch failed, retrying", extra={"error": repr(exc)})
                for tp, records in batch.items():
                    self.consumer.seek(tp, records[0].offset)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            backoff = 0.2
            try:
                await self.consumer.commit()
            except (CommitFailedError, KafkaError) as exc:  # rebalance: replay is harmless
                log.info("commit failed", extra={"error": repr(exc)})
            for tp, records in batch.items():
                self.positions[(tp.topic, tp.partition)] = records[-1].offset + 1

    async def process(self, batch: dict[TopicPartition, list[Any]]) -> None:
        records = [r for rs in batch.values() for r in rs]
        while True:
            try:
                out = await self.applier.apply(records, None, escalations=True)
                break
            except NoTargets as exc:
                await self.heal(exc.partition)
        for record, why in out.poison:
            await self._dead_letter(record, why)
        self.counts["applied"] += out.applied
        self.counts["duplicates"] += out.duplicates
        APPLIED.labels("live").inc(out.applied)
        DUPLICATES.labels("live").inc(out.duplicates)
        await self.feed.publish_many(out.escalations)  # one round trip for the batch's feed
        self.counts["batches"] += 1

    async def _dead_letter(self, record: Any, why: str) -> None:
        env = dead_letter(record, why, self.clock.now())
        await self.producer.send_and_wait(self.deadletter_topic, key=env.subject.encode(),
                                          value=encode(env))
        self.counts["deadlettered"] += 1
        DEADLETTERED.inc()
        DEADLETTERS.labels("reporting", record.topic).inc()
        log.warning("dead-lettered", extra={"topic": record.topic, "partition": record.partition,
                                            "offset": record.offset, "error": why})
