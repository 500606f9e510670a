"""The office's workflow clocks (issue 12) in the real SLA service, against the real broker
and Redis, with a policy file of seconds: a declined audience stops the answer clock as
met, a returned disposition cancels it and the next receipt starts a fresh one, the office
targets escalate on time (to the secretariat, to the Head of Office) and the escalations
are seen and acknowledged by whom they concern (the secretariat its own; a division head
those of their division's cases, each item with `division`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from contracts.disposition import (
    ApplicantInformed,
    AudienceDeclined,
    CaseDisposed,
    DispositionReturned,
)
from contracts.intake import RequestRegistered
from contracts.topics import ESCALATIONS, SLA
from services.sla.clocks import clock_id_for
from tests.integration.sla.support import (
    Upstream,
    new_case,
    of_type,
    read_records,
    start_sla,
)
from tests.support.auth import auth
from tests.support.waiting import eventually, sleep_until, stays_true_for

MAX_DELAY = timedelta(seconds=2)
S = timedelta(seconds=1)

POLICIES = """
policies:
  - id: quick-inform
    kind: standard
    starts_on: [DispositionReceived]
    stops_on: [ApplicantInformed, AudienceDeclined]
    cancels_on: [CaseCancelled, RequestWithdrawn, DispositionReturned]
    duration: PT4S
    time: calendar
    escalations:
      - {at: "100%", reason: breached, to_role: division_head}
  - id: quick-dispose
    kind: office_target
    starts_on: [RequestRegistered, DispositionReturned]
    stops_on: [CaseDisposed]
    cancels_on: [CaseCancelled, RequestWithdrawn]
    duration: PT2S
    time: calendar
    escalations:
      - {at: "100%", reason: breached, to_role: secretariat}
      - {at: "100% + PT1S", reason: breached, to_role: head_of_office}
  - id: quick-receive
    kind: office_target
    starts_on: [CaseDisposed]
    stops_on: [DispositionReceived]
    cancels_on: [CaseCancelled, RequestWithdrawn, DispositionReturned]
    duration: PT2S
    time: calendar
    escalations:
      - {at: "100%", reason: breached, to_role: head_of_office}
  - id: switched-off
    kind: office_target
    enabled: false
    starts_on: [RequestRegistered]
    stops_on: [CaseDisposed]
    duration: PT1S
    time: calendar
"""


@pytest.fixture(scope="module")
def sla(stack_env, tmp_path_factory):
    policy_file = tmp_path_factory.mktemp("sla-office") / "policies.yaml"
    policy_file.write_text(POLICIES)
    proc = start_sla(stack_env, policy_file)
    try:
        yield proc
    finally:
        proc.stop()


@dataclass
class Scenario:
    declined: str  # received, then declined in time
    returned: str  # received, returned, disposed again, received again, informed
    undisposed: str  # registered and never disposed: the secretariat, then the Head of Office
    unreceived: str  # disposed to pmd and never received: the Head of Office, about pmd
    t0: datetime


def registered(case_id: str, at: datetime) -> RequestRegistered:
    return RequestRegistered(case_id=case_id, agenda_number="AUD/2026/000001", registered_at=at)


def disposed(case_id: str, division: str = "rehsos") -> CaseDisposed:
    return CaseDisposed(case_id=case_id, division=division, instructions="tindak lanjuti",
                        disposed_by="kadis")


@pytest.fixture(scope="module")
async def scenario(stack_env, sla) -> Scenario:
    s = Scenario(new_case(), new_case(), new_case(), new_case(), datetime.now(UTC))
    t0 = s.t0
    async with Upstream(stack_env.bootstrap) as up:
        await up.received(s.declined, at=t0)
        await up.received(s.returned, at=t0)
        await up.send(registered(s.undisposed, t0), "intake", at=t0)
        await up.send(registered(s.unreceived, t0), "intake", at=t0)
        await up.send(disposed(s.unreceived, "pmd"), "disposition", at=t0)
        await sleep_until(t0 + S)
        await up.send(AudienceDeclined(case_id=s.declined, reason="bukan kewenangan",
                                       channel="surat", message="mohon maaf",
                                       declined_by="petugas-rehsos-1"), "disposition",
                      at=t0 + S)
        await up.send(DispositionReturned(case_id=s.returned, division="rehsos",
                                          reason="salah bidang", returned_by="kabid-rehsos"),
                      "disposition", at=t0 + S)
        await sleep_until(t0 + 1.5 * S)
        await up.send(disposed(s.returned, "linjamsos"), "disposition", at=t0 + 1.5 * S)
        await sleep_until(t0 + 2 * S)
        await up.received(s.returned, division="linjamsos", at=t0 + 2 * S)
        await sleep_until(t0 + 3 * S)
        await up.send(ApplicantInformed(case_id=s.returned, channel="telepon", message="jadwal",
                                        informed_by="petugas-linjamsos-1"), "disposition",
                      at=t0 + 3 * S)

    async def head_of_office_reached():
        records = await read_records(stack_env.bootstrap, ESCALATIONS,
                                     {s.undisposed, s.unreceived})
        return len(of_type(records, "EscalationRaised")) == 3

    await eventually(head_of_office_reached, timeout=30)
    return s


async def records_of(stack_env, topic: str, subject: str):
    return await read_records(stack_env.bootstrap, topic, {subject})


async def test_a_declined_audience_stops_the_answer_clock_as_met(stack_env, scenario):
    events = [r.env for r in await records_of(stack_env, SLA, scenario.declined)]
    assert [e.type for e in events] == ["ClockStarted", "ClockStopped"]
    stop = events[1].data
    assert (stop.policy_id, stop.outcome) == ("quick-inform", "met")
    assert stop.stopped_at == scenario.t0 + S

    async def nothing_raised():
        return await records_of(stack_env, ESCALATIONS, scenario.declined) == []

    await stays_true_for(1, nothing_raised)  # past the clock's due (t0 + 4 s)


async def test_a_returned_disposition_cancels_and_the_next_receipt_starts_a_fresh_clock(
        stack_env, scenario):
    t0, case = scenario.t0, scenario.returned

    async def second_one_stopped():
        events = [r.env.data for r in await records_of(stack_env, SLA, case)]
        stops = [e for e in events if e.type == "ClockStopped" and e.policy_id == "quick-inform"]
        return events if len(stops) == 2 else None

    events = await eventually(second_one_stopped, timeout=20)
    inform = [e for e in events if getattr(e, "policy_id", None) == "quick-inform"]
    first, second = (e for e in inform if e.type == "ClockStarted")
    cancel, met = (e for e in inform if e.type == "ClockStopped")
    assert (first.clock_id, first.started_at, first.due_at) == (
        clock_id_for(case, "quick-inform", 1), t0, t0 + 4 * S)
    assert (cancel.clock_id, cancel.outcome, cancel.stopped_at) == (
        first.clock_id, "cancelled", t0 + S)
    assert (second.clock_id, second.started_at, second.due_at) == (
        clock_id_for(case, "quick-inform", 2), t0 + 2 * S, t0 + 6 * S)
    assert (met.clock_id, met.outcome) == (second.clock_id, "met")
    # the return restarted the dispose target, the new disposition met it
    dispose = [(e.type, getattr(e, "outcome", None)) for e in events
               if getattr(e, "policy_id", None) == "quick-dispose"]
    assert dispose == [("ClockStarted", None), ("ClockStopped", "met")]

    async def nothing_raised():
        return await records_of(stack_env, ESCALATIONS, case) == []

    await stays_true_for(1, nothing_raised)


async def test_office_targets_escalate_on_time(stack_env, scenario):
    t0 = scenario.t0
    undisposed = of_type(await records_of(stack_env, ESCALATIONS, scenario.undisposed),
                         "EscalationRaised")
    unreceived = of_type(await records_of(stack_env, ESCALATIONS, scenario.unreceived),
                         "EscalationRaised")
    got = [(r.env.data.policy_id, r.env.data.level, r.env.data.to_role, r.env.data.division)
           for r in (*undisposed, *unreceived)]
    assert got == [("quick-dispose", 1, "secretariat", None),
                   ("quick-dispose", 2, "head_of_office", None),
                   ("quick-receive", 1, "head_of_office", "pmd")]
    for record, due in zip((*undisposed, *unreceived), (2, 3, 2), strict=True):
        assert record.env.data.scheduled_at == t0 + due * S
        assert record.env.data.raised_at >= record.env.data.scheduled_at
        assert record.timestamp - record.env.data.scheduled_at <= MAX_DELAY
    # the disposition met the unreceived case's dispose target; the switched-off policy
    # started no clock
    unreceived_sla = [r.env.data for r in await records_of(stack_env, SLA, scenario.unreceived)]
    assert {e.policy_id for e in unreceived_sla} == {"quick-dispose", "quick-receive"}


@pytest.fixture
async def http(sla):
    async with httpx.AsyncClient(base_url=sla.url, timeout=30) as client:
        yield client


async def listed(http, user: str, case_id: str) -> list[dict]:
    r = await http.get("/escalations", params={"case_id": case_id}, headers=auth(user))
    assert r.status_code == 200, r.text
    return r.json()["items"]


async def test_the_secretariat_sees_and_acknowledges_what_is_addressed_to_it(http, scenario):
    async def both_listed():
        return len(await listed(http, "kadis", scenario.undisposed)) == 2

    await eventually(both_listed, timeout=10)
    mine = await listed(http, "sekretariat", scenario.undisposed)
    assert [(e["to_role"], e["division"]) for e in mine] == [("secretariat", None)]
    assert await listed(http, "sekretariat", scenario.unreceived) == []
    everything = await http.get("/escalations", headers=auth("sekretariat"))
    assert {e["to_role"] for e in everything.json()["items"]} == {"secretariat"}
    assert await listed(http, "kabid-rehsos", scenario.undisposed) == []  # no division yet
    url = f"/escalations/{mine[0]['escalation_id']}/acknowledgement"
    r = await http.post(url, json={"note": "segera diajukan ke Kadis"},
                        headers=auth("sekretariat"))
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "acknowledged"
    kadis_one = next(e for e in await listed(http, "kadis", scenario.undisposed)
                     if e["to_role"] == "head_of_office")
    r = await http.post(f"/escalations/{kadis_one['escalation_id']}/acknowledgement",
                        json={}, headers={**auth("sekretariat"), "Accept-Language": "en"})
    assert r.status_code == 403
    assert r.json()["detail"] == "This escalation is not addressed to you"


async def test_a_division_head_sees_their_divisions_cases_and_acknowledges_only_theirs(
        http, scenario):
    async def listed_for_pmd():
        return await listed(http, "kabid-pmd", scenario.unreceived)

    [esc] = await eventually(listed_for_pmd, timeout=10)
    assert (esc["to_role"], esc["division"], esc["to_division"]) == (
        "head_of_office", "pmd", None)
    assert await listed(http, "kabid-rehsos", scenario.unreceived) == []
    r = await http.post(f"/escalations/{esc['escalation_id']}/acknowledgement", json={},
                        headers=auth("kabid-pmd"))
    assert r.status_code == 403  # addressed to the Head of Office, not to the division


async def clock_cases(http, user: str, **params) -> set[str]:
    r = await http.get("/clocks", params={"limit": 500, **params}, headers=auth(user))
    assert r.status_code == 200, r.text
    return {c["case_id"] for c in r.json()["items"]}


async def test_a_division_head_lists_the_clocks_of_their_divisions_cases_only(http, scenario):
    everything = await clock_cases(http, "ops")
    assert {scenario.returned, scenario.unreceived, scenario.declined} <= everything
    # the returned case went from rehsos back to the Head of Office, then to linjamsos
    assert scenario.returned in await clock_cases(http, "kabid-linjamsos")
    assert await clock_cases(http, "kabid-linjamsos", case_id=scenario.returned) == {
        scenario.returned}
    rehsos = await clock_cases(http, "kabid-rehsos")
    assert scenario.returned not in rehsos and scenario.unreceived not in rehsos
    assert scenario.declined in rehsos  # received by rehsos, never moved
    assert await clock_cases(http, "kabid-rehsos", case_id=scenario.returned) == set()
    assert scenario.unreceived in await clock_cases(http, "kabid-pmd")
    assert await clock_cases(http, "analis") == everything


async def test_policies_show_their_kind(http):
    r = await http.get("/policies", headers=auth("petugas-pmd-1"))
    assert r.status_code == 200
    assert [(p["id"], p["kind"]) for p in r.json()["items"]] == [
        ("quick-inform", "standard"), ("quick-dispose", "office_target"),
        ("quick-receive", "office_target")]
