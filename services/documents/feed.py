"""The service's consumer: a Kafka consumer group (`audiensi-documents`) over the intake and
disposition topics (which cases exist, where they went, who works on them) and its own topic
(the documents, for a Redis rebuilt from the log). Each fetched batch is applied to Redis
(`metadata`), then its offsets are committed: at-least-once, and every apply is idempotent
(a case view keeps the last sequence per source; attach/remove are set operations).
A record that cannot be decoded goes to the dead-letter topic; the feed goes on.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiokafka.errors import CommitFailedError, KafkaError

from chassis.kafka import new_consumer
from chassis.metrics import DEADLETTERS
from chassis.pipeline import dead_letter_envelope
from contracts import DecodeError, decode, encode
from contracts.topics import DISPOSITION, DOCUMENTS, INTAKE

from . import domain
from .metadata import Metadata
from .records import document_record

log = logging.getLogger(__name__)
SERVICE = "documents"
TOPICS = (INTAKE, DISPOSITION, DOCUMENTS)


class Feed:
    def __init__(self, settings, metadata: Metadata, producer) -> None:
        self.settings = settings
        self.metadata = metadata
        self.producer = producer  # aiokafka producer, started by the app (dead letters)
        self.consumer = None
        self.task: asyncio.Task | None = None
        self.applied = 0

    async def start(self) -> None:
        self.consumer = new_consumer(
            *TOPICS, bootstrap_servers=self.settings.kafka_bootstrap,
            group_id=f"audiensi-{SERVICE}", enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=int(self.settings.session_timeout * 1000),
            heartbeat_interval_ms=int(self.settings.heartbeat_interval * 1000),
            metadata_max_age_ms=30000)
        await self.consumer.start()
        self.task = asyncio.create_task(self._run(), name="documents-feed")

    async def stop(self) -> None:
        if self.task:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        if self.consumer:
            await self.consumer.stop()

    @property
    def healthy(self) -> bool:
        return self.task is not None and not self.task.done()

    async def _run(self) -> None:
        backoff = 0.2
        while True:
            try:
                batch = await self.consumer.getmany(timeout_ms=500, max_records=500)
            except KafkaError as exc:
                log.warning("fetch failed", extra={"error": repr(exc)})
                await asyncio.sleep(1.0)
                continue
            if not batch:
                continue
            try:
                for records in batch.values():
                    for record in records:
                        await self.apply(record)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - Redis trouble: the batch again
                log.warning("feed batch failed, retrying", extra={"error": repr(exc)})
                for tp, records in batch.items():
                    self.consumer.seek(tp, records[0].offset)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            backoff = 0.2
            try:
                await self.consumer.commit()
            except (CommitFailedError, KafkaError) as exc:  # a rebalance: replays are no-ops
                log.info("commit failed", extra={"error": repr(exc)})

    async def apply(self, record: Any) -> None:
        try:
            env = decode(record.value or b"")
        except DecodeError as exc:
            await self._dead_letter(record, str(exc))
            return
        self.applied += 1
        if record.topic == DOCUMENTS:
            await self._own(env)
            return
        view = await self.metadata.view(env.subject)
        changed = domain.evolve(view, env)
        if changed is not None:
            await self.metadata.put_view(env.subject, changed)

    async def _own(self, env) -> None:
        data = env.data
        await self.metadata.saw_sequence(env.subject, env.sequence)
        if data.type == "DocumentAttached":
            await self.metadata.attach(document_record(data))
        elif data.type == "DocumentRemoved":
            await self.metadata.remove(data.case_id, data.document_id)

    async def _dead_letter(self, record: Any, error: str) -> None:
        env = dead_letter_envelope(SERVICE, record, error)
        DEADLETTERS.labels(SERVICE, record.topic).inc()
        await self.producer.send_and_wait(env.topic, key=env.subject.encode(),
                                          value=encode(env))
        log.warning("dead-lettered", extra={"topic": record.topic, "offset": record.offset,
                                            "error": error[:200]})
