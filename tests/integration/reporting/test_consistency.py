"""Exactly-right under at-least-once, against real Kafka and Redis: the same events delivered
once in order, or twice in a shuffled cross-topic order, or replayed after FLUSHALL, give the
same model — every key and value of the live version."""

from __future__ import annotations

import os
import random
import subprocess
import sys

import httpx
import pytest

from services.reporting import scenarios as sc
from tests.support.auth import auth
from tests.support.services import ROOT

pytestmark = pytest.mark.integration

EVENTS = sc.population(150, seed=11)
SUBJECTS = {e.subject for e in EVENTS}


@pytest.fixture(scope="module")
async def in_order(reporting):
    await reporting.produce(EVENTS)
    await reporting.caught_up()
    return reporting


@pytest.fixture(scope="module")
def model(in_order) -> dict:
    return in_order.dump()


def test_the_model_holds_every_subject(model):
    docs = {k.split(":doc:", 1)[1] for k in model if ":doc:" in k}
    assert docs == SUBJECTS
    assert any(k.endswith(":sla") for k in model) and any(":cases:status:" in k for k in model)


async def test_shuffled_and_duplicated_delivery_gives_the_same_model(model, reporting_b):
    twice = list(EVENTS) * 2
    random.Random(5).shuffle(twice)  # across topics, and within a topic partition too
    await reporting_b.produce(twice)
    await reporting_b.caught_up()
    assert reporting_b.dump() == model


async def test_redelivering_everything_changes_nothing(in_order, model):
    again = list(EVENTS)
    random.Random(6).shuffle(again)
    await in_order.produce(again)
    await in_order.caught_up()
    assert in_order.dump() == model
    counts = in_order.ok("/admin/projections", "admin")["live"]
    assert counts["duplicates"] >= len(EVENTS)


def test_flushall_then_rebuild_gives_the_same_model(in_order, model):
    r, ours = in_order.redis(), (in_order.key_prefix + ":").encode()
    # only ours here: the read model and the key store (the events' data keys, the blind
    # search key). The read model is lost whole; the key store is not (losing it would
    # erase every person: it lives apart in production, here it shares the database). On a
    # Redis Cluster (one database) the model is ours by its key prefix, and the keys are
    # deleted slot by slot on every master
    keys = list(r.scan_iter(count=1000))
    assert keys and any(k.startswith(ours) for k in keys)
    if not in_order.redis_url.startswith("redis+cluster://"):
        assert all(k.startswith((b"rm:", b"audiensi:{keystore}:")) for k in keys)
    r.delete(*[k for k in keys if k.startswith(ours)])
    assert not [k for k in r.scan_iter(count=1000) if k.startswith(ours)]
    assert in_order.get("/cases").status_code == 503  # no half-built model is ever served
    env = {**os.environ, "AUDIENSI_REPORTING_URL": in_order.url}
    out = subprocess.run([sys.executable, "-m", "stack.cli", "rebuild"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "versi" in out.stdout and "aktif" in out.stdout
    assert in_order.dump() == model
    assert in_order.get("/cases").status_code == 200


def test_rebuild_while_live_switches_to_an_identical_version(in_order, model):
    r = in_order.redis()
    before = int(r.get(in_order.keys.current))
    started = httpx.post(in_order.url + "/admin/projections/rebuild", headers=auth("admin"))
    assert started.status_code == 202, started.text
    st = in_order.wait_rebuild_done()
    assert st["version"] == before + 1 and st["consumed"] == st["total"] >= len(EVENTS)
    assert int(r.get(in_order.keys.current)) == before + 1
    assert in_order.dump() == model


def test_a_second_rebuild_request_while_one_runs_is_409(in_order):
    r = in_order.redis()
    # as if another worker were rebuilding
    r.set(in_order.keys.rebuild_lock, "someone-else", px=5000)
    try:
        resp = httpx.post(in_order.url + "/admin/projections/rebuild", headers=auth("admin"))
        assert resp.status_code == 409 and "sedang berjalan" in resp.json()["detail"]
    finally:
        r.delete(in_order.keys.rebuild_lock)
