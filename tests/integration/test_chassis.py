"""The chassis against the real broker and Redis: an envelope round-trip, idempotency keys,
and a minimal service (faust inside FastAPI) answering commands through the command bus."""

import hashlib
import json
import os
import subprocess
import sys
import uuid

import httpx
import pytest

from chassis.commands import Reply
from chassis.idempotency import run_idempotent
from chassis.kafka import new_consumer, new_producer
from chassis.problems import Invalid
from chassis.redis import make_redis
from contracts import decode, encode, envelope
from contracts.samples import samples
from contracts.topics import INTAKE
from tests.support.auth import auth
from tests.support.services import ROOT
from tests.support.waiting import eventually_sync, free_port


async def test_an_envelope_goes_through_the_real_broker_and_decodes(stack_env):
    from chassis.kafka import ensure_topics

    await ensure_topics(stack_env.bootstrap, {INTAKE: 6})
    event = samples()[1]
    env = envelope(event, source="intake", sequence=1)
    producer = new_producer(bootstrap_servers=stack_env.bootstrap, acks="all",
                                enable_idempotence=True)
    await producer.start()
    try:
        md = await producer.send_and_wait(INTAKE, key=env.subject.encode(), value=encode(env))
    finally:
        await producer.stop()
    consumer = new_consumer(bootstrap_servers=stack_env.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        from aiokafka import TopicPartition

        tp = TopicPartition(INTAKE, md.partition)
        consumer.assign([tp])
        consumer.seek(tp, md.offset)
        record = await consumer.getone()
    finally:
        await consumer.stop()
    assert record.key == env.subject.encode()
    assert decode(record.value) == env


async def test_idempotency_key_runs_once_and_refuses_a_different_body(stack_env):
    redis = make_redis(stack_env.redis_url)
    calls = []

    async def run():
        calls.append(1)
        return Reply(status=201, body={"n": len(calls)})

    key = str(uuid.uuid4())
    common = dict(service="t", principal="u1", key=key)
    first = await run_idempotent(redis, payload={"a": 1}, run=run, **common)
    again = await run_idempotent(redis, payload={"a": 1}, run=run, **common)
    assert first == again and len(calls) == 1
    with pytest.raises(Invalid):
        await run_idempotent(redis, payload={"a": 2}, run=run, **common)
    other = await run_idempotent(redis, payload={"a": 1}, run=run, service="t", principal="u1",
                                 key=None)
    assert other.body == {"n": 2}
    stored = json.loads(await redis.get(f"audiensi:idem:t:u1:{key}"))["hash"]
    plain = hashlib.sha256(json.dumps({"a": 1}, sort_keys=True).encode()).hexdigest()
    assert stored.startswith("h1:") and plain not in stored  # not confirmable by guessing
    await redis.aclose()


async def test_a_fingerprint_stored_before_the_hmac_is_still_honoured(stack_env):
    """A key stored by the previous version (a plain SHA-256 of the body) still answers its
    reply to the same body and refuses another, until it expires."""
    redis = make_redis(stack_env.redis_url)
    key = str(uuid.uuid4())
    plain = hashlib.sha256(json.dumps({"a": 1}, sort_keys=True).encode()).hexdigest()
    await redis.set(f"audiensi:idem:t:u1:{key}", json.dumps(
        {"state": "done", "hash": plain, "reply": {"status": 201, "body": {"n": 7}}}), ex=60)

    async def run():
        raise AssertionError("a stored reply is answered, nothing runs")

    common = dict(service="t", principal="u1", key=key, run=run)
    assert (await run_idempotent(redis, payload={"a": 1}, **common)).body == {"n": 7}
    with pytest.raises(Invalid):
        await run_idempotent(redis, payload={"a": 2}, **common)
    await redis.aclose()


@pytest.fixture(scope="module")
def echo_service(stack_env, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("echo") / "echo.log"
    env = {**os.environ, "AUDIENSI_ECHO_PORT": str(port), "PYTHONPATH": str(ROOT)}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "tests.support.echo_service"], cwd=ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            pytest.fail("echo service exited:\n" + log.read_text())
        return False

    try:
        eventually_sync(ready, timeout=90, every=0.3)
    except AssertionError:
        proc.kill()
        pytest.fail("echo service not ready:\n" + log.read_text()[-3000:])
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_service_health_readiness_and_metrics(echo_service):
    assert httpx.get(echo_service + "/healthz").json()["status"] == "ok"
    ready = httpx.get(echo_service + "/readyz").json()
    assert ready["ready"] and ready["broker"] and ready["redis"] and ready["partitions"] >= 6
    metrics = httpx.get(echo_service + "/metrics")
    assert metrics.status_code == 200 and "audiensi_http_requests_total" in metrics.text


def test_commands_go_through_the_owning_agent_and_its_table(echo_service):
    headers = auth("admin")
    counts = [httpx.post(f"{echo_service}/echo/case-x", headers=headers).json()["count"]
              for _ in range(5)]
    assert counts == [1, 2, 3, 4, 5]
    assert httpx.post(f"{echo_service}/echo/case-y", headers=headers).json()["count"] == 1
    r = httpx.post(f"{echo_service}/echo/case-x", headers=auth("ops"))
    assert r.status_code == 403 and r.headers["content-type"] == "application/problem+json"
    assert httpx.post(f"{echo_service}/echo/case-x").status_code == 401
