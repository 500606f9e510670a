"""Agent health and the recovery watchdog, without a broker (`chassis.streams.health`,
`chassis.streams.recovery`)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from chassis.streams import agents_healthy, stream_checks
from chassis.streams.recovery import restart_stuck_recovery


def service(crash_reason=None, crashed=False):
    return SimpleNamespace(crash_reason=crash_reason, crashed=crashed)


def agent(name="a", started=True, actors=(), **kw):
    return SimpleNamespace(name=name, started=started, _actors=list(actors),
                           **vars(service(**kw)))


def app_with(*agents, assignment=frozenset({1}), rebalancing=False, in_recovery=False):
    return SimpleNamespace(agents={a.name: a for a in agents}, rebalancing=rebalancing,
                           in_recovery=in_recovery,
                           consumer=SimpleNamespace(assignment=lambda: set(assignment)))


def test_healthy_agents():
    assert agents_healthy(app_with(agent(actors=[service()]))) == (True, "ok")


def test_a_crashed_actor_makes_its_agent_unhealthy():
    ok, why = agents_healthy(app_with(agent("cases", actors=[service(ValueError("pm"))])))
    assert not ok and "cases" in why and "pm" in why


def test_a_crash_without_a_reason_and_an_agent_not_started_are_unhealthy():
    assert not agents_healthy(app_with(agent(actors=[service(crashed=True)])))[0]
    assert agents_healthy(app_with(agent(started=False))) == (False, "agent a not started")


def test_an_agent_without_the_private_actor_set_is_judged_on_itself():
    a = agent()
    del a._actors
    assert agents_healthy(app_with(a)) == (True, "ok")


def test_stream_checks_ready_only_when_started_assigned_settled():
    checks, ready = stream_checks(app_with(agent()), started=True)
    assert ready and checks == {"agents": True, "partitions": 1, "rebalancing": False,
                                "recovering": False}
    assert not stream_checks(app_with(agent()), started=False)[1]
    assert not stream_checks(app_with(agent(), assignment=frozenset()), started=True)[1]
    assert not stream_checks(app_with(agent(), rebalancing=True), started=True)[1]
    assert not stream_checks(app_with(agent(), in_recovery=True), started=True)[1]


async def test_a_recovery_without_progress_is_restarted_and_one_with_progress_is_not():
    signal = asyncio.Event()
    recovery = SimpleNamespace(in_recovery=True, active_offsets={"c-0": 5},
                               signal_recovery_start=signal)
    app = SimpleNamespace(tables=SimpleNamespace(recovery=recovery))
    watchdog = asyncio.ensure_future(restart_stuck_recovery(app, stuck_after=0.1,
                                                            every=0.01))
    try:
        for _ in range(200):
            await asyncio.sleep(0.01)
            if signal.is_set():
                break
        assert signal.is_set()
        signal.clear()
        for i in range(10):  # progress on every check: never restarted
            recovery.active_offsets = {"c-0": 6 + i}
            await asyncio.sleep(0.01)
        assert not signal.is_set()
    finally:
        watchdog.cancel()
