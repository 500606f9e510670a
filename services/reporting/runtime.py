"""Everything a running reporting service holds, created on start-up (never at import)."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from chassis.clock import Clock, SystemClock
from chassis.kafka import broker_reachable, ensure_topics, new_consumer, source_partitions
from chassis.keystore import open_keystore
from chassis.org import load_org
from chassis.ratelimit import Limit, RateLimiter
from chassis.redis import close, service_redis, signed_url
from chassis.sealing import Sealer
from chassis.settings import Settings
from chassis.status_codes import StatusCodes

from .config import ReportingSettings
from .feed import Feed
from .keys import Keys
from .personal import Personal
from .projector import LiveProjector
from .queries import Reader
from .rebuild import AlreadyRunning, Rebuilds
from .store import Store
from .workers import Pool, WorkerConfig

log = logging.getLogger(__name__)


async def partition_count(bootstrap: str, topics: list[str]) -> int:
    consumer = new_consumer(bootstrap_servers=bootstrap, group_id=None,
                                enable_auto_commit=False)
    await consumer.start()
    try:
        tps = await source_partitions(consumer, topics)
        return max(tp.partition for tp in tps) + 1
    finally:
        await consumer.stop()


@dataclass
class Runtime:
    settings: Settings
    rs: ReportingSettings
    redis: Any = None
    partitions: int = 0
    store: Store | None = None
    reader: Reader | None = None
    feed: Feed | None = None
    rebuilds: Rebuilds | None = None
    projector: LiveProjector | None = None
    divisions: set[str] = field(default_factory=set)
    personal: Personal | None = None
    status_codes: StatusCodes | None = None
    public_limiter: RateLimiter | None = None
    started: bool = False
    clock: Clock = field(default_factory=SystemClock)  # every "now" of the service

    @property
    def keys(self) -> Keys:
        return Keys(self.rs.key_prefix)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.rs.timezone)

    async def start(self) -> None:
        s, rs = self.settings, self.rs
        topics = rs.topic_list()
        await ensure_topics(s.kafka_bootstrap, {t: s.topic_partitions
                                                for t in [*topics, rs.deadletter_topic]},
                            s.replication_factor)
        self.divisions = load_org(s.org_file).division_ids()
        self.partitions = await partition_count(s.kafka_bootstrap, topics)
        self.redis = service_redis(s)
        keystore = open_keystore(s, self.clock)
        self.personal = Personal(Sealer(keystore))
        self.status_codes = StatusCodes(keystore)
        self.public_limiter = RateLimiter(self.redis, "public-status",
                                          Limit.parse(rs.public_status_rate),
                                          lambda: self.clock.now().timestamp())
        self.store = Store(self.redis, self.keys, self.tz, self.personal)
        pool = self._pool_factory()
        self.reader = Reader(self.redis, self.keys, self.partitions)
        self.feed = Feed(self.redis, self.keys, rs.feed_maxlen)
        self.rebuilds = Rebuilds(redis=self.redis, store=self.store, keys=self.keys,
                                 bootstrap=s.kafka_bootstrap, topics=topics,
                                 partitions=self.partitions, batch_max=rs.rebuild_batch_max,
                                 grace=rs.old_version_grace, clock=self.clock,
                                 applier=pool)
        await self.rebuilds.housekeep()
        self.projector = LiveProjector(
            bootstrap=s.kafka_bootstrap, topics=topics, group_id=rs.group_id,
            deadletter_topic=rs.deadletter_topic, store=self.store, feed=self.feed,
            heal=self.heal, batch_max=rs.batch_max, session_timeout=s.session_timeout,
            heartbeat_interval=s.heartbeat_interval, clock=self.clock,
            applier=pool() if pool else None)
        await self.projector.start()
        self.started = True

    def _pool_factory(self):
        """Makes a pool of projection workers (`AUDIENSI_REPORTING_WORKERS`), or None."""
        s, rs = self.settings, self.rs
        if rs.workers <= 0:
            return None
        if (s.keystore_url or s.redis_url) == "memory://":
            raise ValueError("AUDIENSI_REPORTING_WORKERS needs a key store the workers share "
                             "(redis://, sqlite:///), not memory://")
        config = WorkerConfig(redis_url=signed_url(s.redis_url, s), key_prefix=rs.key_prefix,
                              timezone=rs.timezone, personal=True)
        return lambda: Pool(config, rs.workers)

    async def stop(self) -> None:
        self.started = False
        if self.projector:
            await self.projector.stop()
        if self.rebuilds:
            await self.rebuilds.stop()
        if self.redis:
            await close(self.redis)

    async def heal(self, partition: int) -> None:
        """The live projector found no version to write for `partition`."""
        current = await self.store.current_version()
        if current is not None:
            await self.redis.sadd(self.keys.targets(partition), current)
            return
        try:
            await self.rebuilds.start("auto: read model missing")
            log.warning("read model missing: rebuilding")
        except AlreadyRunning:
            pass
        await asyncio.sleep(0.2)

    async def readiness(self) -> dict[str, Any]:
        checks: dict[str, Any] = {"started": self.started}
        checks["broker"] = await broker_reachable(self.settings.kafka_bootstrap)
        try:
            checks["redis"] = bool(await self.redis.ping()) if self.redis else False
        except Exception:  # noqa: BLE001 - any failure means not ready
            checks["redis"] = False
        p = self.projector
        checks["projector"] = bool(p and p.healthy) or (p.last_error if p else "not started")
        checks["partitions"] = len(p.assignment()) if p else 0
        try:
            checks["version"] = await self.store.current_version() if self.store else None
        except Exception:  # noqa: BLE001
            checks["version"] = None
        checks["ready"] = (self.started and checks["broker"] is True and checks["redis"] is True
                           and checks["projector"] is True and checks["partitions"] > 0
                           and checks["version"] is not None)
        return checks
