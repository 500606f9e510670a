"""The SLA service as a real process against the real broker and Redis, with a policy file of
a few seconds: clocks that are met raise nothing; a clock that is not raises at-risk, breach
and the next level, each exactly once, never before its instant and at most 2 s after it;
escalations are acknowledged over HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from contracts.topics import ESCALATIONS, SLA, command_topic
from tests.integration.sla.support import (
    QUICK_POLICIES,
    Upstream,
    new_case,
    of_type,
    read_records,
    start_sla,
)
from tests.support.auth import auth
from tests.support.kafka import end_offsets
from tests.support.waiting import eventually, sleep_until, stays_true_for

MAX_DELAY = timedelta(seconds=2)


@pytest.fixture(scope="module")
def sla(stack_env, tmp_path_factory):
    policy_file = tmp_path_factory.mktemp("sla") / "policies.yaml"
    policy_file.write_text(QUICK_POLICIES)
    proc = start_sla(stack_env, policy_file)
    try:
        yield proc
    finally:
        proc.stop()


@dataclass
class Scenario:
    met: str
    late: str
    stop_first: str
    duplicate: str
    started: datetime


@pytest.fixture(scope="module")
async def scenario(stack_env, sla) -> Scenario:
    """All the clocks of this module, started together (the ladder runs once for all)."""
    s = Scenario(new_case(), new_case(), new_case(), new_case(), datetime.now(UTC))
    async with Upstream(stack_env.bootstrap) as up:
        t0 = s.started
        await up.received(s.late, at=t0)
        await up.received(s.met, at=t0)
        await up.informed(s.stop_first, at=t0 + timedelta(seconds=1))  # the stop first
        await up.received(s.stop_first, at=t0)
        first = await up.received(s.duplicate, at=t0)
        await up.send(None, "disposition", env=first)  # redelivered: the very same envelope
        await sleep_until(t0 + timedelta(seconds=1))
        await up.informed(s.met, at=t0 + timedelta(seconds=1))
        await up.informed(s.duplicate, at=t0 + timedelta(seconds=1))

    async def third_level():
        records = await read_records(stack_env.bootstrap, ESCALATIONS, {s.late})
        return [r for r in of_type(records, "EscalationRaised") if r.env.data.level == 3]

    await eventually(third_level, timeout=30)

    async def nothing_else_raised():  # the other ladders fell due with the late one's
        records = await read_records(stack_env.bootstrap, ESCALATIONS,
                                     {s.late, s.met, s.stop_first, s.duplicate})
        others = [(r.env.subject, r.env.type) for r in records if r.env.subject != s.late]
        late = [r.env.data.level for r in of_type(records, "EscalationRaised", s.late)]
        assert not others and sorted(late) == [1, 2, 3], (others, late)
        return True

    await stays_true_for(1, nothing_else_raised)
    return s


async def records_of(stack_env, topic: str, subject: str):
    return await read_records(stack_env.bootstrap, topic, {subject})


async def test_a_clock_that_is_met_raises_nothing(stack_env, scenario):
    sla_events = await records_of(stack_env, SLA, scenario.met)
    assert [r.env.type for r in sla_events] == ["ClockStarted", "ClockStopped"]
    assert sla_events[1].env.data.outcome == "met"
    assert 0.9 <= sla_events[1].env.data.elapsed_working_seconds <= 1.1
    assert await records_of(stack_env, ESCALATIONS, scenario.met) == []


async def test_an_unmet_clock_raises_each_level_once_on_time(stack_env, scenario):
    raised = of_type(await records_of(stack_env, ESCALATIONS, scenario.late), "EscalationRaised")
    assert [(r.env.data.level, r.env.data.reason, r.env.data.to_role) for r in raised] == [
        (1, "at_risk", "division_head"), (2, "breached", "division_head"),
        (3, "breached", "head_of_office")]
    assert [r.env.data.to_division for r in raised] == ["rehsos", "rehsos", None]
    started = scenario.started
    for record, offset in zip(raised, (2, 4, 6), strict=True):
        event = record.env.data
        assert event.scheduled_at == started + timedelta(seconds=offset)
        assert event.raised_at >= event.scheduled_at, "raised before its instant"
        assert record.timestamp >= event.scheduled_at - timedelta(milliseconds=1)
        assert record.timestamp - event.scheduled_at <= MAX_DELAY, (record.timestamp, event)
    sla_events = await records_of(stack_env, SLA, scenario.late)
    assert [r.env.type for r in sla_events] == ["ClockStarted", "ClockAtRisk", "ClockBreached"]
    assert sla_events[2].env.data.breached_at >= sla_events[0].env.data.due_at


async def test_a_stop_delivered_before_its_start_stops_the_clock(stack_env, scenario):
    sla_events = await records_of(stack_env, SLA, scenario.stop_first)
    assert [r.env.type for r in sla_events] == ["ClockStarted", "ClockStopped"]
    assert sla_events[1].env.data.outcome == "met"
    assert await records_of(stack_env, ESCALATIONS, scenario.stop_first) == []


async def test_a_redelivered_start_starts_one_clock(stack_env, scenario):
    sla_events = await records_of(stack_env, SLA, scenario.duplicate)
    assert [r.env.type for r in sla_events] == ["ClockStarted", "ClockStopped"]


@pytest.fixture
async def http(sla):
    async with httpx.AsyncClient(base_url=sla.url, timeout=30) as client:
        yield client


async def test_clocks_are_listed_by_case_and_state(http, scenario):
    r = await http.get("/clocks", params={"case_id": scenario.late}, headers=auth("ops"))
    assert r.status_code == 200, r.text
    (clock,) = r.json()["items"]
    assert (clock["policy_id"], clock["state"]) == ("quick-inform", "breached")
    r = await http.get("/clocks", params={"state": "met", "limit": 1000}, headers=auth("analis"))
    assert scenario.met in {c["case_id"] for c in r.json()["items"]}
    assert (await http.get("/clocks", params={"state": "late"},
                           headers=auth("ops"))).status_code == 422
    assert (await http.get("/clocks", headers=auth("frontdesk"))).status_code == 403
    assert (await http.get("/clocks")).status_code == 401


async def listing(http, path: str, user: str, **params) -> list[dict]:
    r = await http.get(path, params={"limit": 1000, **params}, headers=auth(user))
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_open_clocks_are_counted_by_state(http, scenario):
    async def agree() -> dict:
        """The counts, and the same derived from the listings (read again if a clock moved
        between the two reads)."""
        r = await http.get("/clocks/counts", headers=auth("ops"))
        assert r.status_code == 200, r.text
        counts = r.json()
        running = await listing(http, "/clocks", "ops", state="running")
        breached = await listing(http, "/clocks", "ops", state="breached")
        paused = await listing(http, "/clocks", "ops", state="paused")
        escalations = [e for state in ("open", "acknowledged")
                       for e in await listing(http, "/escalations", "ops", state=state)]
        risky = {e["clock_id"] for e in escalations if e["reason"] == "at_risk"}
        at_risk = sum(1 for c in running if c["clock_id"] in risky)
        assert counts == {"on_track": len(running) - at_risk, "at_risk": at_risk,
                          "breached": sum(1 for c in breached if c["open"]),
                          "paused": len(paused)}
        return counts

    counts = await eventually(agree, timeout=10)
    assert counts["breached"] >= 1  # the late case's clock runs past its due
    pmd = (await http.get("/clocks/counts", headers=auth("kabid-pmd"))).json()
    assert all(pmd[k] <= counts[k] for k in counts)
    assert (await http.get("/clocks/counts", headers=auth("frontdesk"))).status_code == 403
    assert (await http.get("/clocks/counts")).status_code == 401


async def test_pages_of_clocks_follow_each_other(http, scenario):
    seen, cursor = [], None
    for _ in range(50):
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await http.get("/clocks", params=params, headers=auth("ops"))).json()
        seen += [c["clock_id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) >= 4
    bad = await http.get("/clocks", params={"cursor": "nonsense"}, headers=auth("ops"))
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "cursor"


async def escalation_of(http, case_id: str, level: int) -> dict:
    r = await http.get("/escalations", params={"case_id": case_id}, headers=auth("kadis"))
    assert r.status_code == 200, r.text
    return next(e for e in r.json()["items"] if e["level"] == level)


async def test_acknowledgement_is_refused_with_nothing_written(stack_env, http, scenario):
    esc = await escalation_of(http, scenario.late, 1)
    url = f"/escalations/{esc['escalation_id']}/acknowledgement"
    topics = (ESCALATIONS, command_topic("sla"))
    before = {t: await end_offsets(stack_env.bootstrap, t) for t in topics[:1]}
    cases = [
        (await http.post(url, json={}), 401),
        (await http.post(url, json={}, headers=auth("analis")), 403),
        (await http.post(url, json={}, headers=auth("kabid-linjamsos")), 403),
        (await http.post(url, json={"note": "x", "extra": 1}, headers=auth("ops")), 422),
        (await http.post(url, json={"note": "x" * 1001}, headers=auth("ops")), 422),
        (await http.post("/escalations/not-a-uuid/acknowledgement", json={},
                         headers=auth("ops")), 422),
        (await http.post(f"/escalations/{new_case()[5:]}/acknowledgement", json={},
                         headers=auth("ops")), 404),
    ]
    assert [r.status_code for r, _ in cases] == [status for _, status in cases]
    assert cases[2][0].json()["detail"] == "Eskalasi ini tidak ditujukan ke bidang Anda"
    assert cases[3][0].json()["errors"][0]["field"] == "extra"
    assert all(r.headers["content-type"] == "application/problem+json" for r, _ in cases)
    assert {t: await end_offsets(stack_env.bootstrap, t) for t in topics[:1]} == before


async def test_an_escalation_is_acknowledged_once(stack_env, http, scenario):
    esc = await escalation_of(http, scenario.late, 2)
    url = f"/escalations/{esc['escalation_id']}/acknowledgement"
    r = await http.post(url, json={"note": "sedang ditelepon"}, headers=auth("kabid-rehsos"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["status"], body["case_id"]) == ("acknowledged", scenario.late)
    assert [e["type"] for e in body["events"]] == ["EscalationAcknowledged"]
    before = await end_offsets(stack_env.bootstrap, ESCALATIONS)
    again = await http.post(url, json={}, headers=auth("kadis"))
    assert again.status_code == 409
    assert again.json()["detail"] == "Eskalasi sudah diakui oleh kabid-rehsos"
    english = await http.post(url, json={}, headers={**auth("kadis"), "Accept-Language": "en"})
    assert english.json()["detail"] == "The escalation was already acknowledged by kabid-rehsos"
    assert await end_offsets(stack_env.bootstrap, ESCALATIONS) == before
    acks = of_type(await records_of(stack_env, ESCALATIONS, scenario.late),
                   "EscalationAcknowledged")
    assert [(a.env.data.escalation_id, a.env.data.acknowledged_by, a.env.data.note)
            for a in acks] == [(esc["escalation_id"], "kabid-rehsos", "sedang ditelepon")]

    async def listed():
        r = await http.get("/escalations", params={"state": "acknowledged"},
                           headers=auth("kabid-rehsos"))
        return esc["escalation_id"] in {e["escalation_id"] for e in r.json()["items"]}

    await eventually(listed, timeout=5)


async def test_an_idempotency_key_acknowledges_once(stack_env, http, scenario):
    esc = await escalation_of(http, scenario.late, 3)
    url = f"/escalations/{esc['escalation_id']}/acknowledgement"
    headers = {**auth("ops"), "Idempotency-Key": new_case()}
    first = await http.post(url, json={"note": "ok"}, headers=headers)
    second = await http.post(url, json={"note": "ok"}, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    other = await http.post(url, json={"note": "lain"}, headers=headers)
    assert other.status_code == 422
    acks = of_type(await records_of(stack_env, ESCALATIONS, scenario.late),
                   "EscalationAcknowledged")
    assert [a.env.data.escalation_id for a in acks].count(esc["escalation_id"]) == 1


async def test_division_heads_see_only_their_division(http, scenario):
    """Every escalation of their division's cases (the Head of Office's level 3 too), with
    the case's division on each item; none of another division's."""
    own = await http.get("/escalations", params={"case_id": scenario.late},
                         headers=auth("kabid-rehsos"))
    other = await http.get("/escalations", params={"case_id": scenario.late},
                           headers=auth("kabid-linjamsos"))
    assert {e["level"] for e in own.json()["items"]} == {1, 2, 3}
    assert {e["division"] for e in own.json()["items"]} == {"rehsos"}
    assert other.json()["items"] == []
    everyone = await http.get("/escalations", headers=auth("kabid-rehsos"))
    assert {e["division"] for e in everyone.json()["items"]} == {"rehsos"}


async def test_policies_are_listed_for_any_staff(http, sla):
    r = await http.get("/policies", headers=auth("frontdesk"))
    assert r.status_code == 200
    (policy,) = r.json()["items"]
    assert (policy["id"], policy["duration"], policy["time"]) == ("quick-inform", "PT4S",
                                                                  "calendar")
    assert policy["kind"] == "standard"  # the file says nothing: a deadline of the standard
    assert [s["at"] for s in policy["escalations"]] == ["50%", "100%", "100% + PT2S"]
    assert (await http.get("/policies")).status_code == 401
