"""A SIGKILL after a tick's escalation is acknowledged by the broker and the tick's offset
committed, but before the clock's table write reached the changelog (the fault hook
`lose-state-write:tick` makes that moment deterministic). After the restart the clock
re-applies the escalation it already raised (its own events on the topic): the ladder goes
on, and no escalation is raised twice (without the fold: the first level again)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime

from contracts.topics import ESCALATIONS
from tests.integration.sla.support import (
    QUICK_POLICIES,
    Upstream,
    new_case,
    of_type,
    read_records,
    start_sla,
)
from tests.support.waiting import eventually


async def test_an_escalation_whose_state_write_was_lost_is_not_raised_again(
        stack_env, tmp_path):
    policy_file = tmp_path / "policies.yaml"
    policy_file.write_text(QUICK_POLICIES)
    bootstrap = stack_env.bootstrap
    case = new_case()
    # only this case's tick: the session's topics hold other tests' open clocks too
    faulty = start_sla(stack_env, policy_file, AUDIENSI_FAULT=f"lose-state-write:tick@{case}")
    try:
        async with Upstream(bootstrap) as up:
            await up.received(case, at=datetime.now(UTC))
        # the first ladder step (at risk, after 2 s) is raised, its state write lost, and the
        # hook SIGKILLs the worker once the tick's offset is committed
        assert await asyncio.to_thread(faulty.proc.wait, 60) == -9
    finally:
        faulty.stop()
    first = of_type(await read_records(bootstrap, ESCALATIONS, {case}), "EscalationRaised")
    assert [r.env.data.level for r in first] == [1]

    worker = start_sla(stack_env, policy_file)
    try:
        async def ladder_done():
            records = await read_records(bootstrap, ESCALATIONS, {case})
            return {r.env.data.level for r in of_type(records, "EscalationRaised")} >= {2, 3}

        await eventually(ladder_done, timeout=40)
    finally:
        worker.stop()
    raised = of_type(await read_records(bootstrap, ESCALATIONS, {case}), "EscalationRaised")
    copies = Counter(r.env.data.escalation_id for r in raised)
    assert sorted(r.env.data.level for r in raised) == [1, 2, 3], "each level once"
    assert set(copies.values()) == {1}
