"""A rebuild and the live projector at the same time (in-process, real Kafka and Redis): events
that arrive after the rebuild read its end offsets reach the new version through the live
projector, so the version readers switch to misses nothing."""

from __future__ import annotations

import asyncio
import uuid
from zoneinfo import ZoneInfo

import pytest

from chassis.kafka import ensure_topics
from chassis.redis import make_redis, make_sync_redis
from contracts import encode
from contracts.topics import DEADLETTER
from services.reporting import scenarios as sc
from services.reporting.config import SOURCE_TOPICS
from services.reporting.feed import Feed
from services.reporting.keys import Keys
from services.reporting.projector import LiveProjector
from services.reporting.rebuild import Rebuilds
from services.reporting.store import Store
from tests.support.kafka import end_offsets
from tests.support.waiting import eventually

from .support import clear_model, dump_model, private_model, produce

pytestmark = pytest.mark.integration

EVENTS = sc.population(80, seed=21)
FIRST, SECOND = EVENTS[: len(EVENTS) // 2], EVENTS[len(EVENTS) // 2:]


class GatedRebuilds(Rebuilds):
    """Stops between reading the end offsets and replaying, until the test opens the gate."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self.gate = asyncio.Event()
        self.gate.set()
        self.entered = asyncio.Event()

    async def _replay(self, *args, **kw) -> None:
        self.entered.set()
        await self.gate.wait()
        await super()._replay(*args, **kw)


async def caught_up(projector: LiveProjector, bootstrap: str, topics: list[str]) -> None:
    ends = {t: await end_offsets(bootstrap, t) for t in topics}

    def up_to_the_ends() -> bool:
        return all(projector.positions.get((t, p), 0) >= end
                   for t, parts in ends.items() for p, end in parts.items() if end)

    try:
        await eventually(up_to_the_ends, timeout=60, every=0.05)
    except AssertionError:
        raise AssertionError("projector behind") from None


async def test_events_during_a_rebuild_reach_the_new_version(stack_env):
    prefix = f"t{uuid.uuid4().hex[:8]}."
    topics = [prefix + t for t in SOURCE_TOPICS]
    await ensure_topics(stack_env.bootstrap, {t: 6 for t in [*topics, prefix + DEADLETTER]})
    url, key_prefix = private_model(stack_env.redis_url, 14)
    clear_model(url, key_prefix)
    redis = make_redis(url)
    keys, tz = Keys(key_prefix), ZoneInfo("Asia/Jakarta")
    store = Store(redis, keys, tz)
    rebuilds = GatedRebuilds(redis=redis, store=store, keys=keys, bootstrap=stack_env.bootstrap,
                             topics=topics, partitions=6, grace=600)

    async def heal(p: int) -> None:
        await asyncio.sleep(0.1)

    projector = LiveProjector(bootstrap=stack_env.bootstrap, topics=topics,
                              group_id=prefix + "g", deadletter_topic=prefix + DEADLETTER,
                              store=store, feed=Feed(redis, keys, 100), heal=heal,
                              session_timeout=6.0)
    send = [(prefix + e.topic, e.subject.encode(), encode(e)) for e in EVENTS]
    try:
        await rebuilds.housekeep()  # empty model: builds version 1
        await rebuilds.wait()
        await projector.start()
        await produce(stack_env.bootstrap, send[: len(FIRST)])
        await caught_up(projector, stack_env.bootstrap, topics)

        rebuilds.gate.clear()
        await rebuilds.start("test")
        await asyncio.wait_for(rebuilds.entered.wait(), 30)  # v2 registered, ends read
        await produce(stack_env.bootstrap, send[len(FIRST):])  # only the live path sees these
        await caught_up(projector, stack_env.bootstrap, topics)
        assert await store.current_version() == 1  # readers still on the old version
        rebuilds.gate.set()
        await rebuilds.wait()
        assert (await rebuilds.status())["state"] == "done"
        assert await store.current_version() == 2
        r = make_sync_redis(url)
        v1, v2 = dump_model(r, key_prefix, 1), dump_model(r, key_prefix, 2)
        assert {k.split(":doc:", 1)[1] for k in v2 if ":doc:" in k} == {e.subject
                                                                      for e in EVENTS}
        assert v2 == v1
        assert await store.registered(6) == {2}
    finally:
        await projector.stop()
        await rebuilds.stop()
        await redis.aclose()
