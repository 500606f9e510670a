"""Partitions move between SLA workers while clocks run: a third worker joins, one leaves
gracefully (SIGTERM), one is SIGKILLed. Every due escalation of every clock is raised
exactly once (never before its instant, none missed, none fired twice), clocks stopped in
the middle of the run raise nothing after their stop, and `GET /escalations` on the
surviving worker answers the same complete set.

Three waves of ten clocks (each wave spread over all six partitions) are started just
before each change of membership, so their ladders (2 s, 4 s, 6 s after the start) fall
in the middle of the rebalance that follows it.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from aiokafka import TopicPartition
from aiokafka.partitioner import DefaultPartitioner

from chassis.kafka import new_consumer
from contracts import DecodeError, decode, deterministic_id
from contracts.topics import ESCALATIONS, SLA
from services.sla.clocks import clock_id_for
from tests.integration.sla.support import (
    QUICK_POLICIES,
    Record,
    Upstream,
    new_case,
    of_type,
    read_records,
)
from tests.support.auth import auth
from tests.support.services import ServiceProcess
from tests.support.waiting import eventually, sleep_until, stays_true_for

PARTITIONS = 6
POLICY = "quick-inform"
#: the ladder of QUICK_POLICIES: level -> seconds after the start, and its reason
LADDER = {1: 2.0, 2: 4.0, 3: 6.0}
REASONS = {1: "at_risk", 2: "breached", 3: "breached"}
SPACING = 0.1  # seconds between two starts of a wave
EARLY_STOP = 1.0  # seconds after its start: before any step
MID_STOP = 3.0  # between the at-risk (2 s) and the breach (4 s)
CHANGE_AT = 2.5  # SIGTERM / SIGKILL this long after a wave began: amid its at-risk steps
SESSION_TIMEOUT = "6"  # seconds before the group notices a SIGKILLed worker
QUIET = 2.0  # after the last expected escalation: room for a duplicate to show up


def worker(stack_env, policy_file: Path) -> ServiceProcess:
    """An SLA worker of the same faust app (same group) on a port of its own."""
    return ServiceProcess("sla", {"AUDIENSI_SLA_POLICIES": str(policy_file),
                                  "AUDIENSI_SESSION_TIMEOUT": SESSION_TIMEOUT},
                          stack_env.data_dir / "logs")


def cases_round_robin(n: int) -> list[str]:
    """`n` new case ids, the i-th on partition i % 6 (of every co-partitioned topic)."""
    partition_of, every = DefaultPartitioner(), list(range(PARTITIONS))
    out: list[str] = []
    while len(out) < n:
        case = new_case()
        if partition_of(case.encode(), every, every) == len(out) % PARTITIONS:
            out.append(case)
    return out


async def settled(workers: list[ServiceProcess], timeout: float = 60.0) -> None:
    """Every live worker answers ready: the group has settled, each holds partitions."""
    async def ready():
        async with httpx.AsyncClient(timeout=5) as client:
            for w in workers:
                try:
                    r = await client.get(w.url + "/readyz")
                except httpx.HTTPError:
                    return False
                if r.status_code != 200 or r.json()["partitions"] == 0:
                    return False
        return True

    await eventually(ready, timeout=timeout, every=0.2)


class Watch:
    """Follows the escalations topic from its current end: which escalations are out."""

    def __init__(self, bootstrap: str, subjects: set[str]) -> None:
        self.consumer = new_consumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        self.subjects = subjects
        self.levels: dict[str, set[int]] = defaultdict(set)
        self._task: asyncio.Task | None = None

    async def __aenter__(self) -> Watch:
        await self.consumer.start()
        await self.consumer._client.force_metadata_update()
        tps = [TopicPartition(ESCALATIONS, p)
               for p in sorted(self.consumer.partitions_for_topic(ESCALATIONS) or ())]
        assert tps, "no escalations topic"
        ends = await self.consumer.end_offsets(tps)
        self.consumer.assign(tps)
        for tp in tps:
            self.consumer.seek(tp, ends[tp])
        self._task = asyncio.create_task(self._follow())
        return self

    async def __aexit__(self, *exc) -> None:
        assert self._task is not None
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        await self.consumer.stop()

    async def _follow(self) -> None:
        while True:
            batch = await self.consumer.getmany(timeout_ms=200)
            for records in batch.values():
                for r in records:
                    subject = (r.key or b"").decode()
                    if subject not in self.subjects:
                        continue
                    try:
                        env = decode(r.value)
                    except DecodeError:
                        continue
                    if env.type == "EscalationRaised":
                        self.levels[subject].add(env.data.level)


@dataclass
class Clock:
    case: str
    wave: str
    started: datetime
    stop_after: float | None = None  # seconds after the start; None: runs its whole ladder
    stopped: datetime | None = None  # the stop's time (when it was produced)
    seen_before_stop: set[int] = field(default_factory=set)  # levels out before the stop

    def scheduled(self, level: int) -> datetime:
        return self.started + timedelta(seconds=LADDER[level])


class Run:
    """The clocks of the run, started wave by wave, and their stops (background tasks)."""

    def __init__(self, up: Upstream) -> None:
        self.up = up
        self.clocks: list[Clock] = []
        self.watch: Watch | None = None
        self._stops: list[asyncio.Task] = []

    async def wave(self, name: str, cases: list[str]) -> datetime:
        """Ten clocks, one start every SPACING s: six run their whole ladder, two are stopped
        before any step and two between the at-risk and the breach."""
        began = datetime.now(UTC)
        for i, case in enumerate(cases):
            await sleep_until(began + timedelta(seconds=i * SPACING))
            started = datetime.now(UTC)
            await self.up.received(case, at=started)
            stop_after = {3: EARLY_STOP, 7: EARLY_STOP, 4: MID_STOP, 9: MID_STOP}.get(i)
            clock = Clock(case, name, started, stop_after)
            self.clocks.append(clock)
            if stop_after is not None:
                self._stops.append(asyncio.create_task(self._stop(clock)))
        return began

    async def _stop(self, clock: Clock) -> None:
        assert clock.stop_after is not None and self.watch is not None
        await sleep_until(clock.started + timedelta(seconds=clock.stop_after))
        clock.seen_before_stop = set(self.watch.levels[clock.case])
        clock.stopped = datetime.now(UTC)
        await self.up.informed(clock.case, at=clock.stopped)

    async def stops_sent(self) -> None:
        await asyncio.gather(*self._stops)

    def expected_levels(self, clock: Clock) -> set[int]:
        """Levels that must be raised (a stopped clock: those already out before its stop)."""
        return set(LADDER) if clock.stopped is None else clock.seen_before_stop


@pytest.mark.timeout(180)
async def test_moving_partitions_lose_no_escalation_and_fire_none_twice(stack_env, tmp_path):
    policy_file = tmp_path / "policies.yaml"
    policy_file.write_text(QUICK_POLICIES)
    bootstrap = stack_env.bootstrap
    w1, w2, w3 = (worker(stack_env, policy_file) for _ in range(3))
    loop = asyncio.get_running_loop()
    began = loop.time()
    timings: dict[str, float] = {}
    cases = cases_round_robin(30)
    subjects = set(cases)
    try:
        await asyncio.gather(asyncio.to_thread(w1.start, timeout=120),
                             asyncio.to_thread(w2.start, timeout=120))
        await settled([w1, w2])
        timings["two workers ready"] = loop.time() - began
        async with Upstream(bootstrap) as up, Watch(bootstrap, subjects) as watch:
            run = Run(up)
            run.watch = watch
            # (a) a third worker joins: a rebalance without a crash
            w3.start(wait=False)
            await run.wave("join", cases[0:10])
            await asyncio.to_thread(w3.wait_ready, 120)
            await settled([w1, w2, w3])
            timings["third worker joined"] = loop.time() - began
            # (b) one worker leaves gracefully
            wave_b = await run.wave("sigterm", cases[10:20])
            await sleep_until(wave_b + timedelta(seconds=CHANGE_AT))
            await asyncio.to_thread(w1.stop)
            assert w1.proc is not None and w1.proc.returncode in (0, -signal.SIGTERM)
            assert "Application shutdown complete" in w1.tail(), w1.tail()
            await settled([w2, w3])
            timings["first worker stopped"] = loop.time() - began
            # (c) another one is SIGKILLed
            wave_c = await run.wave("sigkill", cases[20:30])
            await sleep_until(wave_c + timedelta(seconds=CHANGE_AT))
            w2.kill(signal.SIGKILL)
            killed_at = datetime.now(UTC)
            timings["second worker killed"] = loop.time() - began
            await run.stops_sent()

            expected = {c.case: run.expected_levels(c) for c in run.clocks}

            def missing() -> dict[str, str]:
                return {f"{c.case} ({c.wave}, partition {i % PARTITIONS})":
                        f"raised {sorted(watch.levels[c.case])}, due {sorted(expected[c.case])}"
                        for i, c in enumerate(run.clocks)
                        if not watch.levels[c.case] >= expected[c.case]}

            async def all_out():
                return not missing()

            try:
                await eventually(all_out, timeout=60, every=0.2)
            except AssertionError:
                raise AssertionError(f"escalations missing: {missing()}") from None
            timings["all escalations out"] = loop.time() - began

            async def each_fired_once():
                check_raised_once(of_type(await read_records(bootstrap, ESCALATIONS, subjects),
                                          "EscalationRaised"), killed_at)
                return True

            await stays_true_for(QUIET, each_fired_once)

        records = await read_records(bootstrap, ESCALATIONS, subjects)
        raised = of_type(records, "EscalationRaised")
        redelivered = check_raised_once(raised, killed_at)
        check_every_clock(run, raised, records)
        await check_sla_events(bootstrap, run)
        await check_read_model(w3, run, raised)
        assert w3.proc is not None and w3.proc.poll() is None, w3.tail()
        timings["checked"] = loop.time() - began
        print("timings (s from the start):", {k: round(v, 1) for k, v in timings.items()},
              f"escalations: {len(raised) - redelivered}, redelivered after the kill: "
              f"{redelivered}")
    finally:
        for w in (w1, w2, w3):
            w.stop()


def check_raised_once(raised: list[Record], killed_at: datetime) -> int:
    """One escalation, one `EscalationRaised`. The only copies allowed are the documented
    at-least-once redelivery of a SIGKILL: the very same envelope (same id, sequence and
    content), published again after the kill."""
    by_escalation: dict[str, list[Record]] = defaultdict(list)
    for r in raised:
        by_escalation[r.env.data.escalation_id].append(r)
    for escalation_id, copies in by_escalation.items():
        envelopes = {(c.env.id, c.env.sequence, c.env.data.model_dump_json()) for c in copies}
        assert len(envelopes) == 1, f"escalation {escalation_id} fired twice: {envelopes}"
        for again in sorted(copies, key=lambda c: c.timestamp)[1:]:
            assert again.timestamp >= killed_at, (
                f"escalation {escalation_id} published twice without a crash")
    by_subject: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for r in raised:
        by_subject[r.env.subject].add((r.env.id, r.env.sequence))
    for subject, envelopes in by_subject.items():
        sequences = sorted(seq for _, seq in envelopes)
        assert len(sequences) == len(set(sequences)), f"{subject}: a sequence reused"
    return len(raised) - len(by_escalation)


def escalation_id(case: str, level: int) -> str:
    return deterministic_id("escalation", clock_id_for(case, POLICY, 1), level, REASONS[level])


def check_every_clock(run: Run, raised: list[Record], records: list[Record]) -> None:
    unique = {r.env.data.escalation_id: r for r in raised}
    running = [c for c in run.clocks if c.stopped is None]
    due = {escalation_id(c.case, level) for c in running for level in LADDER}
    assert {i for i, r in unique.items() if _clock(run, r.env.subject).stopped is None} == due
    assert len(due) == 3 * len(running) == 54
    for clock in run.clocks:
        mine = [r for r in unique.values() if r.env.subject == clock.case]
        for r in mine:
            event = r.env.data
            assert event.escalation_id == escalation_id(clock.case, event.level)
            assert event.scheduled_at == clock.scheduled(event.level), (clock, event)
            assert event.raised_at >= event.scheduled_at, f"raised before its instant: {event}"
            assert r.timestamp >= event.scheduled_at - timedelta(milliseconds=1), (r, clock)
        got = {r.env.data.level for r in mine}
        if clock.stopped is None:
            assert got == set(LADDER), f"missed an escalation: {clock} raised {got}"
            continue
        # stopped: nothing raised after its stop, and what was out before it is still there
        assert clock.seen_before_stop <= got, (clock, got)
        for r in mine:
            assert r.env.data.raised_at < clock.stopped, f"raised after its stop: {clock} {r}"
        resolved = {r.env.data.escalation_id
                    for r in of_type(records, "EscalationResolved", clock.case)}
        assert resolved == {r.env.data.escalation_id for r in mine}, clock
        if clock.stop_after == EARLY_STOP:
            assert got == set(), f"stopped before its ladder, yet escalated: {clock}"
        else:
            assert got <= {1}, f"raised after its stop: {clock} {got}"


async def check_sla_events(bootstrap: str, run: Run) -> None:
    sla_records = await read_records(bootstrap, SLA, {c.case for c in run.clocks})
    for clock in run.clocks:
        mine = {r.env.id: r for r in sla_records if r.env.subject == clock.case}.values()
        kinds = Counter(r.env.type for r in mine)
        assert kinds["ClockStarted"] == 1, (clock, kinds)
        if clock.stopped is None:
            assert kinds["ClockBreached"] == 1 and kinds["ClockStopped"] == 0, (clock, kinds)
        else:
            assert kinds["ClockBreached"] == 0, (clock, kinds)
            (stop,) = [r for r in mine if r.env.type == "ClockStopped"]
            assert stop.env.data.outcome == "met"


async def check_read_model(survivor: ServiceProcess, run: Run, raised: list[Record]) -> None:
    """`GET /escalations` on the surviving worker: the same set, each in its state."""
    want = {r.env.data.escalation_id: ("open" if _clock(run, r.env.subject).stopped is None
                                       else "resolved") for r in raised}

    async with httpx.AsyncClient(base_url=survivor.url, timeout=30) as http:
        async def listed():
            got = {}
            for clock in run.clocks:
                r = await http.get("/escalations", params={"case_id": clock.case},
                                   headers=auth("ops"))
                assert r.status_code == 200, r.text
                got.update({e["escalation_id"]: e["state"] for e in r.json()["items"]})
            return got if got == want else None

        try:
            await eventually(listed, timeout=15, every=0.5)
        except AssertionError:
            raise AssertionError(f"read model differs: want {want}") from None


def _clock(run: Run, case: str) -> Clock:
    return next(c for c in run.clocks if c.case == case)
