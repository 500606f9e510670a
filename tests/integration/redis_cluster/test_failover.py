"""A Redis Cluster master SIGKILLed while the reporting projection writes to it: its replica
takes over, the projector retries its batch on the new master, and the read model ends
exact — key for key the model a rebuild recounts from the topics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from chassis.redis import make_sync_redis
from services.reporting import scenarios as sc
from tests.integration.reporting.support import Reporting, start_reporting
from tests.support.auth import auth
from tests.support.waiting import eventually_sync

pytestmark = pytest.mark.integration

EVENTS = sc.population(300, seed=17)
FIRST, DURING, AFTER = EVENTS[:800], EVENTS[800:1400], EVENTS[1400:]


@pytest.fixture(scope="module")
def reporting(stack_env, redis_cluster) -> Iterator[Reporting]:
    rep = start_reporting(stack_env, 0, "reporting-cluster", redis_url=redis_cluster.url)
    try:
        yield rep
    finally:
        rep.proc.stop()


def spread(rep: Reporting) -> dict[int, int]:
    """master port -> how many keys of the live model it holds."""
    r = make_sync_redis(rep.redis_url)
    try:
        out: dict[int, int] = {}
        for key in r.scan_iter(match=rep.key_prefix + ":*", count=1000):
            node = r.nodes_manager.get_node_from_slot(r.keyslot(key))
            out[node.port] = out.get(node.port, 0) + 1
        return out
    finally:
        r.close()


async def test_a_killed_master_is_replaced_and_the_model_ends_exact(reporting, redis_cluster):
    await reporting.produce(FIRST)
    await reporting.caught_up()
    assert len(spread(reporting)) == 3  # the partitions' hash tags spread over every master

    r = make_sync_redis(reporting.redis_url)
    try:  # the master of partition 0's slot
        victim = r.nodes_manager.get_node_from_slot(
            r.keyslot(reporting.keys.targets(0))).port
    finally:
        r.close()
    replica = redis_cluster.replica_of(victim)
    assert replica is not None
    await reporting.produce(DURING)  # the projector is busy with these ...
    killed_at = time.monotonic()
    redis_cluster.kill_node(victim)  # ... when the master dies
    await reporting.produce(AFTER)  # and these come while its slots have no master
    promoted = await asyncio.to_thread(
        eventually_sync, lambda: replica in redis_cluster.masters(), timeout=30, every=0.1)
    assert promoted
    took = time.monotonic() - killed_at
    await reporting.caught_up(timeout=90)
    print(f"\nmaster {victim} SIGKILLed; replica {replica} took over within {took:.1f}s")
    # the projector met the dead master (and applied its batch again on the new one)
    assert "redis unavailable, applying again" in reporting.proc.log_path.read_text()
    live = reporting.dump()
    assert {k.split(":doc:", 1)[1] for k in live if ":doc:" in k} == {e.subject
                                                                      for e in EVENTS}
    counts = reporting.ok("/admin/projections", "admin")["live"]
    # a batch that failed part-way is applied again: what it had written counts as duplicates
    assert counts["applied"] + counts["duplicates"] >= len(EVENTS)

    # recount: a rebuild replays the topics into a fresh version (its keys spread over the
    # masters, the new one included) and switches to it; the versions must be the same
    resp = httpx.post(reporting.url + "/admin/projections/rebuild", headers=auth("admin"),
                      timeout=30)
    assert resp.status_code == 202, resp.text
    st = reporting.wait_rebuild_done(timeout=90)
    assert st["consumed"] == st["total"] >= len(EVENTS)
    assert reporting.dump() == live

    # the old master comes back as a replica of its successor; the cluster is whole again
    redis_cluster.start_node(victim)
    await asyncio.to_thread(redis_cluster.wait_ok, 30)
    assert redis_cluster.topology()[victim]["master"] == replica

