"""The whole standard across all four services, driven only through the HTTP API."""

from __future__ import annotations

import json

import pytest

from tests.e2e.client import NIK, TRANSIENT, Api, ApiError, read_sse
from tests.e2e.conftest import INFORM_SECONDS, WALKIN_SECONDS
from tests.support.kafka import total_messages
from tests.support.waiting import eventually_sync

LETTER_TIMELINE = [
    "AudienceRequested", "RequestRegistered", "CaseDisposed", "DispositionReceived",
    "OfficerAssigned", "PreparationRecorded", "ApplicantInformed", "AudienceHeld",
    "ResultReportSubmitted", "ResultReportForwarded", "CaseClosed",
]


@pytest.fixture(scope="module")
def api(system) -> Api:
    return Api({name: system.url(name) for name in ("intake", "disposition", "sla",
                                                     "reporting")})


def steps(view: dict) -> list[str]:
    """The case's own steps in the timeline (intake and disposition events, in order)."""
    return [e["type"] for e in view["timeline"] if e["source"] in ("intake", "disposition")]


def case_view(api: Api, case_id: str) -> dict:
    return api.get("reporting", f"/cases/{case_id}", "analis")


def clocks(api: Api, case_id: str) -> list[dict]:
    return api.get("sla", "/clocks", "ops", params={"case_id": case_id})["items"]


def escalations_of(api: Api, case_id: str) -> list[dict]:
    items = []
    for state in ("open", "acknowledged", "resolved"):
        items += api.get("sla", "/escalations", "ops", params={"state": state})["items"]
    return [e for e in items if e["case_id"] == case_id]


def sla_stats(api: Api, policy: str) -> dict:
    rows = api.get("reporting", "/stats/sla", "analis", params={"policy": policy})["policies"]
    return next((r for r in rows if r["policy_id"] == policy), {})


def test_letter_path_from_guest_book_to_closure(api):
    api.visit()
    req = api.letter_request()
    case_id = req["case_id"]
    assert req["agenda_number"].startswith("AUD/") and req["status"] == "registered"
    before = sla_stats(api, "inform-applicant")
    api.letter_path_until_received(case_id)
    api.step(case_id, "assignment", "kabid-rehsos", {"officer_id": "petugas-rehsos-1"})
    api.step(case_id, "preparation", "petugas-rehsos-1",
             {"administration": "undangan", "materials": "data PKH", "equipment": "ruang rapat"})
    informed = api.inform(case_id)
    assert informed["status"] == "informed"
    api.hold_report_forward_close(case_id)

    def closed_with_clock_met():
        view = case_view(api, case_id)
        assert view["status"] == "closed"
        assert steps(view) == LETTER_TIMELINE
        sla_events = [e["type"] for e in view["timeline"] if e["source"] == "sla"]
        assert sla_events == ["ClockStarted", "ClockStopped"], sla_events
        clock = [c for c in clocks(api, case_id) if c["policy_id"] == "inform-applicant"]
        assert len(clock) == 1 and clock[0]["state"] == "met"
        return view

    view = eventually_sync(closed_with_clock_met, timeout=30, retry_on=TRANSIENT)
    assert view["agenda_number"] == req["agenda_number"] and view["division"] == "rehsos"
    assert view["officer_id"] == "petugas-rehsos-1"
    assert escalations_of(api, case_id) == []
    eventually_sync(lambda: sla_stats(api, "inform-applicant")["met"] == before.get("met", 0) + 1,
                    retry_on=TRANSIENT)
    # intake learnt the closure from the disposition service: a withdrawal now is refused
    eventually_sync(lambda: api.get("intake", f"/requests/{case_id}", "frontdesk"),
                    lambda shown: shown["ended"] == "closed", retry_on=TRANSIENT)
    refused = api.call("POST", "intake", f"/requests/{case_id}/withdrawal", "frontdesk",
                       body={"reason": "tidak jadi"}, expect=(409,))
    assert "tidak dapat ditarik" in refused.json()["detail"]
    assert case_view(api, case_id)["status"] == "closed"


def test_the_case_file_holds_what_every_step_sent(api):
    req = api.letter_request(name="Rina Marlina")
    case_id = req["case_id"]
    api.letter_path_until_received(case_id)
    api.step(case_id, "assignment", "kabid-rehsos", {"officer_id": "petugas-rehsos-1"})
    api.inform(case_id)
    api.hold_report_forward_close(case_id)

    def complete():
        f = api.get("reporting", f"/cases/{case_id}/file", "kadis")
        assert f["closure"] is not None
        return f

    f = eventually_sync(complete, timeout=30, retry_on=TRANSIENT)
    assert f["agenda_number"] == req["agenda_number"] and f["status"] == "closed"
    assert f["applicant"]["name"] == "Rina Marlina"
    assert f["applicant"]["organization"] == "Desa Air Itam"
    assert f["request"]["purpose"] == "Audiensi tentang bantuan rehabilitasi sosial"
    assert f["letter"]["sender"] == "Kepala Desa Air Itam"
    [disposition] = f["dispositions"]
    assert (disposition["division"], disposition["instructions"]) == (
        "rehsos", "Mohon ditindaklanjuti")
    assert f["assignment"]["officer"] == "petugas-rehsos-1"
    assert f["notifications"][0]["message"] == "Audiensi dijadwalkan"
    assert f["audience"]["attendees"] == ["Pemohon"]
    assert f["report"]["summary"] == "Audiensi selesai"
    assert f["report"]["recommendations"] == ["Verifikasi DTKS"]
    assert f["closure"]["outcome"] == "selesai"
    # the analysts' view of the same case carries none of it
    plain = api.call("GET", "reporting", f"/cases/{case_id}", "analis").text
    assert "Rina" not in plain and "Mohon ditindaklanjuti" not in plain


def test_late_path_escalates_at_risk_then_breach_then_head_of_office(api, system):
    case_id = api.letter_request()["case_id"]
    api.letter_path_until_received(case_id)
    api.step(case_id, "assignment", "kabid-rehsos", {"officer_id": "petugas-rehsos-1"})

    def three_escalations():
        items = escalations_of(api, case_id)
        assert len(items) == 3, items
        return items

    items = eventually_sync(three_escalations, timeout=INFORM_SECONDS + 15, retry_on=TRANSIENT)
    ladder = sorted(items, key=lambda e: e["level"])
    assert [(e["level"], e["reason"], e["to_role"]) for e in ladder] == [
        (1, "at_risk", "division_head"), (2, "breached", "division_head"),
        (3, "breached", "head_of_office")]
    assert [e["raised_at"] for e in ladder] == sorted(e["raised_at"] for e in ladder)
    # the ops team's live feed shows the same three, in order, and resumes after reconnect
    feed = system.url("reporting") + "/escalations/stream"

    def raised_for_case(events):
        return [e for e in events if e["event"] == "EscalationRaised"
                and json.loads(e["data"]).get("case_id") == case_id]

    seen = read_sse(feed, "ops", params={"since": "0"},
                    want=lambda evs: len(raised_for_case(evs)) == 3)
    ours = raised_for_case(seen)
    assert [json.loads(e["data"])["escalation_id"] for e in ours] == [
        e["escalation_id"] for e in ladder]
    resumed = read_sse(feed, "ops", last_event_id=ours[0]["id"],
                       want=lambda evs: len(raised_for_case(evs)) == 2)
    assert [e["id"] for e in raised_for_case(resumed)] == [e["id"] for e in ours[1:]]
    esc = ladder[0]
    acked = api.post("sla", f"/escalations/{esc['escalation_id']}/acknowledgement", "ops",
                     {"note": "ditangani"})
    assert acked.get("state", "acknowledged") == "acknowledged"
    api.inform(case_id)

    def stopped_breached_and_resolved():
        (clock,) = [c for c in clocks(api, case_id) if c["policy_id"] == "inform-applicant"]
        assert clock["state"] == "breached"
        assert {e["state"] for e in escalations_of(api, case_id)} == {"resolved"}
        view = case_view(api, case_id)
        kinds = [e["type"] for e in view["timeline"]]
        assert kinds.count("EscalationRaised") == 3 and kinds.count("EscalationResolved") == 3
        return True

    eventually_sync(stopped_breached_and_resolved, timeout=20, retry_on=TRANSIENT)
    eventually_sync(lambda: sla_stats(api, "inform-applicant")["breached"] == 1,
                    retry_on=TRANSIENT)


def test_urgent_walk_in_directed_in_time_is_met_and_one_left_waiting_breaches(api):
    visit = api.visit(name="Siti Aminah")
    met = api.walk_in_request(visit)
    assert met["status"] == "requested" and not met.get("agenda_number")
    api.step(met["case_id"], "direction", "frontdesk", {"officer_id": "petugas-rehsos-2"})
    waiting = api.walk_in_request(api.visit(name="Rahmat"))

    def outcome():
        (a,) = clocks(api, met["case_id"])
        (b,) = clocks(api, waiting["case_id"])
        assert a["state"] == "met" and b["state"] == "breached"
        return True

    eventually_sync(outcome, timeout=WALKIN_SECONDS + 15, retry_on=TRANSIENT)
    levels = eventually_sync(lambda: [(e["reason"], e["to_role"]) for e in sorted(
        escalations_of(api, waiting["case_id"]), key=lambda e: e["level"])] or None,
        retry_on=TRANSIENT)
    assert levels == [("at_risk", "secretariat"), ("breached", "head_of_office")]
    assert escalations_of(api, met["case_id"]) == []
    # the directed officer holds the audience and the case runs to closure
    api.hold_report_forward_close(met["case_id"], officer="petugas-rehsos-2")
    eventually_sync(lambda: case_view(api, met["case_id"])["status"] == "closed",
                    retry_on=TRANSIENT)


def test_complaint_path_with_its_clocks(api):
    filed = api.post("intake", "/complaints", "frontdesk", {
        "channel": "sp4n_lapor", "lapor_tracking_id": "LAPOR-2026-0001",
        "identity": {"kind": "KTP", "number": NIK}, "subject": "Pelayanan lambat",
        "content": "Surat saya belum dijawab"})
    cid, tracking = filed["complaint_id"], filed["tracking_id"]
    api.post("intake", f"/complaints/{cid}/verification", "sekretariat")
    api.post("intake", f"/complaints/{cid}/response", "sekretariat",
             {"response": "Sudah dijadwalkan audiensi", "channel": "surat"})
    api.post("intake", f"/complaints/{cid}/closure", "kadis", {"resolution": "selesai"})
    assert api.get("intake", f"/complaints/{tracking}", "sekretariat")["status"] == "closed"

    def both_clocks_met():
        states = {c["policy_id"]: c["state"] for c in clocks(api, cid)}
        assert states == {"complaint-verify": "met", "complaint-respond": "met"}, states
        return True

    eventually_sync(both_clocks_met, timeout=20, retry_on=TRANSIENT)


def test_refusals_write_nothing_anywhere(api, system):
    import asyncio

    topics = ("audiensi.intake.v1", "audiensi.disposition.v1", "audiensi.complaints.v1")

    def offsets():
        return [asyncio.run(total_messages(system.bootstrap, t)) for t in topics]

    def refused(status: int, call) -> None:
        before = offsets()
        with pytest.raises(ApiError) as err:
            call()
        response = err.value.response
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["detail"]
        assert offsets() == before, "a refused command wrote an event"

    case_id = api.letter_request()["case_id"]
    eventually_sync(lambda: api.get("disposition", f"/cases/{case_id}", "kadis"),
                    retry_on=TRANSIENT)
    dispose = {"division": "rehsos", "instructions": "x"}
    refused(403, lambda: api.step(case_id, "disposition", "petugas-rehsos-1", dispose))  # role
    refused(409, lambda: api.step(case_id, "receipt", "kabid-rehsos"))  # before disposition
    api.step(case_id, "disposition", "kadis", dispose)
    refused(403, lambda: api.step(case_id, "receipt", "kabid-linjamsos"))  # other division
    refused(409, lambda: api.step(case_id, "notification", "petugas-rehsos-1",
                                  {"channel": "telepon", "message": "x"}))  # out of order
    api.step(case_id, "receipt", "kabid-rehsos")
    api.step(case_id, "assignment", "kabid-rehsos", {"officer_id": "petugas-rehsos-1"})
    refused(403, lambda: api.inform(case_id, officer="petugas-rehsos-2"))  # other officer
    invalid_nik = "1971013102850001"  # 31 February
    refused(422, lambda: api.visit(number=invalid_nik))
    with pytest.raises(ApiError) as err:
        api.visit(number=invalid_nik)
    assert invalid_nik not in err.value.response.text
    assert err.value.response.json()["errors"][0]["field"].startswith("identity")
    refused(401, lambda: api.call("POST", "disposition", f"/cases/{case_id}/closure", "kadis",
                                  body={}, anonymous=True))


def test_a_returned_disposition_then_a_declined_audience_across_the_services(api):
    """The office's own steps end to end: the division returns the disposition (the 1-day
    clock is cancelled), the Head of Office disposes again, the next receipt starts a fresh
    clock, the division head declines the audience (met), the Head of Office closes."""
    case_id = api.letter_request()["case_id"]
    api.letter_path_until_received(case_id)
    back = api.step(case_id, "disposition/return", "kabid-rehsos", {"reason": "salah bidang"})
    assert back["status"] == "registered"
    api.letter_path_until_received(case_id, division="linjamsos")
    declined = api.step(case_id, "declination", "kabid-linjamsos",
                        {"reason": "bukan kewenangan Dinas", "channel": "surat",
                         "message": "Permohonan diteruskan ke instansi terkait"})
    assert declined["status"] == "declined"

    def declined_with_a_cancelled_then_a_met_clock():
        view = case_view(api, case_id)
        assert (view["status"], view["division"]) == ("declined", "linjamsos")
        inform = sorted((c for c in clocks(api, case_id)
                         if c["policy_id"] == "inform-applicant"), key=lambda c: c["cycle"])
        assert [(c["cycle"], c["state"]) for c in inform] == [(1, "cancelled"), (2, "met")]
        return inform

    first, second = eventually_sync(declined_with_a_cancelled_then_a_met_clock, timeout=30,
                                    retry_on=TRANSIENT)
    assert second["started_at"] > first["stopped_at"]
    api.step(case_id, "closure", "kadis", {"outcome": "dijawab dengan penolakan"})

    def closed():
        view = case_view(api, case_id)
        assert view["status"] == "closed"
        assert steps(view)[2:] == ["CaseDisposed", "DispositionReceived",
                                   "DispositionReturned", "CaseDisposed",
                                   "DispositionReceived", "AudienceDeclined", "CaseClosed"]
        return view

    eventually_sync(closed, timeout=30, retry_on=TRANSIENT)
