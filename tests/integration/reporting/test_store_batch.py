"""The store against real Redis: a batch's aggregate delta goes in as one script per
partition and version (not one command per index key), and the model it builds is the one
the pure projection computes (the in-memory model), through retractions, zero counters and
duplicates."""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

import pytest

from chassis.redis import make_redis, make_sync_redis
from services.reporting import scenarios as sc
from services.reporting.keys import Keys
from services.reporting.store import Store
from tests.unit.reporting.memory import MemoryModel, item

from .support import clear_model, private_model

pytestmark = pytest.mark.integration

TZ = ZoneInfo("Asia/Jakarta")
PARTITIONS = 6
EVENTS = sc.population(60, seed=5)


def partition_of(subject: str) -> int:
    return zlib.crc32(subject.encode()) % PARTITIONS


def eval_calls(r) -> int:
    return int(r.info("commandstats").get("cmdstat_eval", {}).get("calls", 0))


def redis_model(r, prefix: str) -> dict:
    """Docs, sorted sets and counters of version 1, partitions folded together."""
    head = f"{prefix}:v1:"
    docs, zsets, counters = {}, defaultdict(dict), defaultdict(Counter)
    for raw in r.scan_iter(match=head + "*", count=1000):
        name = raw.decode()[len(head):].split(":", 1)[1]  # without "{pN}:"
        kind = r.type(raw).decode()
        if kind == "string":
            docs[name.removeprefix("doc:")] = r.get(raw)
        elif kind == "zset":
            zsets[name].update({m.decode(): s for m, s in r.zrange(raw, 0, -1,
                                                                   withscores=True)})
        elif kind == "hash":
            counters[name].update({k.decode(): int(v) for k, v in r.hgetall(raw).items()})
    return {"docs": dict(sorted(docs.items())),
            "zsets": {k: dict(sorted(v.items())) for k, v in sorted(zsets.items())},
            "counters": {k: dict(sorted(v.items())) for k, v in sorted(counters.items())}}


async def test_one_script_per_partition_and_the_model_of_the_projection(stack_env):
    url, prefix = private_model(stack_env.redis_url, 11)
    clear_model(url, prefix)
    redis, sync = make_redis(url), make_sync_redis(url)
    store = Store(redis, Keys(prefix), TZ)
    memory = MemoryModel()
    half = len(EVENTS) // 2
    try:
        # the last batch: a replay straddling the two (every event already applied)
        for batch, new in ((EVENTS[:half], True), (EVENTS[half:], True),
                           (EVENTS[half // 2:half + half // 2], False)):
            memory.apply(batch)
            by_partition: dict[int, list] = defaultdict(list)
            for env in batch:
                by_partition[partition_of(env.subject)].append(item(env))
            scripts = 0
            for p, items in sorted(by_partition.items()):
                before = eval_calls(sync) if not stack_env.redis_cluster else 0
                await store.apply(p, items, [1])
                if not stack_env.redis_cluster:
                    # the whole aggregate delta (dozens of index keys, several counter
                    # hashes) in at most one command
                    assert eval_calls(sync) - before <= 1
                    scripts += eval_calls(sync) - before
            if not stack_env.redis_cluster:
                # new events change some partition's aggregates; a replay changes nothing
                assert (scripts >= 1) if new else (scripts == 0)
        expected = memory.snapshot()
        got = redis_model(sync, prefix)
        assert got["docs"] == expected["docs"]
        assert got["zsets"] == expected["zsets"]
        assert got["counters"] == expected["counters"]
        assert sum(len(v) for v in expected["zsets"].values()) > 100  # many index members
    finally:
        clear_model(url, prefix)
        sync.close()
        await redis.aclose()
