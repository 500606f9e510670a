"""Every Redis client path of the chassis on a real Redis Cluster (3 masters + 3 replicas):
the key store, Idempotency-Key, the rate limiter, command replies, the escalation feed and
the documents' metadata. On a cluster a command whose keys are on two hash slots fails with
CROSSSLOT, and redis-py's cluster pipeline refuses MGET/MSET/EVALSHA: each test would fail if
the code did either."""

from __future__ import annotations

import os
import uuid

import pytest

from chassis.commands import CommandBus, CommandMessage, Reply, send_reply
from chassis.idempotency import run_idempotent
from chassis.keystore import REDIS_HASH, REDIS_LINKS, RedisKeyStore, Wrapper
from chassis.problems import Invalid
from chassis.ratelimit import Limit, RateLimiter
from chassis.redis import (
    endpoints,
    is_cluster,
    make_redis,
    make_sync_redis,
    replicated,
    write_replicated,
)

pytestmark = pytest.mark.integration


def test_the_url_names_a_cluster_and_its_seed_nodes(redis_cluster):
    url = redis_cluster.url
    assert is_cluster(url) and not is_cluster("redis://127.0.0.1:6380/0")
    assert endpoints(url) == [("127.0.0.1", p) for p in redis_cluster.ports]
    assert endpoints("redis://u:p@10.0.0.5:6390/2") == [("10.0.0.5", 6390)]
    with pytest.raises(ValueError, match="database 0 only"):
        make_redis(url.replace("/0", "/3"))
    r = make_sync_redis(url)
    try:
        info = r.cluster_info()
        assert info["cluster_state"] == "ok" and int(info["cluster_size"]) == 3
    finally:
        r.close()


def test_the_key_store_keeps_its_names_and_one_slot(redis_cluster):
    store = RedisKeyStore(redis_cluster.url, Wrapper(os.urandom(32)))
    ids = [f"person:{uuid.uuid4()}" for _ in range(5)]
    made = {k: store.get_or_create(k) for k in ids}
    assert store.get_or_create(ids[0]) == made[ids[0]]  # HSETNX: created once
    assert store.get_many([*ids, "absent"]) == {**made, "absent": None}
    anchor = f"anchor-{uuid.uuid4()}"
    for k in ids[:3]:
        store.link(anchor, k)
    assert store.linked(anchor) == set(ids[:3])
    r = make_sync_redis(redis_cluster.url)
    try:
        # the names of a single server, unchanged: a deployment copies them over as they are
        assert REDIS_HASH == "audiensi:{keystore}:keys"
        assert r.keyslot(REDIS_HASH) == r.keyslot(REDIS_LINKS + anchor)
        assert r.hexists(REDIS_HASH, ids[0])
        # its writes return once a replica has them (a failover keeps a key and an erasure)
        probe = REDIS_LINKS + f"probe-{uuid.uuid4()}"
        assert write_replicated(r, probe, "SADD", probe, "k") == (1, 1)
        r.delete(probe)
    finally:
        r.close()
    assert store.delete(ids[0]) and store.get(ids[0]) is None
    store.unlink(anchor)
    assert store.linked(anchor) == set()


async def test_an_idempotency_key_runs_once_on_the_cluster(redis_cluster):
    redis = make_redis(redis_cluster.url)
    calls: list[int] = []

    async def run() -> Reply:
        calls.append(1)
        return Reply(status=201, body={"n": len(calls)})

    try:
        common = dict(service="t", principal="u1", key=str(uuid.uuid4()))
        first = await run_idempotent(redis, payload={"a": 1}, run=run, **common)
        again = await run_idempotent(redis, payload={"a": 1}, run=run, **common)
        assert first == again == Reply(status=201, body={"n": 1}) and len(calls) == 1
        with pytest.raises(Invalid):
            await run_idempotent(redis, payload={"a": 2}, run=run, **common)
    finally:
        await redis.aclose()


async def test_the_rate_limit_counts_in_one_transaction(redis_cluster):
    redis = make_redis(redis_cluster.url)
    now = [1_000_000.0]
    limiter = RateLimiter(redis, f"t-{uuid.uuid4().hex[:6]}", Limit.parse("3/60"),
                          lambda: now[0])
    try:
        assert [await limiter.hit("10.0.0.1") for _ in range(3)] == [None, None, None]
        assert await limiter.hit("10.0.0.1") == 20  # 1_000_020 starts the next window
        assert await limiter.hit("10.0.0.2") is None  # another client, another key
        ttl = await redis.ttl(limiter.key("10.0.0.1", int(now[0] // 60)))
        assert 0 < ttl <= 61
    finally:
        await redis.aclose()


async def test_a_reply_reaches_the_waiting_handler(redis_cluster):
    from datetime import UTC, datetime

    from chassis.auth import Principal

    redis = make_redis(redis_cluster.url)
    bus = CommandBus(topic=None, redis=redis, timeout=5)
    reply_to = f"audiensi:reply:{uuid.uuid4()}"
    msg = CommandMessage(command_id="c1", name="n", subject="s",
                         actor=Principal(sub="u1", roles=("frontdesk",)),
                         at=datetime.now(UTC), correlation_id="x", reply_to=reply_to)
    try:
        await send_reply(redis, msg, Reply(status=202, body={"ok": True}))
        assert 0 < await redis.ttl(reply_to) <= 120
        got = await bus._wait_reply(reply_to)
        assert Reply.model_validate_json(got[1]).body == {"ok": True}
    finally:
        await redis.aclose()


async def test_the_escalation_feed_appends_a_batch_once(redis_cluster):
    from services.reporting.feed import Feed
    from services.reporting.keys import Keys
    from services.reporting.projection import Item

    redis = make_redis(redis_cluster.url)
    feed = Feed(redis, Keys(f"rm{uuid.uuid4().hex[:6]}"), maxlen=100)
    entry = {"type": "EscalationRaised", "time": "2026-01-05T10:00:00+07:00"}
    items = [(Item(subject=f"case-{i}", entry={**entry, "id": f"e{i}",
                                               "facts": {"escalation_id": f"x{i}"}}), None)
             for i in range(4)]
    try:
        assert await feed.publish_many(items) == 4
        assert await feed.publish_many(items) == 0  # the same events: nothing new
        read = await feed.read("0-0", block_ms=100)
        assert [d["case_id"] for _, d in read] == [f"case-{i}" for i in range(4)]
    finally:
        await redis.aclose()


async def test_documents_metadata_on_the_cluster(redis_cluster):
    from services.documents.metadata import Metadata

    redis = make_redis(redis_cluster.url)
    meta = Metadata(redis)
    case, doc_id = f"case-{uuid.uuid4()}", f"doc-{uuid.uuid4()}"
    doc = {"case_id": case, "document_id": doc_id, "at": "2026-01-05T10:00:00+07:00"}
    try:
        assert await meta.attach(doc)
        assert await meta.document(doc_id) == doc
        assert await meta.documents(case) == [doc]
        await meta.remove(case, doc_id)
        assert await meta.documents(case) == [] and not await meta.attach(doc)
        async with meta.lock(case, 5):  # redis-py's Lock (Lua, one key) on a cluster
            assert await meta.next_sequence(case) == 1
    finally:
        await redis.aclose()


async def test_a_read_model_write_is_confirmed_by_a_replica(redis_cluster):
    redis = make_redis(redis_cluster.url)
    try:
        for p in range(6):  # each partition's slot: on every master in turn
            assert await replicated(redis, f"rmt{uuid.uuid4().hex[:6]}:{{p{p}}}:synced") == 1
    finally:
        await redis.aclose()


async def test_a_master_without_its_replica_is_not_waited_for_every_time(redis_cluster):
    import time

    from chassis import redis as chassis_redis

    redis = make_redis(redis_cluster.url)
    marker = f"rmt{uuid.uuid4().hex[:6]}:{{p0}}:synced"
    sync = make_sync_redis(redis_cluster.url)
    master = sync.nodes_manager.get_node_from_slot(sync.keyslot(marker))
    sync.close()
    replica = redis_cluster.replica_of(master.port)
    redis_cluster.kill_node(replica)
    try:
        began = time.monotonic()
        assert await replicated(redis, marker, timeout_ms=500) == 0  # waited, in vain
        assert time.monotonic() - began >= 0.45
        began = time.monotonic()
        assert await replicated(redis, marker, timeout_ms=500) == 0  # not waited again
        assert time.monotonic() - began < 0.2
    finally:
        await redis.aclose()
        redis_cluster.start_node(replica)
        redis_cluster.wait_ok(30)
        chassis_redis._unreplicated.clear()
    redis = make_redis(redis_cluster.url)
    try:
        assert await replicated(redis, marker) == 1  # the replica is back
    finally:
        await redis.aclose()
