"""SIGKILL the SLA service while clocks run, produce more facts while it is down, start it
again: every due escalation is raised exactly once (those that fell due while it was down,
on recovery), none is raised for a clock stopped while it was down, and the clock started
while it was down runs its ladder."""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from contracts.topics import ESCALATIONS, SLA
from tests.integration.sla.support import (
    QUICK_POLICIES,
    Upstream,
    new_case,
    of_type,
    read_records,
    start_sla,
)
from tests.support.waiting import eventually, sleep_until, stays_true_for

BACKLOG = 5000  # CaseDisposed ahead of the stop delivered while the service is down


@pytest.fixture(scope="module")
def sla(stack_env, tmp_path_factory):
    policy_file = tmp_path_factory.mktemp("sla-recovery") / "policies.yaml"
    policy_file.write_text(QUICK_POLICIES)
    proc = start_sla(stack_env, policy_file, AUDIENSI_SESSION_TIMEOUT="6")
    try:
        yield proc
    finally:
        proc.stop()


async def test_a_killed_service_raises_every_due_escalation_exactly_once(stack_env, sla):
    running = [new_case() for _ in range(4)]
    met_before_kill, stopped_while_down, started_while_down = new_case(), new_case(), new_case()
    bootstrap = stack_env.bootstrap
    async with Upstream(bootstrap) as up:
        t0 = datetime.now(UTC)
        for case in [*running, met_before_kill, stopped_while_down]:
            await up.received(case, at=t0)
        await sleep_until(t0 + timedelta(seconds=1))
        await up.informed(met_before_kill, at=t0 + timedelta(seconds=1))

        async def first_levels_out():  # 2 s: at risk, for the five clocks still running
            records = await read_records(bootstrap, ESCALATIONS, {*running, stopped_while_down})
            return len(of_type(records, "EscalationRaised")) >= 5

        await eventually(first_levels_out, timeout=10, every=0.1)
        await sleep_until(t0 + timedelta(seconds=2.5))  # well between two ladder steps
        sla.kill(signal.SIGKILL)
        killed_at = datetime.now(UTC)
        # a backlog ahead of the stop on its partition: ticks must wait until it is read
        await up.send_many(up.disposed_on_partition_of(stopped_while_down, BACKLOG))
        await up.informed(stopped_while_down, at=t0 + timedelta(seconds=3))  # before its due
        await up.received(started_while_down, at=t0 + timedelta(seconds=3))
        await sleep_until(t0 + timedelta(seconds=5))  # the breaches (4 s) pass while it is down

    await asyncio.to_thread(sla.start)
    restarted_at = datetime.now(UTC)
    subjects = {*running, met_before_kill, stopped_while_down, started_while_down}

    async def all_levels_out():
        records = await read_records(bootstrap, ESCALATIONS, subjects)
        levels = Counter(r.env.subject for r in of_type(records, "EscalationRaised"))
        return all(levels[c] >= 3 for c in [*running, started_while_down])

    await eventually(all_levels_out, timeout=40)

    async def each_raised_once():
        raised = of_type(await read_records(bootstrap, ESCALATIONS, subjects), "EscalationRaised")
        copies = Counter(r.env.data.escalation_id for r in raised)
        assert set(copies.values()) == {1}, f"an escalation was raised more than once: {copies}"
        return True

    await stays_true_for(2, each_raised_once)  # room for a duplicate to show up
    records = await read_records(bootstrap, ESCALATIONS, subjects)
    raised = of_type(records, "EscalationRaised")
    copies = Counter(r.env.data.escalation_id for r in raised)
    assert set(copies.values()) == {1}, "an escalation was raised more than once"
    by_case = {c: sorted(r.env.data.level for r in raised if r.env.subject == c)
               for c in subjects}
    for case in [*running, started_while_down]:
        assert by_case[case] == [1, 2, 3], case
    assert by_case[met_before_kill] == []
    assert by_case[stopped_while_down] == [1], "a stop delivered while down was not applied first"
    for r in raised:
        assert r.env.data.raised_at >= r.env.data.scheduled_at
    for case in running:
        (breach,) = [r for r in raised if r.env.subject == case and r.env.data.level == 2]
        assert breach.env.data.raised_at >= killed_at, "fell due while down: raised on recovery"
        assert breach.timestamp >= restarted_at - timedelta(seconds=30)

    sla_records = await read_records(bootstrap, SLA, {stopped_while_down})
    stops = of_type(sla_records, "ClockStopped")
    assert [s.env.data.outcome for s in stops] == ["met"]
    assert of_type(sla_records, "ClockBreached") == []
    resolved = of_type(records, "EscalationResolved", stopped_while_down)
    assert [r.env.data.resolution for r in resolved] == ["clock_stopped"]
    started = of_type(await read_records(bootstrap, SLA, {started_while_down}), "ClockStarted")
    assert len(started) == 1 and started[0].env.data.started_at == t0 + timedelta(seconds=3)
