"""What the running service holds (made at start, closed at stop; nothing at import): Redis
and the metadata on it, the object store, the key store, the Kafka producer and the feed.
`publish` numbers and sends one event of a case."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from chassis.auth import Principal
from chassis.clock import Clock, SystemClock
from chassis.kafka import broker_reachable, ensure_topics, new_producer
from chassis.keystore import open_keystore
from chassis.redis import service_redis
from chassis.settings import Settings
from contracts import encode, envelope
from contracts.sealed import case_key
from contracts.topics import DOCUMENTS, TOPICS

from .feed import SERVICE, Feed
from .metadata import Metadata
from .store import ObjectStore

log = logging.getLogger(__name__)


class Runtime:
    def __init__(self, settings: Settings, clock: Clock | None = None) -> None:
        self.settings = settings
        self.clock = clock or SystemClock()
        self.redis: Any = None
        self.metadata: Metadata | None = None
        self.store: ObjectStore | None = None
        self.keys = None
        self.producer = None
        self.feed: Feed | None = None
        self.started = False

    async def start(self) -> None:
        s = self.settings
        # every public topic (auto-create is off; whoever starts first makes them)
        topics = {name: (s.topic_partitions if n == 6 else n) for name, n in TOPICS.items()}
        await ensure_topics(s.kafka_bootstrap, topics, s.replication_factor)
        self.redis = service_redis(s, wait=s.command_timeout)
        self.metadata = Metadata(self.redis)
        self.keys = open_keystore(s, self.clock)
        self.store = ObjectStore.from_settings(s)
        await self.store.start()
        await self.store.ensure_bucket()
        self.producer = new_producer(bootstrap_servers=s.kafka_bootstrap, acks="all",
                                     enable_idempotence=True)
        await self.producer.start()
        self.feed = Feed(s, self.metadata, self.producer)
        await self.feed.start()
        self.started = True

    async def stop(self) -> None:
        self.started = False
        for part in (self.feed, self.producer, self.store):
            if part is not None:
                try:
                    await part.stop()
                except Exception:  # noqa: BLE001 - stop the rest all the same
                    log.exception("stop failed")
        if self.redis is not None:
            await self.redis.aclose()

    async def readiness(self) -> dict[str, Any]:
        checks: dict[str, Any] = {"started": self.started}
        checks["broker"] = await broker_reachable(self.settings.kafka_bootstrap)
        try:
            checks["redis"] = bool(self.redis is not None and await self.redis.ping())
        except Exception:  # noqa: BLE001
            checks["redis"] = False
        checks["object_store"] = bool(self.store is not None and await self.store.reachable())
        checks["feed"] = bool(self.feed is not None and self.feed.healthy)
        checks["ready"] = all(checks[k] is True for k in ("started", "broker", "redis",
                                                          "object_store", "feed"))
        return checks

    # -- keys -----------------------------------------------------------------------------
    async def case_key(self, case_id: str) -> bytes | None:
        """The case's data key (intake made it with the request), None once erased."""
        return await asyncio.to_thread(self.keys.get, case_key(case_id))

    # -- events ---------------------------------------------------------------------------
    async def publish(self, event, actor: Principal, correlation_id: str | None = None):
        """Number the event in its case's sequence and wait for the broker's acks, under the
        case's lock (so the sequence grows with the offsets)."""
        case_id = event.case_id
        async with self.metadata.lock(case_id):
            sequence = await self.metadata.next_sequence(case_id)
            env = envelope(event, source=SERVICE, sequence=sequence, time=self.clock.now(),
                           actorid=actor.sub, actorrole=actor.role,
                           correlationid=correlation_id)
            await self.producer.send_and_wait(DOCUMENTS, key=case_id.encode(),
                                              value=encode(env))
        return env
