"""Raw round trips on the command bench's own broker and Redis while its paced mode runs.

A command's answer is a chain of such trips (HTTP side: Redis for the idempotency key and the
data key, the produce of the command; the writer: the fetch, the produce of its events, the
Redis reply; the HTTP side: the pop and the idempotency record), so the raw figures of the
same moment say what the machine makes of each hop, beside what the command path makes of
the whole chain. The probe runs in a thread of its own with its own event loop (the paced
mode is a locust process), one probe of each kind every `every` seconds, from `start()` (it
connects meanwhile, so the bench does not wait for it) to `stop()`; only the probes inside
`with probe.recording():` count.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from collections.abc import Iterator

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

PRODUCE = "raw Kafka produce (acks=all)"
ROUND_TRIP = "raw Kafka produce (acks=all) -> consume"
REDIS = "raw Redis round trip (PING)"


class Probe:
    def __init__(self, kafka_client: dict, redis_url: str, every: float = 0.05) -> None:
        self.client, self.redis_url, self.every = kafka_client, redis_url, every
        self.samples: dict[str, list[float]] = {PRODUCE: [], ROUND_TRIP: [], REDIS: []}
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._record = threading.Event()
        self._thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)
        self.error: BaseException | None = None

    def start(self) -> Probe:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=60)

    @contextlib.contextmanager
    def recording(self) -> Iterator[Probe]:
        self._ready.wait(timeout=60)
        self._record.set()
        try:
            yield self
        finally:
            self._record.clear()

    async def _run(self) -> None:
        try:
            await self._probe()
        except BaseException as exc:  # noqa: BLE001 - reported by the bench, not swallowed
            self.error = exc
        finally:
            self._ready.set()

    async def _probe(self) -> None:
        from chassis.redis import make_redis

        topic = f"audiensi.bench.probe.{uuid.uuid4().hex[:6]}"
        admin = AIOKafkaAdminClient(**self.client)
        await admin.start()
        try:
            await admin.create_topics([NewTopic(topic, 1, 1)])
        finally:
            await admin.close()
        producer = AIOKafkaProducer(**self.client, acks="all", enable_idempotence=True)
        consumer = AIOKafkaConsumer(topic, **self.client, group_id=None,
                                    auto_offset_reset="earliest", fetch_max_wait_ms=500)
        redis = make_redis(self.redis_url)
        await producer.start()
        await consumer.start()
        try:
            await producer.send_and_wait(topic, b"warm-up")
            await consumer.getone()
            await redis.ping()
            self._ready.set()
            while not self._stop.is_set():
                began = time.perf_counter()
                await producer.send_and_wait(topic, b"probe")
                acked = time.perf_counter()
                await consumer.getone()
                done = time.perf_counter()
                await redis.ping()
                pong = time.perf_counter()
                if self._record.is_set():
                    self.samples[PRODUCE].append((acked - began) * 1000)
                    self.samples[ROUND_TRIP].append((done - began) * 1000)
                    self.samples[REDIS].append((pong - done) * 1000)
                await asyncio.sleep(max(0.0, self.every - (pong - began)))
        finally:
            await redis.aclose()
            await consumer.stop()
            await producer.stop()
