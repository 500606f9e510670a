"""Faults under steady load on the three-broker cluster (the start of the fault run of issue
17): letter cases go from request to the applicant informed, several at a time, for
`AUDIENSI_CHAOS_SECONDS` (`make chaos`: 300 by default; not in `make test` for now), while
one after another the leader of a partition in use is SIGKILLed and later restarted, a
worker of disposition is SIGKILLed and started again, and a worker is added. Afterwards: no
accepted command missing or applied twice, the read model exact, the agenda numbers
gap-free; the time each fault took to heal is printed and written to
`<data dir>/chaos-report.json`.

Seen once in eight 30 s runs (2026-12-03), an open finding: after the worker was added under
load, one case's intake events were never applied by disposition (its steps answered 404
"case not found" for 150 s). On the topics afterwards: the events at audiensi.intake.v1[7]
offsets 42-43, the group's committed offset there 46, no record of the case on the cases
changelog: the input was acknowledged and committed without its state write. Around it: an
eager rebalance (the worker kept partition 7; an offset commit refused with
IllegalGeneration) whose table recovery stalled and was restarted by
`chassis.streams.recovery`. The other seven passed (190 to 282 cases each, nothing lost;
2-3 minutes a run), with no gap logged by `chassis.streams.patches.log_input_gaps`.

Not yet here (issue 17): Redis failover (Redis Cluster is another part of the issue), a
network cut to one broker, walk-ins and complaints in the load, the SLA escalations."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections import defaultdict
from collections.abc import Iterator

import httpx
import pytest

from contracts import decode
from contracts.topics import DISPOSITION, INTAKE, command_topic
from stack.supervisor import ServiceSpec
from tests.e2e.client import TRANSIENT
from tests.support.auth import auth
from tests.support.cluster import (
    ClusterSystem,
    Driver,
    partition_of,
    running_cluster,
    wait_isr,
    wait_leader_other_than,
)
from tests.support.kafka import read_raw
from tests.support.waiting import eventually_sync, free_port

LOAD_SECONDS = float(os.environ.get("AUDIENSI_CHAOS_SECONDS", "30"))
# Out of `make test` until the open finding above is understood: it failed one run in
# eight, and a suite that fails by chance hides every other failure. `make chaos` runs it.
pytestmark = pytest.mark.skipif("AUDIENSI_CHAOS_SECONDS" not in os.environ,
                                reason="the fault run under load: `make chaos` (an open "
                                       "finding, see the module's docstring)")
CONCURRENCY = 4
SERVICES = ("intake", "disposition", "reporting")
WORKERS = {"intake": 2, "disposition": 2}
STEPS = ["AudienceRequested", "RequestRegistered", "CaseDisposed", "DispositionReceived",
         "OfficerAssigned", "ApplicantInformed"]


@pytest.fixture(scope="module")
def system(tmp_path_factory) -> Iterator[ClusterSystem]:
    with running_cluster(tmp_path_factory.mktemp("chaos"), SERVICES, WORKERS) as running:
        yield running


async def faults(system: ClusterSystem, pace: float, heal: dict[str, float],
                 log: list[str]) -> None:
    """One fault after another, `pace` seconds apart (pacing only: nothing is concluded
    from a wait); each heal time is how long the system took to be whole again."""
    sup, kafka = system.supervisor, system.kafka
    commands = command_topic("disposition")
    await asyncio.sleep(pace)
    leader = (await asyncio.to_thread(partition_of, system.bootstrap, commands, 0))["leader"]
    killed = time.monotonic()
    await asyncio.to_thread(kafka.node(leader).kill)
    log.append(f"broker {leader} (leader of {commands}[0]) SIGKILLed")
    _, heal["broker killed: another leader"] = await asyncio.to_thread(
        wait_leader_other_than, system.bootstrap, commands, 0, leader)
    await asyncio.sleep(pace)
    await asyncio.to_thread(kafka.start_node, leader)
    await asyncio.to_thread(wait_isr, system.bootstrap, commands, 0, 3)
    heal["broker killed: back in the ISR (restarted after a pause)"] = time.monotonic() - killed
    log.append(f"broker {leader} restarted, in the ISR again")

    await asyncio.sleep(pace)
    killed = time.monotonic()
    sup.kill("disposition-2", signal.SIGKILL)
    log.append("disposition-2 SIGKILLed")
    sup.start("disposition-2")
    await sup.await_ready(timeout=180, names=["disposition-2"])
    heal["worker killed: started again and ready"] = time.monotonic() - killed
    log.append("disposition-2 ready again")

    await asyncio.sleep(pace)
    added = time.monotonic()
    sup.specs["disposition-3"] = ServiceSpec("disposition-3", free_port(), service="disposition")
    sup.start("disposition-3")
    await sup.await_ready(timeout=180, names=["disposition-3"])
    heal["worker added: ready"] = time.monotonic() - added
    log.append("disposition-3 added and ready")


async def test_steady_load_loses_nothing_through_broker_and_worker_faults(system):
    driver = Driver(system, SERVICES, retry_for=150)
    stop = asyncio.Event()
    done: list[str] = []
    heal: dict[str, float] = {}
    log: list[str] = []

    async def client() -> None:
        while not stop.is_set():
            case = await driver.open_case()
            await driver.assign_and_inform(case)
            done.append(case)

    began = time.monotonic()
    clients = [asyncio.create_task(client()) for _ in range(CONCURRENCY)]
    try:
        await faults(system, max(LOAD_SECONDS / 4, 3.0), heal, log)
        while time.monotonic() - began < LOAD_SECONDS:
            await asyncio.sleep(0.5)
        stop.set()
        await asyncio.gather(*clients)
    except AssertionError as exc:  # say which faults had happened, and when
        stop.set()
        raise AssertionError(f"{exc}\nafter {time.monotonic() - began:.0f}s; faults: {log}; "
                             f"heal: {heal}; logs: {system.data_dir / 'logs'}") from exc
    finally:
        for task in clients:
            task.cancel()
        await asyncio.gather(*clients, return_exceptions=True)
        await driver.http.aclose()
    elapsed = time.monotonic() - began
    report = {"seconds": round(elapsed, 1), "cases": len(done),
              "accepted_commands": len(driver.accepted), "retries": dict(driver.retries),
              "heal_seconds": {k: round(v, 2) for k, v in heal.items()}, "faults": log}
    (system.data_dir / "chaos-report.json").write_text(json.dumps(report, indent=1))
    print("\nchaos:", json.dumps(report))
    assert len(driver.accepted) == 5 * len(done) and len(done) >= CONCURRENCY

    # 1. every accepted command on its topic exactly once, in order
    order = {"intake": 0, "disposition": 1}
    seen: dict[tuple[str, str, int], set[str]] = defaultdict(set)
    steps: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    wanted = set(done)
    for topic in (INTAKE, DISPOSITION):
        for _, _, _, value in await read_raw(system.bootstrap, topic, timeout=60):
            env = decode(value)
            if env.subject in wanted:
                key = (env.subject, env.source, env.sequence)
                if env.id not in seen[key]:
                    steps[env.subject].append((order[env.source], env.sequence, env.type))
                seen[key].add(env.id)
    assert all(len(ids) == 1 for ids in seen.values()), "a command applied twice"
    for case in done:
        assert [t for *_, t in sorted(steps[case])] == STEPS, (case, steps[case])

    # 2. the read model exact, the agenda numbers gap-free
    await asyncio.to_thread(_read_model_exact, system, done)


def _read_model_exact(system: ClusterSystem, cases: list[str]) -> None:
    http = httpx.Client(timeout=30)

    def exact() -> list[str]:
        numbers = []
        for case in cases:
            r = http.get(system.url("reporting") + f"/cases/{case}", headers=auth("analis"))
            assert r.status_code == 200, (case, r.status_code)
            view = r.json()
            kinds = [e["type"] for e in view["timeline"]
                     if e["source"] in ("intake", "disposition")]
            assert view["status"] == "informed" and kinds == STEPS, (case, kinds)
            numbers.append(view["agenda_number"])
        return numbers

    numbers = sorted(eventually_sync(exact, timeout=90, every=2, retry_on=TRANSIENT))
    year = numbers[0].split("/")[1]
    assert numbers == [f"AUD/{year}/{i:06d}" for i in range(1, len(cases) + 1)]
    http.close()
