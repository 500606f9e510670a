"""The office's own steps (issue 12) over HTTP against the real broker and Redis: returning
a disposition, copies (tembusan), reassigning, rescheduling, declining, returning a report,
the report's v2 fields, and a disposition to a division without an active head refused.
One service process for the module, with an organisation file in which the head of `pmd`
has left (`active: false`). Assertions read what is really on `audiensi.disposition.v1`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml

from contracts.topics import DISPOSITION
from tests.support.kafka import end_offsets, read_events

from .conftest import start_worker
from .support import headers, new_case_id, produce, request_events

ROOT = Path(__file__).resolve().parents[3]
SOON = (datetime.now(UTC) + timedelta(days=2)).isoformat()
LATER = (datetime.now(UTC) + timedelta(days=4)).isoformat()
REPORT = {"summary": "Pemohon meminta PKH", "advice": "Lengkapi berkas",
          "input": "Usulan pendataan ulang", "considerations": "Kuota PKH terbatas",
          "solutions": "Rujuk ke program daerah", "recommendations": ["Rujuk ke Dinsos"]}


@pytest.fixture(scope="module")
def office(stack_env, tmp_path_factory):
    org = yaml.safe_load((ROOT / "config" / "org.yaml").read_text(encoding="utf-8"))
    for user in org["users"]:
        if user["id"] == "kabid-pmd":
            user["active"] = False  # left the office: pmd has no active head
    path = tmp_path_factory.mktemp("org") / "org.yaml"
    path.write_text(yaml.safe_dump(org), encoding="utf-8")
    proc = start_worker(stack_env, AUDIENSI_ORG_FILE=str(path))
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
async def client(office):
    async with httpx.AsyncClient(base_url=office.url, timeout=30) as c:
        yield c


async def post(client, case_id, path, user, body=None, expect=200, lang="id"):
    r = await client.post(f"/cases/{case_id}/{path}", json=body,
                          headers=headers(user, **{"Accept-Language": lang}))
    assert r.status_code == expect, (path, user, r.status_code, r.text)
    return r.json()


async def new_case(stack_env) -> str:
    case_id = new_case_id("office")
    await produce(stack_env.bootstrap, request_events(case_id))
    return case_id


async def events_of(stack_env, case_id):
    return await read_events(stack_env.bootstrap, DISPOSITION, case_id)


async def test_every_office_step_on_one_case_writes_exactly_its_events(stack_env, client):
    case = await new_case(stack_env)
    dispose = {"division": "dayasos", "instructions": "Mohon ditindaklanjuti",
               "copies": ["rehsos"]}
    steps = [
        ("disposition", "kadis", dispose, "disposed"),
        ("disposition/return", "kabid-dayasos", {"reason": "Bukan kewenangan bidang"},
         "registered"),
        ("disposition", "kadis", {"division": "rehsos", "instructions": "Tindak lanjuti",
                                  "copies": ["linjamsos", "dayasos"]}, "disposed"),
        ("receipt", "kabid-rehsos", None, "received"),
        ("assignment", "kabid-rehsos", {"officer_id": "petugas-rehsos-1"}, "assigned"),
        ("reassignment", "kabid-rehsos", {"officer_id": "petugas-rehsos-2",
                                          "reason": "Petugas sakit"}, "assigned"),
        ("notification", "petugas-rehsos-2", {"channel": "phone", "message": "Jadwal Senin",
                                              "scheduled_for": SOON}, "informed"),
        ("rescheduling", "petugas-rehsos-2", {"scheduled_for": LATER, "channel": "phone",
                                              "message": "Jadwal pindah ke Kamis"}, "informed"),
        ("audience", "petugas-rehsos-2", {"held_at": datetime.now(UTC).isoformat(),
                                          "attendees": ["Budi Santoso"]}, "held"),
        ("report", "petugas-rehsos-2", REPORT, "reported"),
        ("report/return", "kabid-rehsos", {"note": "Lengkapi rekomendasi"}, "held"),
        ("report", "petugas-rehsos-2", REPORT, "reported"),
        ("report/forwarding", "kabid-rehsos", None, "forwarded"),
        ("report/return", "kadis", {"note": "Pertimbangan kurang"}, "held"),
        ("report", "petugas-rehsos-2", REPORT, "reported"),
        ("report/forwarding", "kabid-rehsos", None, "forwarded"),
        ("closure", "kadis", {"outcome": "rekomendasi diberikan"}, "closed"),
    ]
    written = []
    for path, user, body, status in steps:
        got = await post(client, case, path, user, body)
        assert got["status"] == status, (path, got)
        written += got["events"]

    envs = await events_of(stack_env, case)
    assert [e.type for e in envs] == [
        "CaseDisposed", "DispositionReturned", "CaseDisposed", "DispositionReceived",
        "OfficerAssigned", "OfficerReassigned", "ApplicantInformed", "AudienceRescheduled",
        "AudienceHeld", "ResultReportSubmitted", "ResultReportReturned",
        "ResultReportSubmitted", "ResultReportForwarded", "ResultReportReturned",
        "ResultReportSubmitted", "ResultReportForwarded", "CaseClosed"]
    assert [{"id": e.id, "type": e.type} for e in envs] == written
    assert [e.sequence for e in envs] == list(range(1, 18))
    assert [e.actorid for e in envs] == [user for _, user, _, _ in steps]
    d = [e.data for e in envs]
    assert (d[0].division, d[0].copies) == ("dayasos", ["rehsos"])
    assert (d[1].division, d[1].returned_by) == ("dayasos", "kabid-dayasos")
    assert d[2].copies == ["linjamsos", "dayasos"]
    assert (d[5].officer_id, d[5].previous_officer_id, d[5].reason, d[5].self_assigned) == (
        "petugas-rehsos-2", "petugas-rehsos-1", "Petugas sakit", False)
    assert d[7].scheduled_for == datetime.fromisoformat(LATER)
    assert d[7].previous_scheduled_for == datetime.fromisoformat(SOON)
    assert [(x.from_status, x.returned_by) for x in (d[10], d[13])] == [
        ("reported", "kabid-rehsos"), ("forwarded", "kadis")]
    report = d[14]
    assert {k: getattr(report, k) for k in REPORT} == REPORT
    assert {e.schemaversion for e in envs if e.type == "ResultReportSubmitted"} == {2}

    view = (await client.get(f"/cases/{case}", headers=headers("kabid-linjamsos"))).json()
    assert (view["status"], view["division"], view["officer_id"]) == (
        "closed", "rehsos", "petugas-rehsos-2")
    assert (view["copies"], view["previous_officers"], view["returned_by_divisions"]) == (
        ["linjamsos", "dayasos"], ["petugas-rehsos-1"], ["dayasos"])
    assert view["allowed_next_steps"] == []


async def test_the_previous_officer_and_the_copies_heads_are_refused(stack_env, client):
    case = await new_case(stack_env)
    await post(client, case, "disposition", "kadis",
               {"division": "rehsos", "instructions": "x", "copies": ["linjamsos"]})
    refused = await post(client, case, "receipt", "kabid-linjamsos", expect=403)
    assert refused["code"] == "not-your-division"
    await post(client, case, "receipt", "kabid-rehsos")
    await post(client, case, "assignment", "kabid-rehsos", {"officer_id": "petugas-rehsos-1"})
    before = await end_offsets(stack_env.bootstrap, DISPOSITION)
    wrong_division = await post(client, case, "reassignment", "kabid-rehsos",
                                {"officer_id": "petugas-linjamsos-1", "reason": "x"},
                                expect=422)
    assert wrong_division["errors"][0]["field"] == "officer_id"
    same = await post(client, case, "reassignment", "kabid-rehsos",
                      {"officer_id": "petugas-rehsos-1", "reason": "x"}, expect=409)
    assert same["code"] == "same-officer"
    too_early = await post(client, case, "rescheduling", "petugas-rehsos-1",
                           {"scheduled_for": LATER, "channel": "phone", "message": "x"},
                           expect=409)
    assert too_early["code"] == "not-informed"
    assert await end_offsets(stack_env.bootstrap, DISPOSITION) == before  # nothing written
    await post(client, case, "reassignment", "kabid-rehsos",
               {"officer_id": "petugas-rehsos-2", "reason": "cuti"})
    old = await post(client, case, "notification", "petugas-rehsos-1",
                     {"channel": "phone", "message": "x"}, expect=403, lang="en")
    assert old["code"] == "not-the-assigned-officer"
    view = (await client.get(f"/cases/{case}", headers=headers("petugas-rehsos-1"))).json()
    assert view["allowed_next_steps"] == []
    view = (await client.get(f"/cases/{case}", headers=headers("petugas-rehsos-2"))).json()
    assert "notification" in view["allowed_next_steps"]


async def test_a_declined_audience_is_answered_and_only_closed(stack_env, client):
    case = await new_case(stack_env)
    await post(client, case, "disposition", "kadis", {"division": "linjamsos",
                                                      "instructions": "x"})
    await post(client, case, "receipt", "kabid-linjamsos")
    got = await post(client, case, "declination", "kabid-linjamsos",
                     {"reason": "Bukan kewenangan Dinas", "channel": "letter",
                      "message": "Mohon maaf, permohonan diteruskan ke instansi lain"})
    assert got["status"] == "declined"
    refused = await post(client, case, "assignment", "kabid-linjamsos",
                         {"officer_id": "petugas-linjamsos-1"}, expect=409, lang="en")
    assert refused["code"] == "case-declined"
    assert "declined" in refused["detail"]
    view = (await client.get(f"/cases/{case}", headers=headers("kadis"))).json()
    assert view["allowed_next_steps"] == ["closure", "cancellation"]
    await post(client, case, "closure", "kadis", {"outcome": "ditolak dengan jawaban"})
    envs = await events_of(stack_env, case)
    assert [e.type for e in envs] == ["CaseDisposed", "DispositionReceived",
                                      "AudienceDeclined", "CaseClosed"]
    assert (envs[2].data.declined_by, envs[2].data.channel) == ("kabid-linjamsos", "letter")


async def test_a_disposition_to_a_division_without_an_active_head_is_refused(stack_env,
                                                                             client):
    case = await new_case(stack_env)
    before = await end_offsets(stack_env.bootstrap, DISPOSITION)
    refused = await post(client, case, "disposition", "kadis",
                         {"division": "pmd", "instructions": "x"}, expect=409)
    assert refused["code"] == "division-without-head"
    assert "pmd" in refused["detail"] and "Kepala Bidang" in refused["detail"]
    english = await post(client, case, "disposition", "kadis",
                         {"division": "pmd", "instructions": "x"}, expect=409, lang="en")
    assert english["detail"] == (
        "division pmd has no active head: the disposition could never be received")
    assert await end_offsets(stack_env.bootstrap, DISPOSITION) == before
    await post(client, case, "disposition", "kadis", {"division": "dayasos",
                                                      "instructions": "x"})


async def test_only_the_division_it_was_disposed_to_returns_it_before_assignment(stack_env,
                                                                                client):
    case = await new_case(stack_env)
    await post(client, case, "disposition", "kadis", {"division": "rehsos", "instructions": "x",
                                                      "copies": ["linjamsos"]})
    other = await post(client, case, "disposition/return", "kabid-linjamsos",
                       {"reason": "x"}, expect=403)
    assert other["code"] == "not-your-division"
    await post(client, case, "receipt", "kabid-rehsos")
    await post(client, case, "assignment", "kabid-rehsos", {"officer_id": "petugas-rehsos-1"})
    late = await post(client, case, "disposition/return", "kabid-rehsos", {"reason": "x"},
                      expect=409)
    assert late["code"] == "already-assigned"
