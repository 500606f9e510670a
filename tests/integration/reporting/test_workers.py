"""Projection workers (services/reporting/workers.py) against real Kafka and Redis: a rebuild
whose batches two worker processes apply (each its group of partitions) builds the model a
single process builds, key for key (blind name terms from the shared key store included);
a rebuild whose worker is killed midway fails and leaves the live version as it was; the
live projector applies a batch again on a fresh worker when its worker died, and ends with
the model a single process builds."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from zoneinfo import ZoneInfo

import pytest

from chassis.kafka import ensure_topics
from chassis.keystore import open_keystore
from chassis.redis import make_redis, make_sync_redis
from chassis.sealing import Sealer
from chassis.settings import get_settings
from contracts import encode
from contracts.topics import DEADLETTER
from services.reporting import scenarios as sc
from services.reporting.config import SOURCE_TOPICS
from services.reporting.feed import Feed
from services.reporting.keys import Keys
from services.reporting.personal import Personal
from services.reporting.projector import LiveProjector
from services.reporting.rebuild import Rebuilds
from services.reporting.store import Store
from services.reporting.workers import Pool, WorkerConfig, WorkerDied
from tests.support.waiting import eventually

from .support import clear_model, dump_model, private_model, produce, resealed
from .test_rebuild_overlap import caught_up

pytestmark = pytest.mark.integration

TZ = ZoneInfo("Asia/Jakarta")
EVENTS = sc.population(50, seed=33)
BATCH = 60  # records per rebuild batch: several batches, so a worker can die midway


class Model:
    """Private topics holding EVENTS and a private model (database 10, or a key prefix of
    its own on a Redis Cluster); the store opens names with the session's key store."""

    def __init__(self, stack_env) -> None:
        self.bootstrap = stack_env.bootstrap
        self.prefix = f"t{uuid.uuid4().hex[:8]}."
        self.topics = [self.prefix + t for t in SOURCE_TOPICS]
        self.url, self.key_prefix = private_model(stack_env.redis_url, 10)
        self.keys = Keys(self.key_prefix)
        self.redis = make_redis(self.url)
        self.sync = make_sync_redis(self.url)
        sealer = Sealer(open_keystore(get_settings()))
        self.store = Store(self.redis, self.keys, TZ, Personal(sealer))
        self.events = resealed(EVENTS, sealer)

    async def setup(self) -> None:
        await ensure_topics(self.bootstrap, {t: 6 for t in [*self.topics,
                                                            self.prefix + DEADLETTER]})
        clear_model(self.url, self.key_prefix)
        await produce(self.bootstrap, [(self.prefix + e.topic, e.subject.encode(), encode(e))
                                       for e in self.events])

    def pool(self, workers: int = 2, cls=Pool, **kw) -> Pool:
        return cls(WorkerConfig(redis_url=self.url, key_prefix=self.key_prefix,
                                timezone="Asia/Jakarta", personal=True), workers, **kw)

    def rebuilds(self, applier=None, cls=Rebuilds) -> Rebuilds:
        return cls(redis=self.redis, store=self.store, keys=self.keys,
                   bootstrap=self.bootstrap, topics=self.topics, partitions=6, grace=600,
                   batch_max=BATCH, applier=applier)

    def dump(self, version: int) -> dict:
        return dump_model(self.sync, self.key_prefix, version)


@pytest.fixture(scope="module")
def built(stack_env):
    """The private topics, and version 1 of the model built by a single process."""

    async def build() -> None:
        await m.setup()
        single = m.rebuilds()
        try:
            assert (await rebuild(single))["state"] == "done"
        finally:
            await single.stop()
        await m.redis.aclose()

    m = Model(stack_env)
    asyncio.run(build())
    m.expected = m.dump(1)
    try:
        yield m
    finally:
        clear_model(m.url, m.key_prefix)
        m.sync.close()


@pytest.fixture
async def model(built):
    """`built` with a client of this test's event loop."""
    built.redis = make_redis(built.url)
    built.store = Store(built.redis, built.keys, TZ, built.store.personal)
    try:
        yield built
    finally:
        await built.redis.aclose()


async def rebuild(rebuilds: Rebuilds) -> dict:
    await rebuilds.start("test")
    await asyncio.wait_for(rebuilds.wait(), 120)
    return await rebuilds.status()


def named_terms(dump: dict) -> int:
    return sum(1 for k, v in dump.items() if ":doc:" in k and (v["view"].get("applicant") or {})
               .get("terms"))


async def test_a_rebuild_by_two_worker_processes_equals_the_one_of_a_single_process(model):
    pool = model.pool()
    parallel = model.rebuilds(applier=lambda: pool)
    try:
        st = await rebuild(parallel)
        pids = pool.pids
    finally:
        await parallel.stop()
    assert st["state"] == "done", st
    assert st["applied"] == len(EVENTS) and st["skipped"] == 0
    assert len(set(pids)) == 2 and os.getpid() not in pids  # two processes of their own
    version = st["version"]
    parallel = model.dump(version)
    assert {k.split(":doc:", 1)[1] for k in parallel if ":doc:" in k} == {e.subject
                                                                         for e in EVENTS}
    assert named_terms(parallel) > 0  # the workers opened names with the shared key store
    assert parallel == model.expected


class DyingPool(Pool):
    """A pool whose worker 0 dies holding its `die_at`-th batch: stopped (SIGSTOP) before
    the batch reaches it, then killed, so it never answers (whatever the timing)."""

    def __init__(self, *args, die_at: int = 2, **kw) -> None:
        super().__init__(*args, **kw)
        self.die_at = die_at
        self.sent = 0
        self.killed: int | None = None

    def _call(self, conn, request) -> tuple:
        if conn is self._conns[0]:
            self.sent += 1
            if self.sent == self.die_at:
                pid = self._procs[0].pid
                os.kill(pid, signal.SIGSTOP)
                conn.send(request)  # a small batch: it fits the pipe's buffer
                os.kill(pid, signal.SIGKILL)
                self.killed = pid
                return conn.recv()
        return Pool._call(conn, request)


async def test_a_rebuild_whose_worker_dies_midway_fails_and_leaves_the_live_version(model):
    live = await model.store.current_version()
    before = model.dump(live)
    dying = model.pool(cls=DyingPool, die_at=2)
    second = model.rebuilds(applier=lambda: dying)
    try:
        st = await rebuild(second)
        assert st["state"] == "failed", st
        assert "WorkerDied" in st["error"] and dying.sent == 2
        assert 0 < st["consumed"] < len(EVENTS)  # it did die midway
        assert await model.store.current_version() == live
        assert model.dump(live) == before
        assert await model.store.registered(6) == {live}  # the failed one is written no more

        def failed_version_keys() -> list:
            return list(model.sync.scan_iter(match=model.keys.version_prefix(st["version"])
                                             + "*", count=1000))

        await eventually(failed_version_keys, lambda keys: not keys, timeout=30, every=0.1)
    finally:
        await second.stop()


async def test_the_live_projector_applies_a_batch_again_when_its_worker_died(model):
    version = int(await model.redis.incr(model.keys.version_seq))  # an empty version
    await model.store.unregister(await model.store.current_version(), 6)
    await model.store.register(version, 6)

    async def heal(p: int) -> None:
        await asyncio.sleep(0.1)

    dying = model.pool(cls=DyingPool, die_at=2)
    projector = LiveProjector(bootstrap=model.bootstrap, topics=model.topics,
                              group_id=model.prefix + "g",
                              deadletter_topic=model.prefix + DEADLETTER, store=model.store,
                              feed=Feed(model.redis, model.keys, 100), heal=heal,
                              batch_max=BATCH, session_timeout=6.0, applier=dying)
    try:
        await projector.start()
        await caught_up(projector, model.bootstrap, model.topics)
        assert dying.killed is not None and dying.pids[0] not in (None, dying.killed)
        assert projector.last_error and "WorkerDied" in projector.last_error
        assert projector.counts["deadlettered"] == 0
        assert model.dump(version) == model.expected
    finally:
        await projector.stop()


async def test_a_worker_that_cannot_start_is_reported(stack_env):
    pool = Pool(WorkerConfig(redis_url="redis://127.0.0.1:1/0", timezone="No/Such_Zone"), 1)
    try:
        with pytest.raises(WorkerDied):
            await pool.start()
    finally:
        await pool.stop()
