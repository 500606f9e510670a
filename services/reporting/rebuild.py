"""Rebuilding the read models from Kafka into a fresh version, then switching readers.

1. take the rebuild lock, allocate version N+1 and register it as a target of the live
   projector in every partition (from then on every event the live projector applies also
   goes into N+1);
2. read the end offsets E of every source partition (after 1, so nothing falls between);
3. replay offsets [start, E) of every partition into N+1 with a fresh consumer (manual
   assignment, no group), recording progress;
4. switch `rm:current` to N+1 in one SET, stop writing N, delete N after a grace period.

Readers only ever see `rm:current`, so never a half-built version.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from redis.asyncio.lock import Lock
from redis.exceptions import LockError

from chassis.clock import Clock, SystemClock
from chassis.kafka import new_consumer, source_partitions

from .applying import Applier, InProcess
from .keys import Keys
from .metrics import APPLIED, DUPLICATES, REBUILD_PROGRESS
from .store import Store

log = logging.getLogger(__name__)

#: the rebuild lock's lifetime: reset after every replayed batch, so a dead rebuilder's
#: lock expires within a minute and `status` reports its rebuild as interrupted
LOCK_SECONDS = 60.0
INT_FIELDS = ("version", "previous", "applied", "total", "consumed", "skipped", "duplicates")


class AlreadyRunning(RuntimeError):
    def __init__(self, status: dict[str, Any]) -> None:
        super().__init__("a rebuild is already running")
        self.status = status


class Rebuilds:
    def __init__(self, *, redis, store: Store, keys: Keys, bootstrap: str, topics: list[str],
                 partitions: int, batch_max: int = 2000, grace: float = 30.0,
                 clock: Clock | None = None,
                 applier: Callable[[], Applier] | None = None) -> None:
        self.redis = redis
        self.clock = clock or SystemClock()  # the service's (`Runtime.clock`)
        self.store = store
        self.keys = keys
        self.bootstrap = bootstrap
        self.topics = topics
        self.partitions = partitions
        self.batch_max = batch_max
        self.grace = grace
        #: makes the rebuilds' applier, at the first rebuild: this process, or
        #: `workers.Pool` (a process per group of partitions), kept for the next rebuild
        #: (a dead worker is replaced when it starts) and stopped with the service
        self.make_applier = applier or (lambda: InProcess(self.store))
        self.applier: Applier | None = None
        self.task: asyncio.Task | None = None
        self._background: set[asyncio.Task] = set()

    def _now(self) -> str:
        return self.clock.now().isoformat(timespec="seconds")

    def _lock(self) -> Lock:
        """The one-rebuild-at-a-time lock (redis-py's: a random token, released and reset
        only by its owner). Not thread-local: the token belongs to the rebuild, not a thread."""
        return self.redis.lock(self.keys.rebuild_lock, timeout=LOCK_SECONDS, blocking=False,
                               thread_local=False)

    async def status(self) -> dict[str, Any]:
        raw = await self.redis.hgetall(self.keys.rebuild)
        st: dict[str, Any] = {k.decode(): v.decode() for k, v in raw.items()}
        for name in INT_FIELDS:
            if st.get(name):
                st[name] = int(st[name])
        for name in ("pct", "rate", "seconds"):
            if st.get(name):
                st[name] = float(st[name])
        if not st:
            st = {"state": "idle"}
        elif st.get("state") == "running" and not await self.redis.exists(self.keys.rebuild_lock):
            st["state"] = "interrupted"
        st["current_version"] = await self.store.current_version()
        return st

    async def start(self, requested_by: str) -> dict[str, Any]:
        lock = self._lock()
        if not await lock.acquire(blocking=False):
            raise AlreadyRunning(await self.status())
        version = int(await self.redis.incr(self.keys.version_seq))
        previous = await self.store.current_version()
        await self.redis.delete(self.keys.rebuild)
        await self.redis.hset(self.keys.rebuild, mapping={
            "state": "running", "version": version, "previous": previous or 0,
            "requested_by": requested_by, "started_at": self._now(), "consumed": 0, "total": 0,
            "applied": 0, "duplicates": 0, "skipped": 0, "pct": 0.0, "phase": "registering"})
        self.task = asyncio.create_task(self._run(lock, version, previous),
                                        name=f"reporting-rebuild-v{version}")
        log.info("rebuild started", extra={"version": version, "requested_by": requested_by})
        return await self.status()

    async def wait(self) -> None:
        if self.task:
            await asyncio.gather(self.task, return_exceptions=True)

    async def stop(self) -> None:
        tasks = [t for t in [self.task, *self._background] if t]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.applier is not None:
            await self.applier.stop()

    async def _run(self, lock: Lock, version: int, previous: int | None) -> None:
        consumer = new_consumer(bootstrap_servers=self.bootstrap, group_id=None,
                                    enable_auto_commit=False, auto_offset_reset="earliest")
        started = time.monotonic()
        try:
            if self.applier is None:
                self.applier = self.make_applier()
            applier = self.applier
            await applier.start()
            await consumer.start()
            tps = await source_partitions(consumer, self.topics)
            await self.store.register(version, self.partitions)
            ends = await consumer.end_offsets(tps)
            begins = await consumer.beginning_offsets(tps)
            total = sum(ends[tp] - begins[tp] for tp in tps)
            await self.redis.hset(self.keys.rebuild, mapping={"total": total,
                                                              "phase": "replaying"})
            consumer.assign(tps)
            await consumer.seek_to_beginning(*tps)
            await self._replay(consumer, applier, lock, version, tps, ends, total)
            await self._switch(version, previous, total, time.monotonic() - started)
        except asyncio.CancelledError:
            await self._fail(version, "cancelled (service stopping)")
            raise
        except Exception as exc:  # noqa: BLE001 - recorded in the status for the operator
            log.exception("rebuild failed")
            await self._fail(version, repr(exc))
        finally:
            with contextlib.suppress(Exception):
                await consumer.stop()
            with contextlib.suppress(Exception):  # not owned any more: nothing to release
                await lock.release()
            REBUILD_PROGRESS.set(0)

    async def _replay(self, consumer: AIOKafkaConsumer, applier: Applier, lock: Lock,
                      version: int, tps: list[TopicPartition], ends: dict, total: int) -> None:
        remaining = {tp for tp in tps if await consumer.position(tp) < ends[tp]}
        counts = {"consumed": 0, "applied": 0, "duplicates": 0, "skipped": 0}
        while remaining:
            batch = await consumer.getmany(*remaining, timeout_ms=500,
                                           max_records=self.batch_max)
            records = []
            for tp, recs in batch.items():
                records += [r for r in recs if r.offset < ends[tp]]
            for tp in list(remaining):
                if await consumer.position(tp) >= ends[tp]:
                    remaining.discard(tp)
                    consumer.pause(tp)
            out = await applier.apply(records, [version])
            counts["consumed"] += len(records)
            counts["skipped"] += len(out.poison)
            counts["applied"] += out.applied
            counts["duplicates"] += out.duplicates
            APPLIED.labels("rebuild").inc(out.applied)
            DUPLICATES.labels("rebuild").inc(out.duplicates)
            pct = round(100.0 * counts["consumed"] / total, 1) if total else 100.0
            REBUILD_PROGRESS.set(pct / 100)
            await self.redis.hset(self.keys.rebuild, mapping={**counts, "pct": pct})
            try:  # the lock's TTL back to LOCK_SECONDS, if it is still ours
                await lock.reacquire()
            except LockError as exc:
                raise RuntimeError("rebuild lock lost") from exc

    async def _switch(self, version: int, previous: int | None, total: int,
                      seconds: float) -> None:
        await self.redis.set(self.keys.current, version)
        if previous is not None and previous != version:
            await self.store.unregister(previous, self.partitions)
            self._later(self._drop_after_grace(previous))
        rate = round(total / seconds, 1) if seconds > 0 else 0.0
        await self.redis.hset(self.keys.rebuild, mapping={
            "state": "done", "phase": "switched", "pct": 100.0, "finished_at": self._now(),
            "seconds": round(seconds, 3), "rate": rate})
        log.info("rebuild switched", extra={"version": version, "previous": previous,
                                            "events": total, "rate": rate})

    async def _fail(self, version: int, why: str) -> None:
        with contextlib.suppress(Exception):
            await self.store.unregister(version, self.partitions)
            await self.redis.hset(self.keys.rebuild, mapping={
                "state": "failed", "error": why[:1000], "finished_at": self._now()})
            self._later(self.store.drop_version(version))

    def _later(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _drop_after_grace(self, version: int) -> None:
        await asyncio.sleep(self.grace)
        if await self.store.current_version() != version:
            await self.store.drop_version(version)

    async def housekeep(self) -> None:
        """At start-up: forget versions nobody builds or reads any more; if the model is
        missing altogether (Redis was wiped), rebuild it."""
        current = await self.store.current_version()
        lock_alive = bool(await self.redis.exists(self.keys.rebuild_lock))
        if current is None and not lock_alive:
            with contextlib.suppress(AlreadyRunning):
                await self.start("startup")
            return
        building = (await self.status()).get("version") if lock_alive else None
        for v in await self.store.registered(self.partitions) - {current, building}:
            await self.store.unregister(v, self.partitions)
            self._later(self.store.drop_version(v))
        if current is not None:
            await self.store.register(current, self.partitions)
