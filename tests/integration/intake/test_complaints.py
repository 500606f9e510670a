"""Complaints against the real broker: filing on every channel, the steps in order, the public
tracking id."""

from __future__ import annotations

import uuid

import pytest

from contracts.sealed import is_sealed
from contracts.topics import COMPLAINTS
from tests.support.auth import auth

from .support import NIK, NIK_3, events_of, ktp, offsets

FRONT = auth("frontdesk")
SECRETARIAT = auth("sekretariat")
KADIS = auth("kadis")


def complaint_body(**override) -> dict:
    body = {"channel": "sp4n_lapor", "lapor_tracking_id": "LAPOR-2026-0001234",
            "identity": ktp(NIK_3), "subject": "Pelayanan lambat",
            "content": "Permohonan audiensi belum dijawab setelah tiga hari."}
    body.update(override)
    return body


async def file(http, **override) -> dict:
    r = await http.post("/complaints", json=complaint_body(**override), headers=FRONT)
    assert r.status_code == 201, r.text
    return r.json()


async def test_a_complaint_is_filed_verified_responded_and_closed(http, stack_env):
    filed = await file(http)
    cid, tracking = filed["complaint_id"], filed["tracking_id"]
    assert tracking.startswith("ADU-") and filed["status"] == "filed"
    steps = [("verification", None, SECRETARIAT, "verified"),
             ("response", {"response": "Sudah dijadwalkan", "channel": "surat"}, KADIS,
              "responded"),
             ("closure", {"resolution": "Pelapor puas"}, SECRETARIAT, "closed")]
    for step, body, who, status in steps:
        r = await http.post(f"/complaints/{cid}/{step}", json=body, headers=who)
        assert r.status_code == 200, r.text
        assert r.json()["status"] == status
    envs = await events_of(stack_env.bootstrap, COMPLAINTS, cid, 4)
    assert [(e.type, e.sequence) for e in envs] == [
        ("ComplaintFiled", 1), ("ComplaintVerified", 2), ("ComplaintResponded", 3),
        ("ComplaintClosed", 4)]
    first = envs[0].data
    assert (first.tracking_id, first.channel, first.lapor_tracking_id) == (
        tracking, "sp4n_lapor", "LAPOR-2026-0001234")
    # sealed on the wire (the complaint's key); the staff's GET below shows it masked
    assert is_sealed(first.identity.masked) and not first.anonymous
    assert is_sealed(first.content)
    assert envs[1].data.verified_by == "sekretariat" and envs[1].actorrole == "secretariat"
    assert envs[2].data.response == "Sudah dijadwalkan" and envs[2].actorrole == "head_of_office"
    assert envs[3].data.resolution == "Pelapor puas"
    state = (await http.get(f"/complaints/{tracking}", headers=auth("sekretariat"))).json()
    assert state["status"] == "closed" and state["complaint_id"] == cid
    assert state["identity"]["masked"] == "3173**********42"


async def test_steps_out_of_order_are_refused_and_write_nothing(http, stack_env):
    cid = (await file(http, channel="in_person", lapor_tracking_id=None))["complaint_id"]
    before = await offsets(stack_env.bootstrap, (COMPLAINTS,))
    for step, body in [("response", {"response": "x", "channel": "surat"}),
                       ("closure", {"resolution": "x"})]:
        r = await http.post(f"/complaints/{cid}/{step}", json=body,
                            headers={**SECRETARIAT, "Accept-Language": "en"})
        assert r.status_code == 409, r.text
        assert "must come first" in r.json()["detail"]
    assert (await http.post(f"/complaints/{cid}/verification", headers=SECRETARIAT)).is_success
    again = await http.post(f"/complaints/{cid}/verification", headers=SECRETARIAT)
    assert again.status_code == 409 and "sudah dilakukan" in again.json()["detail"]
    after = await offsets(stack_env.bootstrap, (COMPLAINTS,))
    assert sum(after[COMPLAINTS].values()) - sum(before[COMPLAINTS].values()) == 1


async def test_an_anonymous_confidential_lapor_complaint_carries_no_identity(http, stack_env):
    filed = await file(http, identity=None, anonymous=True, confidential=True)
    [env] = await events_of(stack_env.bootstrap, COMPLAINTS, filed["complaint_id"], 1)
    assert env.data.identity is None and env.data.anonymous and env.data.confidential
    by_tracking = await http.get(f"/complaints/{filed['tracking_id'].lower()}", headers=FRONT)
    assert by_tracking.status_code == 200 and by_tracking.json()["identity"] is None


async def test_a_confidential_complainants_identity_is_not_shown(http):
    filed = await file(http, channel="letter", lapor_tracking_id=None, identity=ktp(NIK),
                       confidential=True)
    state = (await http.get(f"/complaints/{filed['tracking_id']}", headers=FRONT)).json()
    assert state["confidential"] and state["identity"] is None


async def test_unknown_complaints_are_404(http):
    assert (await http.get("/complaints/ADU-2026-000000", headers=FRONT)).status_code == 404
    assert (await http.get("/complaints/whatever", headers=FRONT)).status_code == 404
    r = await http.post(f"/complaints/{uuid.uuid4()}/verification", headers=SECRETARIAT)
    assert r.status_code == 404


async def test_a_routed_complaint_is_answered_by_that_divisions_head_only(http, stack_env):
    cid = (await file(http))["complaint_id"]
    assert (await http.post(f"/complaints/{cid}/verification", headers=SECRETARIAT)).is_success
    unknown = await http.post(f"/complaints/{cid}/routing", json={"division": "humas"},
                              headers=SECRETARIAT)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "division"
    routed = await http.post(f"/complaints/{cid}/routing", json={"division": "rehsos"},
                             headers=SECRETARIAT)
    assert routed.status_code == 200, routed.text
    answer = {"response": "Petugas sudah ditegur", "channel": "telepon"}
    before = await offsets(stack_env.bootstrap, (COMPLAINTS,))
    other = await http.post(f"/complaints/{cid}/response", json=answer,
                            headers=auth("kabid-pmd"))
    assert other.status_code == 403, other.text
    assert await offsets(stack_env.bootstrap, (COMPLAINTS,)) == before
    shown = await http.get(f"/complaints/{cid}", headers=auth("kabid-rehsos"))
    assert shown.status_code == 200 and shown.json()["division"] == "rehsos"
    assert (await http.get(f"/complaints/{cid}", headers=auth("kabid-pmd"))).status_code == 403
    done = await http.post(f"/complaints/{cid}/response", json=answer,
                           headers=auth("kabid-rehsos"))
    assert done.status_code == 200 and done.json()["status"] == "responded"
    envs = await events_of(stack_env.bootstrap, COMPLAINTS, cid, 4)
    assert [e.type for e in envs] == ["ComplaintFiled", "ComplaintVerified", "ComplaintRouted",
                                      "ComplaintResponded"]
    assert envs[2].data.division == "rehsos" and envs[2].data.routed_by == "sekretariat"
    assert (envs[3].data.channel, envs[3].data.responded_by) == ("telepon", "kabid-rehsos")


async def test_a_rejected_complaint_is_closed_with_its_reason_and_takes_no_step(http,
                                                                                stack_env):
    cid = (await file(http))["complaint_id"]
    r = await http.post(f"/complaints/{cid}/rejection", json={"reason": "Pesan promosi"},
                        headers=SECRETARIAT)
    assert r.status_code == 200 and r.json()["status"] == "rejected", r.text
    before = await offsets(stack_env.bootstrap, (COMPLAINTS,))
    for step, body in [("verification", None), ("rejection", {"reason": "lagi"}),
                       ("routing", {"division": "rehsos"})]:
        again = await http.post(f"/complaints/{cid}/{step}", json=body, headers=SECRETARIAT)
        assert again.status_code == 409 and "ditolak" in again.json()["detail"], again.text
    assert await offsets(stack_env.bootstrap, (COMPLAINTS,)) == before
    [_, rejected] = await events_of(stack_env.bootstrap, COMPLAINTS, cid, 2)
    assert (rejected.type, rejected.data.reason) == ("ComplaintRejected", "Pesan promosi")


@pytest.mark.parametrize("body,field", [
    (complaint_body(lapor_tracking_id=None), "lapor_tracking_id"),
    (complaint_body(channel="website"), "lapor_tracking_id"),
    (complaint_body(identity=None), "identity"),
    (complaint_body(anonymous=True), "identity"),
    # only SP4N-LAPOR! may be anonymous: a direct complaint needs an identity document
    (complaint_body(channel="website", lapor_tracking_id=None, identity=None,
                    anonymous=True), "anonymous"),
    (complaint_body(identity=ktp("3100001205850042")), "identity.number"),
    (complaint_body(channel="fax"), "channel"),
])
async def test_bad_complaints_are_422_and_write_nothing(http, stack_env, body, field):
    before = await offsets(stack_env.bootstrap)
    r = await http.post("/complaints", json=body, headers=FRONT)
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]]
    assert await offsets(stack_env.bootstrap) == before


@pytest.mark.parametrize("step,body,who", [
    ("verification", None, FRONT), ("verification", None, KADIS),
    ("response", {"response": "x", "channel": "surat"}, FRONT),
    ("closure", {"resolution": "x"}, auth("analis")),
    ("routing", {"division": "rehsos"}, KADIS), ("rejection", {"reason": "spam"}, FRONT),
    ("response", {"response": "x", "channel": "surat"}, auth("petugas-rehsos-1")),
])
async def test_wrong_roles_are_403_and_write_nothing(http, stack_env, step, body, who):
    cid = (await file(http))["complaint_id"]
    before = await offsets(stack_env.bootstrap)
    r = await http.post(f"/complaints/{cid}/{step}", json=body, headers=who)
    assert r.status_code == 403
    assert await offsets(stack_env.bootstrap) == before
    assert (await http.post("/complaints", json=complaint_body(),
                            headers=auth("kadis"))).status_code == 403
    assert (await http.post("/complaints", json=complaint_body())).status_code == 401


async def test_the_same_idempotency_key_files_once(http, stack_env):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    one = await http.post("/complaints", json=complaint_body(), headers={**FRONT, **key})
    two = await http.post("/complaints", json=complaint_body(), headers={**FRONT, **key})
    assert one.status_code == two.status_code == 201 and one.json() == two.json()
    assert len(await events_of(stack_env.bootstrap, COMPLAINTS, one.json()["complaint_id"],
                               1)) == 1
    cid = one.json()["complaint_id"]
    key = {"Idempotency-Key": str(uuid.uuid4())}
    v1 = await http.post(f"/complaints/{cid}/verification", headers={**SECRETARIAT, **key})
    v2 = await http.post(f"/complaints/{cid}/verification", headers={**SECRETARIAT, **key})
    assert v1.status_code == v2.status_code == 200 and v1.json() == v2.json()
    envs = await events_of(stack_env.bootstrap, COMPLAINTS, cid, 2)
    assert [e.type for e in envs] == ["ComplaintFiled", "ComplaintVerified"]


ENDPOINTS = [
    ("POST", "/visits"), ("POST", "/requests"), ("POST", f"/requests/{uuid.uuid4()}/withdrawal"),
    ("GET", f"/requests/{uuid.uuid4()}"), ("POST", "/complaints"),
    ("POST", f"/complaints/{uuid.uuid4()}/verification"),
    ("POST", f"/complaints/{uuid.uuid4()}/response"),
    ("POST", f"/complaints/{uuid.uuid4()}/closure"), ("GET", "/complaints/ADU-2026-000000"),
    ("POST", f"/complaints/{uuid.uuid4()}/routing"),
    ("POST", f"/complaints/{uuid.uuid4()}/rejection"),
    ("POST", "/identities/erasure"),
]


@pytest.mark.parametrize("method,path", ENDPOINTS)
async def test_every_endpoint_needs_a_token_and_a_staff_role(http, stack_env, method, path):
    before = await offsets(stack_env.bootstrap)
    body = {} if method == "POST" else None
    for headers in ({}, {"Authorization": "Bearer x.y.z"}):
        r = await http.request(method, path, json=body, headers=headers)
        assert r.status_code == 401 and r.json()["status"] == 401
    citizen = auth("frontdesk", roles=["citizen"])
    r = await http.request(method, path, json=body, headers=citizen)
    assert r.status_code == 403, r.text
    assert await offsets(stack_env.bootstrap) == before
