"""The production shape on one machine: `audiensi up --brokers 3 --workers 3`.

- Every topic at replication factor 3 with `min.insync.replicas=2` and 12 partitions.
- Three workers of intake and of disposition: a command sent to any worker reaches the
  owner of its case's partition and the reply comes back to the worker that was asked.
- A broker SIGKILLed while cases move loses nothing: letter cases go through intake and
  disposition over HTTP (each command to the next worker in turn); the node leading the
  disposition command partition in use is killed between two steps; the steps go on (a
  503 while partitions move is sent again with the same Idempotency-Key); the node is
  restarted and rejoins the ISR. Afterwards every accepted command is on the topics
  exactly once and the reporting read model holds exactly those steps."""

from __future__ import annotations

import asyncio
import re
import time
from collections import defaultdict
from collections.abc import Iterator

import httpx
import pytest

from contracts import decode
from contracts.topics import COMPLAINTS, DISPOSITION, INTAKE, command_topic
from tests.e2e.client import TRANSIENT
from tests.support.auth import auth
from tests.support.cluster import (
    ClusterSystem,
    Driver,
    describe,
    partition_of,
    running_cluster,
    wait_isr,
    wait_leader_other_than,
)
from tests.support.kafka import read_raw
from tests.support.waiting import eventually_sync

CASES = 12
SERVICES = ("intake", "disposition", "reporting")
WORKERS = {"intake": 3, "disposition": 3}
BEFORE = ["AudienceRequested", "RequestRegistered", "CaseDisposed", "DispositionReceived"]
AFTER = ["OfficerAssigned", "ApplicantInformed"]
LAST = ["AudienceHeld"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[ClusterSystem]:
    with running_cluster(tmp_path_factory.mktemp("cluster"), SERVICES, WORKERS) as running:
        yield running


def test_topics_are_replicated_three_times_with_two_in_sync_and_twelve_partitions(cluster):
    topics = [INTAKE, DISPOSITION, COMPLAINTS, command_topic("disposition"),
              command_topic("intake"), "__consumer_offsets"]
    found = asyncio.run(describe(cluster.bootstrap, topics))
    for topic in topics:
        parts = found[topic]["partitions"]
        assert all(p["replicas"] == [1, 2, 3] for p in parts.values()), (topic, parts)
        assert {p["leader"] for p in parts.values()} <= {1, 2, 3}
        if topic != "__consumer_offsets":
            assert len(parts) == 12, (topic, len(parts))
            assert found[topic]["config"]["min.insync.replicas"] == "2", topic
    # the services' faust changelogs too (a table's state is as precious as the events)
    changelog = "audiensi-disposition-cases-changelog"
    if changelog in asyncio.run(_topics(cluster.bootstrap)):
        state = asyncio.run(describe(cluster.bootstrap, [changelog]))[changelog]
        assert state["config"]["min.insync.replicas"] == "2"
        assert all(p["replicas"] == [1, 2, 3] for p in state["partitions"].values())


async def _topics(bootstrap: str) -> set[str]:
    from chassis.kafka import new_admin

    admin = new_admin(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()


def published(url: str, service: str) -> int:
    """Events this worker published: it owned the partitions they were decided on."""
    text = httpx.get(url + "/metrics", timeout=5).text
    return int(sum(float(v) for v in re.findall(
        rf'^audiensi_events_published_total{{service="{service}",type="[A-Za-z]+"}} (\S+)$',
        text, flags=re.M)))


def ready_with_partitions(urls: list[str], timeout: float = 120.0) -> list[dict]:
    """Every worker ready and owning some partitions (the group has settled)."""
    def checks() -> list[dict]:
        return [httpx.get(url + "/readyz", timeout=5).json() for url in urls]

    return eventually_sync(checks, lambda found: all(
        c.get("ready") and c.get("partitions", 0) > 0 for c in found),
        timeout=timeout, every=0.5, retry_on=TRANSIENT)


async def test_a_command_sent_to_any_worker_reaches_the_owner_and_answers_the_caller(cluster):
    """Three workers each of intake and disposition: every command goes to the next worker
    in turn, whoever owns its case's partition; each is answered to the worker asked (the
    reply comes over Redis to the caller), and the cases' events are all there, once."""
    for service in WORKERS:
        await asyncio.to_thread(ready_with_partitions, cluster.urls(service))
    driver = Driver(cluster, SERVICES)
    cases = list(await asyncio.gather(*(driver.open_case() for _ in range(24))))
    await driver.http.aclose()
    owners = {}
    for service, count in WORKERS.items():
        urls = cluster.urls(service)
        assert len(urls) == count
        assert all(driver.served[url] >= 3 for url in urls), (service, driver.served)
        owners[service] = [await asyncio.to_thread(published, url, service) for url in urls]
    # disposition: the 12 partitions spread over the three, every one decided some cases
    assert sum(owners["disposition"]) == 2 * len(cases), owners
    assert all(n > 0 for n in owners["disposition"]), owners
    # intake: a new request is decided by the owner of the one-partition registrar (gap-free
    # agenda numbers), whichever of the three workers was asked: one worker, unless the
    # group rebalanced meanwhile
    assert sum(owners["intake"]) == 2 * len(cases), owners
    print(f"\nevents published per worker: {owners}; commands taken: {dict(driver.served)}")
    # each worker reports how far behind it is on the partitions it holds (and only those)
    held = []
    for url in cluster.urls("disposition"):
        text = (await asyncio.to_thread(httpx.get, url + "/metrics", timeout=5)).text
        held.append(set(re.findall(
            r'^audiensi_consumer_lag_records\{partition="(\d+)",service="disposition",'
            r'topic="audiensi.disposition.commands.v1"\} \S+$', text, flags=re.M)))
    assert all(held) and sum(map(len, held)) == len(set().union(*held)) == 12, held
    raw = await read_raw(cluster.bootstrap, DISPOSITION, timeout=30)
    for case in cases:
        steps = sorted((e.sequence, e.type) for e in map(decode, (
            v for _, _, k, v in raw if k == case.encode())))
        assert steps == [(1, "CaseDisposed"), (2, "DispositionReceived")], (case, steps)


async def test_a_killed_leader_broker_loses_no_accepted_command(cluster):
    driver = Driver(cluster, SERVICES)
    timings: dict[str, float] = {}
    began = time.monotonic()
    cases = list(await asyncio.gather(*(driver.open_case() for _ in range(CASES))))
    # a partition in use (where a case's disposition events went), preferably one node 1
    # leads: the first of the bootstrap list, the one readiness once looked at alone
    raw = await read_raw(cluster.bootstrap, DISPOSITION, timeout=30)
    in_use = sorted({p for p, _, key, _ in raw if key and key.decode() in cases})
    commands = command_topic("disposition")
    leaders = {p: (await asyncio.to_thread(partition_of, cluster.bootstrap, commands,
                                           p))["leader"] for p in in_use}
    partition = next((p for p in in_use if leaders[p] == 1), in_use[0])
    leader = leaders[partition]
    killed_at = time.monotonic()
    await asyncio.to_thread(cluster.kafka.node(leader).kill)  # SIGKILL: no clean shutdown
    await asyncio.gather(*(driver.assign_and_inform(c) for c in cases))
    timings["steps after the kill"] = time.monotonic() - killed_at
    async with httpx.AsyncClient(timeout=10) as http:  # ready with one broker down
        for name in SERVICES:
            r = await http.get(cluster.url(name) + "/readyz")
            assert r.status_code == 200, (name, r.text)
    state, timings["new leader"] = await asyncio.to_thread(
        wait_leader_other_than, cluster.bootstrap, commands, partition, leader)
    assert len(state["isr"]) >= 2, state  # min.insync.replicas: still writable
    restarted = time.monotonic()
    await asyncio.to_thread(cluster.kafka.start_node, leader)
    timings["node restarted"] = time.monotonic() - restarted
    timings["back in the ISR"] = await asyncio.to_thread(wait_isr, cluster.bootstrap,
                                                         commands, partition, 3)
    await asyncio.gather(*(driver.hold(c) for c in cases))
    await driver.http.aclose()
    print(f"\n{CASES} cases on 3 brokers, node {leader} (leader of {commands}[{partition}]) "
          f"killed; retries {dict(driver.retries)}; " +
          ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()) +
          f"; total {time.monotonic() - began:.1f}s")
    assert len(driver.accepted) == CASES * 6

    # 1. every accepted command's event is on its topic, each (case, sequence) exactly once
    expected = BEFORE + AFTER + LAST
    seen: dict[tuple[str, int, str], set[str]] = defaultdict(set)
    kinds: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    order = {"intake": 0, "disposition": 1}
    for topic in (INTAKE, DISPOSITION):
        for _, _, _, value in await read_raw(cluster.bootstrap, topic, timeout=30):
            env = decode(value)
            if env.subject in cases:
                if env.id not in seen[(env.subject, env.sequence, env.source)]:
                    kinds[env.subject].append((order[env.source], env.sequence, env.type))
                seen[(env.subject, env.sequence, env.source)].add(env.id)
    assert all(len(ids) == 1 for ids in seen.values()), "a command applied twice"
    for case in cases:
        assert [t for *_, t in sorted(kinds[case])] == expected, (case, kinds[case])

    # 2. the disposition service's state and the reporting read model: exactly those steps
    await asyncio.to_thread(_states_exact, cluster, cases, expected)


def _states_exact(cluster: ClusterSystem, cases: list[str], expected: list[str]) -> None:
    http = httpx.Client(timeout=30)

    def get(service: str, path: str, user: str) -> dict:
        r = http.get(cluster.url(service) + path, headers=auth(user))
        assert r.status_code == 200, f"{path}: {r.status_code} {r.text[:300]}"
        return r.json()

    for case in cases:
        assert get("disposition", f"/cases/{case}", "kadis")["status"] == "held"

    def read_model_exact() -> bool:
        for case in cases:
            view = get("reporting", f"/cases/{case}", "analis")
            steps = [e["type"] for e in view["timeline"]
                     if e["source"] in ("intake", "disposition")]
            assert steps == expected, (case, steps)
            assert view["status"] == "held", (case, view["status"])
        return True

    eventually_sync(read_model_exact, timeout=60, every=1, retry_on=TRANSIENT)
    http.close()
