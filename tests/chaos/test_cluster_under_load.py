"""Faults under steady load (the fault run of issue 17), on three brokers and a Redis Cluster
(3 masters + 3 replicas), two workers of each service (intake, disposition, reporting,
SLA): letters (request to the applicant informed), urgent walk-ins (guest book, request,
directed, audience held; every fifth one left waiting, so that its clock breaches) and
complaints (filed, verified, responded, closed) go through every step, several at a time,
for `AUDIENSI_CHAOS_SECONDS` (`make chaos`: 300 by default), while one after another:

- the leader of a command partition in use is SIGKILLed, and restarted after a pause;
- a Redis master is SIGKILLed (its replica takes over), and restarted (it rejoins as a
  replica);
- one worker of each service is SIGKILLed and started again (one service after another,
  each awaited ready), then a worker is added to each service;
- one broker is cut off the network for 30 s (`FAULT_CUT`), at packet level: broker 3 runs
  in a network namespace of the test's own behind a veth pair (`tests.support.netcut`; the
  other brokers listen on the host's end of it, 10.201.k.1, broker 3 on 10.201.k.2, in this
  run only; everything else stays on 127.0.0.1), and the cut is a blackhole route on each
  side: its open connections stall (nothing is delivered either way), new connections fail
  at once, the controller quorum fences it when its heartbeats stop; deleting the routes
  heals it. The partition cut is one broker 3 leads. Needs root and iproute2.

Afterwards: every accepted command on its topic exactly once and in order; every read
model exact (each case's view; then a rebuild recounts the model from the topics into a
fresh version, and it must equal the live one key for key); the ops board's counts exact on
every SLA worker; every due escalation raised exactly once (and none that was not due); the
agenda numbers gap-free. The time each fault took to heal is printed and written to
`<data dir>/chaos-report.json`.

Findings of this run, explained and fixed: (1) about one run in eight, after a worker was
added, disposition's group committed intake offsets whose events it never applied. faust
skips (and acknowledges) messages fetched before a rebalance, and after the revoke it has
forgotten the partition's committed offset, so the acks count and the next commit of the
new generation - during table recovery, before the seek - passed over them.
`chassis.streams.patches.no_acks_across_a_rebalance` (and its unit tests). (2) With a
worker of SLA added, an urgent walk-in's AudienceRequested never reached the SLA's stream
after the rebalance, and faust committed past it (its check of the committed offset's own
message is off by one, and it counts delivery gaps as done): the clock never started.
`chassis.streams.patches.no_commit_past_an_unprocessed_offset` (and its unit tests)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from chassis.redis import make_sync_redis
from contracts import decode
from contracts.topics import (
    COMPLAINTS,
    DISPOSITION,
    ESCALATIONS,
    INTAKE,
    SLA,
    command_topic,
)
from stack.supervisor import ServiceSpec
from tests.e2e.client import TRANSIENT
from tests.integration.reporting.support import dump_model
from tests.support import netcut
from tests.support.auth import auth
from tests.support.cluster import (
    BROKERS,
    ClusterSystem,
    Driver,
    describe,
    running_cluster,
    wait_isr,
    wait_leader_other_than,
)
from tests.support.kafka import read_raw
from tests.support.netcut import NetNamespace
from tests.support.waiting import eventually_sync, free_port

LOAD_SECONDS = float(os.environ.get("AUDIENSI_CHAOS_SECONDS", "30"))
# Not in `make test`: even at 30 s of load the run takes ~3 minutes (three brokers, six
# Redis nodes, a 30 s cut), far over what the CI budget leaves. `make chaos` runs it.
pytestmark = [pytest.mark.skipif("AUDIENSI_CHAOS_SECONDS" not in os.environ,
                                 reason="the fault run under load: `make chaos`"),
              pytest.mark.skipif(netcut.available() is not None,
                                 reason=f"the broker cut: {netcut.available()}")]
CONCURRENCY = 4
SERVICES = ("intake", "disposition", "reporting", "sla")
WORKERS = dict.fromkeys(SERVICES, 2)
FAULT_CUT = 30.0
#: where the cut looks for a partition its broker leads (all in use by every letter)
CUT_TOPICS = [INTAKE, command_topic("intake"), command_topic("disposition"), DISPOSITION]
WALKIN_SECONDS = 20
LETTER = ["AudienceRequested", "RequestRegistered", "CaseDisposed", "DispositionReceived",
          "OfficerAssigned", "ApplicantInformed"]
WALK_IN = ["AudienceRequested", "WalkInDirected", "AudienceHeld"]
WAITING = ["AudienceRequested"]
COMPLAINT = ["ComplaintFiled", "ComplaintVerified", "ComplaintResponded", "ComplaintClosed"]
#: the walk-in clock in seconds (at risk at half, breached at the end); the others long
#: enough never to fall due within a run
POLICIES = f"""
policies:
  - id: inform-applicant
    starts_on: [DispositionReceived]
    stops_on: [ApplicantInformed, AudienceDeclined]
    cancels_on: [CaseCancelled, RequestWithdrawn, DispositionReturned]
    duration: PT3600S
    time: calendar
    escalations:
      - {{at: "100%", reason: breached, to_role: division_head}}
  - id: direct-walk-in
    starts_on:
      - {{event: AudienceRequested, when: {{channel: walk_in, urgent: true}}}}
    stops_on: [WalkInDirected]
    cancels_on: [CaseCancelled, RequestWithdrawn]
    duration: PT{WALKIN_SECONDS}S
    time: calendar
    escalations:
      - {{at: "50%", reason: at_risk, to_role: secretariat}}
      - {{at: "100%", reason: breached, to_role: head_of_office}}
  - id: complaint-verify
    starts_on: [ComplaintFiled]
    stops_on: [ComplaintVerified, ComplaintRejected]
    cancels_on: [ComplaintClosed]
    duration: PT3600S
    time: calendar
    escalations:
      - {{at: "100%", reason: breached, to_role: secretariat}}
  - id: complaint-respond
    starts_on: [ComplaintVerified]
    stops_on: [ComplaintResponded, ComplaintRejected]
    cancels_on: [ComplaintClosed]
    duration: PT3600S
    time: calendar
    escalations:
      - {{at: "100%", reason: breached, to_role: head_of_office}}
"""
LADDER = {1: 0.5 * WALKIN_SECONDS, 2: 1.0 * WALKIN_SECONDS}  # level -> seconds after start
MARGIN = 3.0  # seconds either side of a step where raising it or not are both right
REQUEST_TIMEOUT = 40.0  # aiokafka's default request_timeout_ms, what the services run with


@pytest.fixture(scope="module")
def system(tmp_path_factory) -> Iterator[ClusterSystem]:
    data_dir = tmp_path_factory.mktemp("chaos")
    policies = data_dir / "sla-policies.yaml"
    policies.write_text(POLICIES)
    env = {"AUDIENSI_SLA_POLICIES": str(policies), "AUDIENSI_SLA_TICK_INTERVAL": "0.2"}
    with NetNamespace() as ns, running_cluster(data_dir, SERVICES, WORKERS, extra_env=env,
                                               redis_cluster=True, netns=ns) as running:
        yield running


async def faults(system: ClusterSystem, driver: Driver, pace: float, heal: dict[str, float],
                 log: list[str], cut: dict) -> None:
    """One fault after another, `pace` seconds apart (pacing only: nothing is concluded
    from a wait); each heal time is how long the system took to be whole again. `cut`:
    when the cut began and ended, and the partitions of DISPOSITION the cut broker led."""
    sup, kafka, redis, ns = system.supervisor, system.kafka, system.redis, system.netns
    assert ns is not None
    commands = command_topic("disposition")
    await asyncio.sleep(pace)
    # the leader of a command partition in use, not the node in the namespace (the cut's:
    # it keeps the partitions it leads until then)
    part, leader = await asyncio.to_thread(_led_by, system, [commands],
                                           lambda node: node != BROKERS)
    killed = time.monotonic()
    await asyncio.to_thread(kafka.node(leader).kill)
    log.append(f"broker {leader} (leader of {commands}[{part}]) SIGKILLed")
    _, heal["broker killed: another leader"] = await asyncio.to_thread(
        wait_leader_other_than, system.bootstrap, commands, part, leader)
    await asyncio.sleep(pace)
    await asyncio.to_thread(kafka.start_node, leader)
    await asyncio.to_thread(wait_isr, system.bootstrap, commands, part, 3)
    heal["broker killed: back in the ISR (restarted after a pause)"] = time.monotonic() - killed
    log.append(f"broker {leader} restarted, in the ISR again")

    await asyncio.sleep(pace)
    victim = (await asyncio.to_thread(redis.masters))[0]
    replica = await asyncio.to_thread(redis.replica_of, victim)
    killed = time.monotonic()
    await asyncio.to_thread(redis.kill_node, victim)
    log.append(f"redis master {victim} SIGKILLed")
    await asyncio.to_thread(eventually_sync, lambda: replica in redis.masters(), timeout=60,
                            every=0.1, retry_on=(Exception,))
    heal["redis master killed: its replica the master"] = time.monotonic() - killed
    log.append(f"redis replica {replica} took over")
    await asyncio.to_thread(redis.start_node, victim)
    await asyncio.to_thread(redis.wait_ok, 60)
    heal["redis master killed: rejoined as a replica, cluster ok"] = time.monotonic() - killed
    log.append(f"redis {victim} restarted, a replica again")

    for service in SERVICES:  # one worker of each service, one after another
        await asyncio.sleep(pace / 2)
        name = f"{service}-2"
        killed = time.monotonic()
        sup.kill(name, signal.SIGKILL)
        log.append(f"{name} SIGKILLed")
        sup.start(name)
        await sup.await_ready(timeout=180, names=[name])
        heal[f"worker killed: {service}: started again and ready"] = time.monotonic() - killed
        log.append(f"{name} ready again")

    for service in SERVICES:  # and one added to each
        await asyncio.sleep(pace / 2)
        name = f"{service}-{WORKERS[service] + 1}"
        added = time.monotonic()
        sup.specs[name] = ServiceSpec(name, free_port(), service=service)
        sup.start(name)
        await sup.await_ready(timeout=180, names=[name])
        heal[f"worker added: {service}: ready"] = time.monotonic() - added
        if service in driver.urls:  # it takes its turn with the clients' commands
            driver.urls[service].append(sup.url(name))
        log.append(f"{name} added and ready")

    await asyncio.sleep(pace)
    # a partition in use led by the node in the namespace: the cut takes it away
    topic, part = await asyncio.to_thread(_led_by, system, CUT_TOPICS, lambda n: n == BROKERS)
    led = await asyncio.to_thread(_led_partitions, system, DISPOSITION, BROKERS)
    began = time.monotonic()
    cut.update(began=datetime.now(UTC), led=led)
    ns.cut()
    log.append(f"broker {BROKERS} (leader of {topic}[{part}]) cut off (blackhole routes both "
               f"ways between {ns.host_addr} and {ns.ns_addr})")
    try:
        _, heal["broker cut: another leader"] = await asyncio.to_thread(
            wait_leader_other_than, system.bootstrap, topic, part, BROKERS)
        await asyncio.sleep(max(0.0, FAULT_CUT - (time.monotonic() - began)))
    finally:
        ns.heal()
        cut["back"] = datetime.now(UTC)
    back = time.monotonic()
    log.append(f"broker {BROKERS} reconnected after {back - began:.0f}s")
    await asyncio.to_thread(wait_isr, system.bootstrap, topic, part, 3)
    heal["broker cut: back in the ISR after the cut ended"] = time.monotonic() - back


def _led_partitions(system: ClusterSystem, topic: str, node: int) -> set[int]:
    described = eventually_sync(lambda: asyncio.run(describe(system.bootstrap, [topic])),
                                timeout=60, every=0.5, retry_on=(Exception,))
    return {p for p, st in described[topic]["partitions"].items() if st["leader"] == node}


def _led_by(system: ClusterSystem, topics: list[str], which) -> tuple[str, int]:
    """The first (topic, partition) of `topics` whose leader `which(node)` accepts, with its
    leader when only one topic is asked (every partition is in use: 12 per topic, cases
    hashed over them)."""
    described = eventually_sync(lambda: asyncio.run(describe(system.bootstrap, topics)),
                                timeout=60, every=0.5, retry_on=(Exception,))
    for topic in topics:
        for part, state in sorted(described[topic]["partitions"].items()):
            if state["leader"] != -1 and which(state["leader"]):
                return (part, state["leader"]) if len(topics) == 1 else (topic, part)
    raise AssertionError(f"no partition of {topics} led as wanted: {described}")


async def test_steady_load_loses_nothing_through_broker_redis_and_worker_faults(system):
    driver = Driver(system, ("intake", "disposition", "reporting"), retry_for=150)
    stop = asyncio.Event()
    done: dict[str, list[str]] = {"letter": [], "walk_in": [], "waiting": [], "complaint": []}
    heal: dict[str, float] = {}
    log: list[str] = []
    cut: dict = {}
    turn = Counter()

    async def client(k: int) -> None:
        while not stop.is_set():
            turn[k] += 1
            kind = ("letter", "walk_in", "complaint")[(turn[k] + k) % 3]
            if kind == "letter":
                case = await driver.open_case()
                await driver.assign_and_inform(case)
            elif kind == "walk_in":
                case = await driver.open_walk_in()
                if turn[k] % 5 == 0:  # left waiting: its clock falls due, twice
                    kind = "waiting"
                else:
                    await driver.direct_and_hold(case)
            else:
                case = await driver.complaint(turn[k] * CONCURRENCY + k)
            done[kind].append(case)

    began = time.monotonic()
    clients = [asyncio.create_task(client(k)) for k in range(CONCURRENCY)]
    try:
        await faults(system, driver, max(LOAD_SECONDS / 6, 3.0), heal, log, cut)
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
    report = {"seconds": round(elapsed, 1), **{k: len(v) for k, v in done.items()},
              "accepted_commands": len(driver.accepted), "retries": dict(driver.retries),
              "asked_again_after_404": driver.renewed,
              "heal_seconds": {k: round(v, 2) for k, v in heal.items()}, "faults": log}
    (system.data_dir / "chaos-report.json").write_text(json.dumps(report, indent=1))
    print("\nchaos:", json.dumps(report))
    per_kind = {"letter": 5, "walk_in": 4, "waiting": 2, "complaint": 4}
    assert len(driver.accepted) == sum(per_kind[k] * len(v) for k, v in done.items())
    assert all(done.values()), done

    # 1. every accepted command on its topic exactly once, in order
    order = {"intake": 0, "disposition": 1}
    seen: dict[tuple[str, str, int], set[str]] = defaultdict(set)
    steps: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    times: dict[tuple[str, str], tuple[datetime, datetime]] = {}  # (decided, on the topic)
    where: dict[tuple[str, str], int] = {}  # the partition it is on
    wanted = {case for cases in done.values() for case in cases}
    for topic in (INTAKE, DISPOSITION, COMPLAINTS):
        for part, _, _, value, ms in await read_raw(system.bootstrap, topic, timeout=60,
                                                    with_time=True):
            env = decode(value)
            if env.subject in wanted:
                key = (env.subject, env.source, env.sequence)
                if env.id not in seen[key]:
                    steps[env.subject].append((order[env.source], env.sequence, env.type))
                    times.setdefault((env.subject, env.type),
                                     (env.time, datetime.fromtimestamp(ms / 1000, UTC)))
                    where.setdefault((env.subject, env.type), part)
                seen[key].add(env.id)
    assert all(len(ids) == 1 for ids in seen.values()), "a command applied twice"
    expected = {"letter": LETTER, "walk_in": WALK_IN, "waiting": WAITING,
                "complaint": COMPLAINT}
    for kind, cases in done.items():
        for case in cases:
            assert [t for *_, t in sorted(steps[case])] == expected[kind], (kind, case,
                                                                            steps[case])

    # 2. every due escalation exactly once, none that was not due
    walk_ins = done["walk_in"] + done["waiting"]
    await asyncio.to_thread(_escalations_once, system, walk_ins, times, where, cut)

    # 3. the ops board's counts exact, on every SLA worker: only the clocks of the walk-ins
    # left waiting are open (breached); every other clock was stopped
    await asyncio.to_thread(_board_counts_exact, system, done["waiting"])

    # 4. the read model exact, the agenda numbers gap-free; a recount from the topics equal
    await asyncio.to_thread(_read_model_exact, system, done, driver.tracking)
    recount = await asyncio.to_thread(_recount_equals_live, system)
    print("recount:", json.dumps(recount))


def _escalations_once(system: ClusterSystem, cases: list[str],
                      times: dict[tuple[str, str], tuple[datetime, datetime]],
                      where: dict[tuple[str, str], int], cut: dict) -> None:
    """A walk-in's clock runs from AudienceRequested to WalkInDirected (never, for those left
    waiting). A ladder step is due if the direction was decided more than MARGIN after it
    (or never): raised exactly once. It is not due if the direction was on the topic MARGIN
    before it and readable: never raised. In between - decided in time but written late,
    e.g. held up by a cut broker - the SLA cannot know in time; raised (then resolved) or
    not, both right. So too for a direction on a partition the cut broker led, written
    from just before the cut until a consumer's request timeout after it: a consumer whose
    fetch request was in flight to that broker when the packets stopped waits for it to time
    out (aiokafka's `request_timeout_ms`, 40 s; seen: the SLA read such a direction 34 s
    after it was written and ticked its clock's at-risk step from another partition's
    commands before) - on the topic, replicated, and not readable by the SLA in time."""
    def started() -> dict[str, datetime]:  # case -> when the SLA announced its clock's start
        known: dict[str, datetime] = {}
        for *_, value, ms in asyncio.run(read_raw(system.bootstrap, SLA, timeout=30,
                                                  with_time=True)):
            env = decode(value)
            if env.type == "ClockStarted" and env.data.policy_id == "direct-walk-in":
                known.setdefault(env.data.case_id, datetime.fromtimestamp(ms / 1000, UTC))
        return known

    # every walk-in's clock started, once the SLA has caught up (a cut broker that was its
    # group coordinator or a partition leader holds it up to a request timeout, ~40 s, and
    # the rebalance after; the last walk-ins may be requested right before the end)
    began = time.monotonic()
    known = eventually_sync(started, lambda k: set(cases) <= k.keys(), timeout=150, every=2,
                            retry_on=(Exception,))
    print(f"sla caught up (every walk-in clock started) {time.monotonic() - began:.1f}s "
          "after the load ended")

    blind = (cut["began"] - timedelta(seconds=MARGIN),
             cut["back"] + timedelta(seconds=REQUEST_TIMEOUT))

    def due(case: str) -> dict[int, bool | None]:
        start, _ = times[(case, "AudienceRequested")]
        decided, written = times.get((case, "WalkInDirected"), (None, None))
        late = float("inf") if decided is None else (decided - start).total_seconds()
        seen = float("inf") if written is None else (written - start).total_seconds()
        if (written is not None and where[(case, "WalkInDirected")] in cut["led"]
                and blind[0] <= written <= blind[1]):
            seen = float("inf")  # not readable in time: see above
        live = (known[case] - start).total_seconds()  # the SLA running the clock from then
        # due for sure: the clock ran past the step, and the SLA held it running at the step
        # (a step that fell due while the SLA was behind on its inputs, the stop already in
        # them when it caught up, is not raised: the ticker waits for the catch-up by design)
        return {level: True if late > at + MARGIN and live < at - MARGIN
                else False if seen < at - MARGIN else None for level, at in LADDER.items()}

    wanted = {case: due(case) for case in cases}

    copies = Counter()

    def raised() -> dict[tuple[str, int], int]:
        # An escalation is raised once: one envelope (its id, its subject sequence) per
        # escalation id. The same envelope may be on the topic twice - at-least-once: seen
        # when a worker's publish stalled on the cut leader, the partition went to another
        # worker, which redid the decision (deterministic ids: the identical envelope), and
        # then the stalled batch went through too. Consumers drop the second copy (e.g. the
        # reporting projector: `services/reporting/projection.py`, duplicates); it is
        # counted, not taken for a second escalation.
        envelopes: dict[str, set[tuple[str, int]]] = defaultdict(set)
        counts: Counter[tuple[str, int]] = Counter()
        copies.clear()
        for _, _, _, value in asyncio.run(read_raw(system.bootstrap, ESCALATIONS, timeout=30)):
            env = decode(value)
            if env.type == "EscalationRaised" and env.data.case_id in wanted:
                assert env.data.policy_id == "direct-walk-in", env.data
                key = (env.id, env.sequence)
                if key in envelopes[env.data.escalation_id]:
                    copies[env.data.escalation_id] += 1
                    continue
                envelopes[env.data.escalation_id].add(key)
                counts[(env.data.case_id, env.data.level)] += 1
        twice = {e: sorted(v) for e, v in envelopes.items() if len(v) != 1}
        assert not twice, f"an escalation raised twice: {twice}"
        for case, levels in wanted.items():
            for level, must in levels.items():
                n = counts[(case, level)]
                assert n <= 1, (case, level, n)
                if must is False:
                    assert n == 0, (case, level, "raised though not due")
                elif must:  # due: it comes
                    assert n == 1, (case, level, "due, not raised yet")
        return counts

    counts = eventually_sync(raised, timeout=60, every=2, retry_on=(AssertionError,))
    due_now = sum(1 for levels in wanted.values() for must in levels.values() if must)
    assert due_now >= 2  # the walk-ins left waiting: both steps each
    print(f"escalations: {sum(counts.values())} raised, {due_now} of them due for sure, "
          f"{sum(copies.values())} delivered twice")


def _board_counts_exact(system: ClusterSystem, waiting: list[str]) -> None:
    """The counts on every SLA worker, and the open clocks behind them: exactly the walk-ins
    left waiting (`GET /clocks?state=breached` lists closed clocks too: one that breached
    and was stopped later, a walk-in directed after its due)."""
    want = {"on_track": 0, "at_risk": 0, "breached": len(waiting), "paused": 0}
    with httpx.Client(timeout=30, headers=auth("ops")) as http:
        def counts() -> list[dict]:
            return [http.get(url + "/clocks/counts").json() for url in system.urls("sla")]

        got = eventually_sync(counts, lambda c: all(x == want for x in c), timeout=60,
                              every=1, retry_on=TRANSIENT)
        breached = http.get(system.url("sla") + "/clocks",
                            params={"state": "breached", "limit": 1000}).json()["items"]
    still_open = sorted(c["case_id"] for c in breached if c["open"])
    assert got[0] == want and still_open == sorted(waiting), (got, len(still_open))


def _read_model_exact(system: ClusterSystem, done: dict[str, list[str]],
                      tracking: dict[str, str]) -> None:
    http = httpx.Client(timeout=30)
    status = {"letter": "informed", "walk_in": "held", "waiting": "requested"}
    kinds = {"letter": LETTER, "walk_in": WALK_IN, "waiting": WAITING}

    def exact() -> list[str]:
        numbers = []
        for kind, cases in done.items():
            if kind == "complaint":
                continue
            for case in cases:
                r = http.get(system.url("reporting") + f"/cases/{case}",
                             headers=auth("analis"))
                assert r.status_code == 200, (case, r.status_code)
                view = r.json()
                seen = [e["type"] for e in view["timeline"]
                        if e["source"] in ("intake", "disposition")]
                assert view["status"] == status[kind] and seen == kinds[kind], (case, seen)
                if kind == "letter":
                    numbers.append(view["agenda_number"])
                else:
                    assert not view.get("agenda_number"), view  # walk-ins have none
        for complaint in done["complaint"]:
            r = http.get(system.url("intake") + f"/complaints/{tracking[complaint]}",
                         headers=auth("sekretariat"))
            assert r.status_code == 200 and r.json()["status"] == "closed", r.text[:200]
        return numbers

    numbers = sorted(eventually_sync(exact, timeout=90, every=2, retry_on=TRANSIENT))
    year = numbers[0].split("/")[1]
    assert numbers == [f"AUD/{year}/{i:06d}" for i in range(1, len(numbers) + 1)]
    assert len(numbers) == len(done["letter"])
    http.close()


def _recount_equals_live(system: ClusterSystem) -> dict:
    """A rebuild replays the topics into a fresh version and switches to it: key for key the
    live model (the SLA's clocks are all settled by now: nothing else comes in between)."""
    r = make_sync_redis(system.redis.url)
    http = httpx.Client(timeout=30, base_url=system.url("reporting"), headers=auth("admin"))
    try:
        live = dump_model(r)
        resp = http.post("/admin/projections/rebuild")
        assert resp.status_code == 202, resp.text
        st = eventually_sync(lambda: http.get("/admin/projections/rebuild").json(),
                             lambda st: st["state"] in ("done", "failed", "interrupted"),
                             timeout=180, every=0.5, retry_on=TRANSIENT)
        assert st["state"] == "done", st
        rebuilt = dump_model(r)
        assert rebuilt.keys() == live.keys(), sorted(rebuilt.keys() ^ live.keys())[:10]
        differ = [k for k in live if live[k] != rebuilt[k]]
        assert not differ, differ[:10]
        return {"keys": len(live), "consumed": st["consumed"]}
    finally:
        http.close()
        r.close()
