"""The case workflow over HTTP against the real broker and Redis, one service process for the
module. Assertions read what is really on `audiensi.disposition.v1` (and its end offsets)."""

from __future__ import annotations

import asyncio
import base64
from collections import Counter
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from contracts.topics import DEADLETTER, DISPOSITION
from tests.support.kafka import end_offsets, read_events
from tests.support.waiting import eventually

from .support import headers, new_case_id, produce, request_events, withdrawal

SOON = (datetime.now(UTC) + timedelta(days=2)).isoformat()
DISPOSE = {"division": "rehsos", "instructions": "Mohon ditindaklanjuti", "priority": "segera"}


@pytest.fixture
async def client(disposition):
    async with httpx.AsyncClient(base_url=disposition.url, timeout=30) as c:
        yield c


async def step(client, case_id, path, user, body=None, expect=200, **extra_headers):
    r = await client.post(f"/cases/{case_id}/{path}", json=body, headers=headers(user,
                                                                                  **extra_headers))
    assert r.status_code == expect, (path, user, r.status_code, r.text)
    return r.json()


async def new_case(stack_env, *, urgent=False) -> str:
    case_id = new_case_id("urgent" if urgent else "letter")
    await produce(stack_env.bootstrap, request_events(case_id, urgent=urgent))
    return case_id


async def disposition_events(stack_env, case_id):
    return await read_events(stack_env.bootstrap, DISPOSITION, case_id)


def held_now():
    return {"held_at": datetime.now(UTC).isoformat(), "attendees": ["Budi Santoso"],
            "accompanied_by": ["kabid-rehsos"], "missing_documents": ["surat rujukan"]}


REPORT = {"summary": "Pemohon meminta PKH", "advice": "Lengkapi berkas",
          "recommendations": ["Rujuk ke Dinsos Kab. Bangka"]}


async def test_the_full_letter_path_writes_exactly_the_expected_events_in_order(
        stack_env, client):
    case_id = await new_case(stack_env)  # no wait: the first command may beat the intake event
    steps = [
        ("disposition", "kadis", {**DISPOSE, "division": "linjamsos"}, "disposed"),
        ("disposition", "kadis", DISPOSE, "disposed"),  # re-disposition before receipt
        ("receipt", "kabid-rehsos", None, "received"),
        ("assignment", "kabid-rehsos", {"officer_id": "petugas-rehsos-1"}, "assigned"),
        ("preparation", "petugas-rehsos-1", {"administration": "undangan",
                                             "materials": "data PKH", "equipment": "ruang rapat",
                                             "staff_review_required": True}, "prepared"),
        ("staff-review", "petugas-rehsos-1", {"summary": "perlu rapat pimpinan",
                                              "involves_agencies": ["Dinsos Kab. Bangka"],
                                              "needs_leadership_meeting": True}, "prepared"),
        ("notification", "petugas-rehsos-1", {"channel": "phone", "message": "Jadwal Senin",
                                              "scheduled_for": SOON}, "informed"),
        ("audience", "petugas-rehsos-1", held_now(), "held"),
        ("report", "petugas-rehsos-1", REPORT, "reported"),
        ("report/forwarding", "kabid-rehsos", None, "forwarded"),
        ("closure", "kadis", {"outcome": "rekomendasi diberikan"}, "closed"),
    ]
    written = []
    for path, user, body, status in steps:
        got = await step(client, case_id, path, user, body, **{"X-Correlation-Id": case_id})
        assert (got["case_id"], got["status"]) == (case_id, status)
        written += got["events"]

    envs = await disposition_events(stack_env, case_id)
    assert [e.type for e in envs] == [
        "CaseDisposed", "CaseDisposed", "DispositionReceived", "OfficerAssigned",
        "PreparationRecorded", "StaffReviewSubmitted", "ApplicantInformed", "AudienceHeld",
        "ResultReportSubmitted", "ResultReportForwarded", "CaseClosed"]
    assert [{"id": e.id, "type": e.type} for e in envs] == written
    assert [e.sequence for e in envs] == list(range(1, 12))
    assert {(e.source, e.correlationid) for e in envs} == {("disposition", case_id)}
    assert [e.actorid for e in envs] == [user for _, user, _, _ in steps]
    assert [e.data.division for e in envs[:3]] == ["linjamsos", "rehsos", "rehsos"]
    assert envs[3].data.officer_id == "petugas-rehsos-1" and not envs[3].data.self_assigned
    assert envs[7].data.missing_documents == ["surat rujukan"]
    assert envs[7].data.documents_complete is False
    assert envs[8].data.recommendations == ["Rujuk ke Dinsos Kab. Bangka"]

    view = (await client.get(f"/cases/{case_id}", headers=headers("kadis"))).json()
    assert (view["status"], view["division"], view["officer_id"], view["agenda_number"]) == (
        "closed", "rehsos", "petugas-rehsos-1", "AUD/2026/000001")
    assert [h["status"] for h in view["history"]] == [
        "requested", "registered", "disposed", "disposed", "received", "assigned", "prepared",
        "prepared", "informed", "held", "reported", "forwarded", "closed"]
    assert view["allowed_next_steps"] == []


async def test_the_full_urgent_walk_in_path_writes_exactly_the_expected_events_in_order(
        stack_env, client):
    case_id = await new_case(stack_env, urgent=True)
    view = await eventually(
        lambda: client.get(f"/cases/{case_id}", headers=headers("frontdesk")),
        lambda r: r.status_code == 200, timeout=15)
    assert view.json()["allowed_next_steps"] == ["direction"]
    await step(client, case_id, "disposition", "kadis", DISPOSE, expect=409)
    steps = [
        ("direction", "frontdesk", {"officer_id": "petugas-rehsos-2"}, "directed"),
        ("audience", "petugas-rehsos-2", held_now() | {"missing_documents": []}, "held"),
        ("report", "petugas-rehsos-2", REPORT, "reported"),
        ("report/forwarding", "kabid-rehsos", None, "forwarded"),
        ("closure", "kadis", None, "closed"),
    ]
    for path, user, body, status in steps:
        assert (await step(client, case_id, path, user, body))["status"] == status

    envs = await disposition_events(stack_env, case_id)
    assert [e.type for e in envs] == ["WalkInDirected", "AudienceHeld", "ResultReportSubmitted",
                                      "ResultReportForwarded", "CaseClosed"]
    assert [e.sequence for e in envs] == [1, 2, 3, 4, 5]
    assert (envs[0].data.officer_id, envs[0].data.division, envs[0].actorrole) == (
        "petugas-rehsos-2", "rehsos", "front_office")
    assert envs[1].data.documents_complete is True
    assert envs[4].data.outcome == "selesai"


async def test_wrong_role_division_or_officer_is_403_and_writes_nothing(stack_env, client):
    case_id = await new_case(stack_env)
    await step(client, case_id, "disposition", "kadis", DISPOSE)
    before = await end_offsets(stack_env.bootstrap, DISPOSITION)

    wrong_role = await step(client, case_id, "disposition", "petugas-rehsos-1", DISPOSE, 403)
    assert "head_of_office" in wrong_role["detail"]
    other_division = await step(client, case_id, "receipt", "kabid-linjamsos", expect=403)
    assert other_division["code"] == "not-your-division"
    assert other_division["detail"] == "Hanya Kepala Bidang rehsos yang dapat melakukan langkah ini"
    await step(client, case_id, "receipt", "kabid-rehsos")
    await step(client, case_id, "assignment", "kabid-rehsos", {"officer_id": "petugas-rehsos-1"})
    mid = await end_offsets(stack_env.bootstrap, DISPOSITION)
    prep = {"administration": "a", "materials": "m", "equipment": "e"}
    not_theirs = await step(client, case_id, "preparation", "petugas-rehsos-2", prep, 403,
                            **{"Accept-Language": "en"})
    assert (not_theirs["code"], not_theirs["detail"]) == (
        "not-the-assigned-officer", "only the officer assigned to this case may take this step")
    await step(client, case_id, "report/forwarding", "kabid-linjamsos", expect=403)
    await step(client, case_id, "closure", "kabid-rehsos", expect=403)
    unauth = await client.post(f"/cases/{case_id}/closure")
    assert unauth.status_code == 401
    forged = await client.post(f"/cases/{case_id}/closure",
                               headers={"Authorization": "Bearer not-a-jwt"})
    assert forged.status_code == 401
    assert sum((await end_offsets(stack_env.bootstrap, DISPOSITION)).values()) == sum(
        mid.values()) == sum(before.values()) + 2


async def test_out_of_order_steps_are_409_with_a_reason_and_the_topic_does_not_move(
        stack_env, client):
    case_id = await new_case(stack_env)
    await step(client, case_id, "disposition", "kadis", DISPOSE)
    before = await end_offsets(stack_env.bootstrap, DISPOSITION)

    early = await step(client, case_id, "assignment", "kabid-rehsos",
                       {"officer_id": "petugas-rehsos-1"}, expect=409)
    assert early["detail"] == "Disposisi belum diterima oleh Kepala Bidang"
    assert early["type"].endswith("/step-refused") and early["status"] == 409
    english = await step(client, case_id, "assignment", "kabid-rehsos",
                         {"officer_id": "petugas-rehsos-1"}, 409, **{"Accept-Language": "en"})
    assert english["detail"] == "the disposition has not been received by the division head yet"
    await step(client, case_id, "closure", "kadis", expect=409)
    await step(client, case_id, "direction", "frontdesk", {"officer_id": "petugas-rehsos-1"},
               expect=409)
    r = await client.post(f"/cases/{case_id}/audience", json=held_now(),
                          headers=headers("petugas-rehsos-1"))
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"

    assert await end_offsets(stack_env.bootstrap, DISPOSITION) == before
    view = (await client.get(f"/cases/{case_id}", headers=headers("kabid-rehsos"))).json()
    assert (view["status"], view["sequence"], view["allowed_next_steps"]) == (
        "disposed", 1, ["receipt", "disposition-return"])


async def test_bad_input_is_422_with_field_errors_and_writes_nothing(stack_env, client):
    case_id = await new_case(stack_env)
    await step(client, case_id, "disposition", "kadis", DISPOSE)
    await step(client, case_id, "receipt", "kabid-rehsos")
    before = await end_offsets(stack_env.bootstrap, DISPOSITION)

    cases = [
        ("disposition", "kadis", {**DISPOSE, "division": "humas"}, "division"),
        ("disposition", "kadis", {"division": "rehsos"}, "instructions"),
        ("disposition", "kadis", {**DISPOSE, "priority": "kilat"}, "priority"),
        ("assignment", "kabid-rehsos", {"officer_id": "siapa"}, "officer_id"),
        ("assignment", "kabid-rehsos", {"officer_id": "analis"}, "officer_id"),
        ("assignment", "kabid-rehsos", {"officer_id": "petugas-linjamsos-1"}, "officer_id"),
        ("assignment", "kabid-rehsos", {"officer_id": "x", "extra": 1}, "extra"),
        ("cancellation", "kadis", {"reason": "   "}, "reason"),
        ("audience", "petugas-rehsos-1", {**held_now(), "missing_documents": [],
                                          "documents_complete": False}, "missing_documents"),
        ("audience", "petugas-rehsos-1", {**held_now(), "held_at": SOON}, "held_at"),
        ("notification", "petugas-rehsos-1", {"channel": "phone", "message": "x",
                                              "scheduled_for": "2020-01-01T09:00:00Z"},
         "scheduled_for"),
        ("notification", "petugas-rehsos-1", {"channel": "phone", "message": "x",
                                              "scheduled_for": "2026-12-01T09:00:00"},
         "scheduled_for"),  # no time zone
    ]
    for path, user, body, field in cases:
        problem = await step(client, case_id, path, user, body, expect=422)
        assert field in {e["field"] for e in problem["errors"]}, (path, body, problem)
    assert await end_offsets(stack_env.bootstrap, DISPOSITION) == before


async def test_a_duplicated_intake_stream_leaves_one_case_state(stack_env, client):
    case_id = await new_case(stack_env)
    await step(client, case_id, "disposition", "kadis", DISPOSE)
    redelivered = request_events(case_id) * 3 + [withdrawal(case_id, 3)] * 2
    await produce(stack_env.bootstrap, redelivered)

    async def view():
        return (await client.get(f"/cases/{case_id}", headers=headers("kadis"))).json()

    got = await eventually(view, lambda v: v["status"] == "withdrawn", timeout=15)
    assert [(h["event"], h["status"]) for h in got["history"]] == [
        ("AudienceRequested", "requested"), ("RequestRegistered", "registered"),
        ("CaseDisposed", "disposed"), ("RequestWithdrawn", "withdrawn")]
    assert [e.type for e in await disposition_events(stack_env, case_id)] == ["CaseDisposed"]
    refused = await step(client, case_id, "receipt", "kabid-rehsos", expect=409)
    assert refused["code"] == "case-finished"


async def test_idempotency_key_answers_the_first_result_and_writes_once(stack_env, client):
    case_id = await new_case(stack_env)
    key = {"Idempotency-Key": f"k-{case_id}"}
    first = await step(client, case_id, "disposition", "kadis", DISPOSE, **key)
    again = await step(client, case_id, "disposition", "kadis", DISPOSE, **key)
    assert again == first
    other = await step(client, case_id, "disposition", "kadis",
                       {**DISPOSE, "division": "linjamsos"}, expect=422, **key)
    assert other["errors"][0]["field"] == "Idempotency-Key"
    key2 = {"Idempotency-Key": f"k2-{case_id}"}
    refused = await step(client, case_id, "closure", "kadis", expect=409, **key2)
    assert refused == await step(client, case_id, "closure", "kadis", expect=409, **key2)
    assert [e.id for e in await disposition_events(stack_env, case_id)] == [
        first["events"][0]["id"]]


async def test_an_unknown_case_is_404(client):
    r = await client.post("/cases/no-such-case/disposition", json=DISPOSE,
                          headers=headers("kadis"))
    assert r.status_code == 404 and r.json()["code"] == "case-unknown"
    r = await client.get("/cases/no-such-case", headers=headers("analis"))
    assert r.status_code == 404


async def test_bad_bytes_on_the_intake_topic_are_dead_lettered_and_processing_goes_on(
        stack_env, client):
    key = new_case_id("garbage")
    await produce(stack_env.bootstrap, [], raw=[(key.encode(), b"\xffnot json")])

    async def letters():
        return [e for e in await read_events(stack_env.bootstrap, DEADLETTER)
                if e.data.key == key and e.data.consumer == "disposition"]

    (letter,) = await eventually(letters, lambda found: len(found) == 1, timeout=15)
    assert base64.b64decode(letter.data.payload) == b"\xffnot json"
    assert "not JSON" in letter.data.error
    case_id = await new_case(stack_env)
    assert (await step(client, case_id, "disposition", "kadis", DISPOSE))["status"] == "disposed"


async def test_cancellation_by_the_head_of_office_ends_an_open_case(stack_env, client):
    case_id = await new_case(stack_env, urgent=True)
    await step(client, case_id, "direction", "sekretariat", {"officer_id": "petugas-rehsos-1"})
    got = await step(client, case_id, "cancellation", "kadis", {"reason": "duplikat"})
    assert got["status"] == "cancelled"
    await step(client, case_id, "audience", "petugas-rehsos-1", held_now(), expect=409)
    envs = await disposition_events(stack_env, case_id)
    assert [(e.type, e.sequence) for e in envs] == [("WalkInDirected", 1), ("CaseCancelled", 2)]


async def test_a_burst_of_concurrent_commands_is_served(stack_env, disposition):
    """More commands in flight than redis-py's default pool (100) holds connections for."""
    case_ids = [new_case_id("burst") for _ in range(250)]
    await produce(stack_env.bootstrap, [e for cid in case_ids for e in request_events(cid)])
    limits = httpx.Limits(max_connections=300, max_keepalive_connections=300)
    async with httpx.AsyncClient(base_url=disposition.url, timeout=60, limits=limits) as c:
        kadis = headers("kadis")
        replies = await asyncio.gather(*(
            c.post(f"/cases/{cid}/disposition", json=DISPOSE, headers=kadis) for cid in case_ids))
    assert Counter(r.status_code for r in replies) == {200: len(case_ids)}
