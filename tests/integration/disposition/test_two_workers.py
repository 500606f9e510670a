"""Two worker processes of the service (same faust app id, different ports) share the
partitions; a command for any case succeeds whichever worker the HTTP request reaches,
because it is applied by the worker owning the case's partition."""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from contracts.topics import DISPOSITION
from tests.support.kafka import read_events
from tests.support.services import ServiceProcess
from tests.support.waiting import eventually, eventually_sync

from .conftest import start_worker
from .support import headers, new_case_id, produce, request_events

CASES = 24
PARTITIONS_PER_TOPIC = 6  # command topic, intake topic, cases changelog
SOON = (datetime.now(UTC) + timedelta(days=1)).isoformat()
PATH = [
    ("disposition", "kadis", {"division": "linjamsos", "instructions": "tindak lanjuti"}),
    ("receipt", "kabid-linjamsos", None),
    ("assignment", "kabid-linjamsos", {"officer_id": "petugas-linjamsos-1"}),
    ("notification", "petugas-linjamsos-1", {"channel": "phone", "message": "jadwal",
                                             "scheduled_for": SOON}),
]
EXPECTED = ["CaseDisposed", "DispositionReceived", "OfficerAssigned", "ApplicantInformed"]


def wait_balanced(workers: list[ServiceProcess], timeout: float = 90.0) -> list[dict]:
    """Both ready, with every partition of the three co-partitioned topics owned once."""
    def checks() -> list[dict]:
        out = []
        for w in workers:
            try:
                out.append(httpx.get(w.url + "/readyz", timeout=3).json())
            except httpx.HTTPError as exc:
                out.append({"ready": False, "error": repr(exc)})
        return out

    def balanced(found: list[dict]) -> bool:
        return all(c.get("ready") for c in found) and sum(
            c["partitions"] for c in found) == 3 * PARTITIONS_PER_TOPIC

    try:
        return eventually_sync(checks, balanced, timeout=timeout, every=0.5)
    except AssertionError as exc:
        raise AssertionError(f"workers not balanced: {exc}") from None


@pytest.fixture(scope="module")
def workers(stack_env) -> Iterator[list[ServiceProcess]]:
    started: list[ServiceProcess] = []
    try:
        started.append(start_worker(stack_env))
        started.append(start_worker(stack_env))
        wait_balanced(started)
        yield started
    finally:
        for w in started:
            w.stop()


def published(worker: ServiceProcess) -> int:
    text = httpx.get(worker.url + "/metrics", timeout=5).text
    return int(sum(float(v) for v in re.findall(
        r'^audiensi_events_published_total\{service="disposition",type="[A-Za-z]+"\} (\S+)$',
        text, flags=re.M)))


async def test_commands_succeed_whichever_worker_gets_them(stack_env, workers):
    checks = wait_balanced(workers)
    assert all(c["partitions"] > 0 for c in checks), checks
    case_ids = [new_case_id("two") for _ in range(CASES)]
    await produce(stack_env.bootstrap, [e for cid in case_ids for e in request_events(cid)])
    rng = random.Random(4)
    clients = [httpx.AsyncClient(base_url=w.url, timeout=30) for w in workers]
    served_by = {0: 0, 1: 0}
    latencies: list[float] = []

    async def run_case(case_id: str) -> None:
        for path, user, body in PATH:
            i = rng.randrange(2)
            served_by[i] += 1
            t = time.perf_counter()
            r = await clients[i].post(f"/cases/{case_id}/{path}", json=body,
                                      headers=headers(user))
            latencies.append(time.perf_counter() - t)
            assert r.status_code == 200, (case_id, path, i, r.text)
        for client in clients:  # both workers answer the same, current state
            view = (await client.get(f"/cases/{case_id}", headers=headers("kadis"))).json()
            assert (view["status"], view["sequence"]) == ("informed", 4)

    try:
        await asyncio.gather(*(run_case(cid) for cid in case_ids))
    finally:
        for client in clients:
            await client.aclose()

    assert min(served_by.values()) > CASES  # both workers took HTTP requests
    owners = [published(w) for w in workers]
    assert sum(owners) >= CASES * len(PATH) and min(owners) > 0, owners  # both own cases
    everything = await read_events(stack_env.bootstrap, DISPOSITION)
    for case_id in case_ids:
        envs = [e for e in everything if e.subject == case_id]
        assert [(e.type, e.sequence) for e in envs] == list(zip(EXPECTED, [1, 2, 3, 4],
                                                                strict=True)), case_id
    latencies.sort()
    print(f"\ntwo workers: {len(latencies)} commands, p50 {latencies[len(latencies) // 2]*1000:.1f}"
          f" ms, p99 {latencies[int(len(latencies) * 0.99)]*1000:.1f} ms")


async def test_when_a_worker_dies_the_other_takes_its_cases_over_without_losing_state(
        stack_env, workers):
    """SIGKILL one worker: its partitions (and their table state, from the changelog) move to
    the survivor. Clients retry a 503 with the same Idempotency-Key; no step is lost or
    written twice with different ids."""
    try:
        await _fail_over(stack_env, workers)
    except AssertionError as exc:  # say what the workers saw
        tails = "\n".join(f"--- {w.log_path.name}\n{w.tail(30)}" for w in workers)
        raise AssertionError(f"{exc}\n{tails}") from exc


async def _fail_over(stack_env, workers):
    case_ids = [new_case_id("failover") for _ in range(8)]
    await produce(stack_env.bootstrap, [e for cid in case_ids for e in request_events(cid)])
    first, second = workers
    async with httpx.AsyncClient(base_url=first.url, timeout=30) as client:
        for case_id in case_ids:  # half the path before the crash
            for n, (path, user, body) in enumerate(PATH[:2]):
                await post_until_answered(client, case_id, path, user, body, f"{case_id}-{n}")
        second.kill()  # SIGKILL: no goodbye to the group, uncommitted offsets redelivered
        t = time.perf_counter()
        for case_id in case_ids:
            for n, (path, user, body) in enumerate(PATH[2:], start=2):
                await post_until_answered(client, case_id, path, user, body, f"{case_id}-{n}")
        print(f"\nfailover: the rest of the path done {time.perf_counter() - t:.1f}s after kill")
    everything = await read_events(stack_env.bootstrap, DISPOSITION)
    for case_id in case_ids:
        envs = [e for e in everything if e.subject == case_id]
        distinct = {(e.sequence, e.id, e.type) for e in envs}  # a replay repeats, identically
        assert sorted((s, t) for s, _, t in distinct) == list(
            zip([1, 2, 3, 4], EXPECTED, strict=True)), (case_id, envs)


async def post_until_answered(client, case_id, path, user, body, key, timeout=60.0):
    sent: list[httpx.Response] = []

    async def post() -> httpx.Response:
        sent.append(await client.post(f"/cases/{case_id}/{path}", json=body,
                                      headers=headers(user, **{"Idempotency-Key": key})))
        return sent[-1]

    try:
        r = await eventually(post, lambda r: r.status_code != 503, timeout=timeout, every=0.5)
    except AssertionError:
        raise AssertionError(f"still 503 after {timeout}s: {sent[-1].text}") from None
    assert r.status_code == 200, (case_id, path, r.text)
    return r.json()
