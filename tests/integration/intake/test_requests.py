"""Guest book and audience requests against the real broker: what each endpoint writes on the
topic, and that refusals write nothing."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest

from chassis.idempotency import body_hash
from chassis.kafka import new_producer
from chassis.keystore import open_keystore
from chassis.redis import make_redis
from chassis.sealing import Sealer
from chassis.settings import get_settings
from contracts.sealed import is_sealed
from contracts.topics import DEADLETTER, INTAKE, command_topic
from services.intake.schemas import RequestIn
from tests.support.auth import auth

from .support import (
    NIK_2,
    TODAY,
    events_of,
    ktp,
    letter_body,
    offsets,
    topic_events,
    visit_body,
    walk_in_body,
)

FRONT = auth("frontdesk")
SECRETARIAT = auth("sekretariat")


def opener() -> Sealer:
    """Opens tokens as intake does: the stack's key store (Redis), the data dir's master."""
    return Sealer(open_keystore(get_settings()))


async def test_a_check_in_writes_one_visitor_checked_in_with_the_identity_sealed(http,
                                                                                 stack_env):
    correlation = str(uuid.uuid4())
    r = await http.post("/visits", json=visit_body(),
                        headers={**FRONT, "X-Correlation-Id": correlation})
    assert r.status_code == 201, r.text
    visit_id = r.json()["visit_id"]
    assert r.json()["events"][0]["type"] == "VisitorCheckedIn"
    [env] = await events_of(stack_env.bootstrap, INTAKE, visit_id, 1)
    assert (env.type, env.sequence, env.source, env.subject) == (
        "VisitorCheckedIn", 1, "intake", visit_id)
    assert (env.actorid, env.actorrole, env.correlationid) == ("frontdesk", "front_office",
                                                               correlation)
    assert env.causationid and env.id == r.json()["events"][0]["id"]
    identity = env.data.identity
    assert identity.ref.startswith("hmac-sha256:") and identity.key_id == f"visit:{visit_id}"
    # every personal field is a token under the visit's key; the key store opens them
    opened = opener()
    assert identity.kind == "KTP" and opened.open(identity.masked) == "1971**********01"
    assert opened.open(env.data.name) == "Siti Aminah"
    assert opened.open(env.data.purpose) == "konsultasi bantuan PKH"
    assert all(is_sealed(v) for v in (identity.masked, identity.sealed, env.data.name,
                                       env.data.purpose))


async def test_a_letter_is_requested_and_registered_with_an_agenda_number(http, stack_env):
    r = await http.post("/requests", json=letter_body(), headers=SECRETARIAT)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["status"] == "registered" and body["agenda_number"].startswith(
        f"AUD/{TODAY.year}/")
    assert r.headers["location"] == f"/requests/{body['case_id']}"
    envs = await events_of(stack_env.bootstrap, INTAKE, body["case_id"], 2)
    assert [(e.type, e.sequence) for e in envs] == [("AudienceRequested", 1),
                                                    ("RequestRegistered", 2)]
    requested, registered = (e.data for e in envs)
    assert requested.channel == "letter" and not requested.urgent
    assert requested.letter.referral_from == "Dinas Sosial Kabupaten Bangka"
    assert requested.form.topics == ["PKH", "BPNT"] and requested.applicant.identity is None
    assert registered.agenda_number == body["agenda_number"]
    assert {e.actorrole for e in envs} == {"secretariat"}
    assert [{"id": e.id, "type": e.type} for e in envs] == body["events"]
    assert envs[0].causationid == envs[1].causationid and envs[0].correlationid


async def test_a_walk_in_gets_the_visitors_identity_and_an_agenda_number(http, stack_env):
    visit = (await http.post("/visits", json=visit_body(NIK_2, "Rahmawati"), headers=FRONT)).json()
    r = await http.post("/requests", json=walk_in_body(visit["visit_id"]), headers=FRONT)
    assert r.status_code == 201, r.text
    envs = await events_of(stack_env.bootstrap, INTAKE, r.json()["case_id"], 2)
    assert [e.type for e in envs] == ["AudienceRequested", "RequestRegistered"]
    applicant = envs[0].data.applicant
    opened = opener()  # the visitor's tokens, carried over (the visit's key)
    assert opened.open(applicant.name) == "Rahmawati"
    assert opened.open(applicant.identity.masked) == "1971**********07"
    # the visit is used up: a second request on it is refused and writes nothing
    before = await offsets(stack_env.bootstrap, (INTAKE,))
    again = await http.post("/requests", json=walk_in_body(visit["visit_id"]), headers=FRONT)
    assert again.status_code == 409 and "sudah dipakai" in again.json()["detail"]
    assert await offsets(stack_env.bootstrap, (INTAKE,)) == before


async def test_an_urgent_walk_in_is_requested_without_an_agenda_number(http, stack_env):
    visit = (await http.post("/visits", json=visit_body(), headers=FRONT)).json()
    r = await http.post("/requests", json=walk_in_body(visit["visit_id"], urgent=True),
                        headers=FRONT)
    assert r.status_code == 201, r.text
    assert r.json()["agenda_number"] is None and r.json()["status"] == "requested"
    envs = await events_of(stack_env.bootstrap, INTAKE, r.json()["case_id"], 1)
    assert [(e.type, e.data.urgent, e.data.visit_id) for e in envs] == [
        ("AudienceRequested", True, visit["visit_id"])]


async def test_a_walk_in_without_a_guest_book_visit_is_refused(http, stack_env):
    before = await offsets(stack_env.bootstrap, (INTAKE,))
    r = await http.post("/requests", json=walk_in_body(str(uuid.uuid4())),
                        headers={**FRONT, "Accept-Language": "en"})
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    assert "guest book" in r.json()["detail"]
    assert await offsets(stack_env.bootstrap, (INTAKE,)) == before


async def test_withdrawal_right_after_creation_then_refused_a_second_time(http, stack_env):
    case_id = (await http.post("/requests", json=letter_body(), headers=FRONT)).json()["case_id"]
    r = await http.post(f"/requests/{case_id}/withdrawal", json={"reason": "sudah teratasi"},
                        headers=SECRETARIAT)
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "withdrawn" and r.json()["case_id"] == case_id
    envs = await events_of(stack_env.bootstrap, INTAKE, case_id, 3)
    assert [(e.type, e.sequence) for e in envs][-1] == ("RequestWithdrawn", 3)
    assert envs[-1].data.reason == "sudah teratasi" and envs[-1].actorid == "sekretariat"
    before = await offsets(stack_env.bootstrap, (INTAKE,))
    again = await http.post(f"/requests/{case_id}/withdrawal", json={"reason": "lagi"},
                            headers=SECRETARIAT)
    assert again.status_code == 409 and again.json()["detail"] == (
        "Permohonan sudah ditarik sebelumnya")
    assert await offsets(stack_env.bootstrap, (INTAKE,)) == before
    state = (await http.get(f"/requests/{case_id}", headers=auth("kadis"))).json()
    assert state["status"] == "withdrawn" and state["withdrawal_reason"] == "sudah teratasi"


async def test_get_serves_the_current_state(http):
    created = (await http.post("/requests", json=letter_body(), headers=FRONT)).json()
    r = await http.get(f"/requests/{created['case_id']}", headers=auth("kadis"))
    assert r.status_code == 200, r.text
    state = r.json()
    assert state["status"] == "registered" and state["agenda_number"] == created["agenda_number"]
    assert state["applicant"]["name"] == "Budi Santoso" and state["letter"]["number"]
    assert (await http.get(f"/requests/{uuid.uuid4()}", headers=FRONT)).status_code == 404
    assert (await http.get("/requests/not-a-case", headers=FRONT)).status_code == 404
    assert (await http.get(f"/requests/{created['case_id']}")).status_code == 401


@pytest.mark.parametrize("path,body,headers,status", [
    ("/visits", visit_body(), {}, 401),
    ("/visits", visit_body(), {"Authorization": "Bearer not-a-token"}, 401),
    ("/visits", visit_body(), SECRETARIAT, 403),
    ("/requests", letter_body(), {}, 401),
    ("/requests", letter_body(), auth("analis"), 403),
    ("/requests", letter_body(), auth("kadis"), 403),
    (f"/requests/{uuid.uuid4()}/withdrawal", {"reason": "x"}, auth("petugas-rehsos-1"), 403),
])
async def test_no_token_or_a_wrong_role_writes_nothing(http, stack_env, path, body, headers,
                                                       status):
    before = await offsets(stack_env.bootstrap)
    r = await http.post(path, json=body, headers=headers)
    assert r.status_code == status and r.headers["content-type"] == "application/problem+json"
    assert await offsets(stack_env.bootstrap) == before


EXPIRED = (TODAY - timedelta(days=1)).isoformat()
LETTER_WITHOUT_DATE = {"number": "1/2026", "addressed_to": "Kadis", "sender": "Kades"}


@pytest.mark.parametrize("path,body,field", [
    ("/visits", visit_body("197101570890001"), "identity.number"),  # 15 digits
    ("/visits", visit_body("9971015708900001"), "identity.number"),  # unknown province 99
    ("/visits", visit_body("1971013102900001"), "identity.number"),  # 31 February
    ("/visits", visit_body("1971017208900001"), "identity.number"),  # woman's day 32
    ("/visits", {**visit_body(), "identity": ktp(valid_until=EXPIRED)}, "identity.valid_until"),
    ("/visits", {**visit_body(), "identity": {"kind": "SIM", "number": "123456789012"}},
     "identity.valid_until"),
    ("/visits", {**visit_body(), "identity": {"kind": "PASPOR", "number": "12345678",
                                              "valid_until": "2030-01-01"}}, "identity.number"),
    ("/requests", letter_body(letter=None), "letter"),
    ("/requests", letter_body(letter=LETTER_WITHOUT_DATE), "letter.dated"),
    ("/requests", letter_body(urgent=True), "urgent"),
    ("/requests", {**walk_in_body("v"), "visit_id": None}, "visit_id"),
    ("/requests", {**walk_in_body("v", urgent=True), "letter": letter_body()["letter"]},
     "letter"),
    ("/requests", letter_body(applicant={"name": "B", "identity": ktp("1971010000900001")}),
     "applicant.identity.number"),
])
async def test_bad_input_is_422_with_field_errors_and_writes_nothing(http, stack_env, path, body,
                                                                     field):
    before = await offsets(stack_env.bootstrap)
    r = await http.post(path, json=body, headers=FRONT if path == "/visits" else SECRETARIAT)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    errors = r.json()["errors"]
    assert field in [e["field"] for e in errors] and all(e["reason"] for e in errors)
    assert "1971" not in r.text and "9971" not in r.text and "12345678" not in r.text
    assert await offsets(stack_env.bootstrap) == before


async def test_field_errors_are_in_bahasa_indonesia_or_english(http):
    body = visit_body("9971015708900001")
    id_ = await http.post("/visits", json=body, headers=FRONT)
    en = await http.post("/visits", json=body, headers={**FRONT, "Accept-Language": "en"})
    assert id_.json()["errors"][0]["reason"] == "Kode provinsi pada NIK tidak dikenal"
    assert en.json()["errors"][0]["reason"] == "The NIK's province code is not a real province"


async def test_the_same_idempotency_key_twice_writes_once(http, stack_env):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    before = sum(sum(p.values()) for p in (await offsets(stack_env.bootstrap, (INTAKE,))).values())
    first = await http.post("/requests", json=letter_body(), headers={**FRONT, **key})
    second = await http.post("/requests", json=letter_body(), headers={**FRONT, **key})
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    after = sum(sum(p.values()) for p in (await offsets(stack_env.bootstrap, (INTAKE,))).values())
    assert after - before == 2  # AudienceRequested + RequestRegistered, once
    envs = await events_of(stack_env.bootstrap, INTAKE, first.json()["case_id"], 2)
    assert len(envs) == 2
    other = await http.post("/requests", json=letter_body(purpose="lain"),
                            headers={**FRONT, **key})
    assert other.status_code == 422 and other.json()["errors"][0]["field"] == "Idempotency-Key"


async def test_idempotent_withdrawal_and_check_in(http, stack_env):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    one = await http.post("/visits", json=visit_body(), headers={**FRONT, **key})
    two = await http.post("/visits", json=visit_body(), headers={**FRONT, **key})
    assert one.json() == two.json()
    assert len(await read_subject(stack_env, one.json()["visit_id"])) == 1
    case_id = (await http.post("/requests", json=letter_body(), headers=FRONT)).json()["case_id"]
    key = {"Idempotency-Key": str(uuid.uuid4())}
    w1 = await http.post(f"/requests/{case_id}/withdrawal", json={"reason": "x"},
                         headers={**FRONT, **key})
    w2 = await http.post(f"/requests/{case_id}/withdrawal", json={"reason": "x"},
                         headers={**FRONT, **key})
    assert w1.status_code == w2.status_code == 200 and w1.json() == w2.json()
    assert [e.type for e in await read_subject(stack_env, case_id)].count("RequestWithdrawn") == 1


async def read_subject(stack_env, subject: str):
    return await topic_events(stack_env.bootstrap, INTAKE, subject)


async def test_an_undecodable_command_is_dead_lettered_and_the_owner_goes_on(http, stack_env):
    key = str(uuid.uuid4())
    producer = new_producer(bootstrap_servers=stack_env.bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(command_topic("intake"), b"\xffnot a command",
                                     key=key.encode())
    finally:
        await producer.stop()
    [letter] = await events_of(stack_env.bootstrap, DEADLETTER, key, 1)
    assert letter.data.consumer == "intake" and "not a command" in letter.data.error
    assert letter.data.original_topic == command_topic("intake")
    r = await http.post("/requests", json=letter_body(), headers=FRONT)
    case_id = r.json()["case_id"]
    assert (await http.get(f"/requests/{case_id}", headers=FRONT)).status_code == 200


async def test_a_key_left_pending_by_a_crashed_process_is_usable_once_its_marker_expires(
        http, stack_env):
    """A process killed mid-command leaves its "pending" marker behind; the marker expires
    (chassis.idempotency.PENDING_TTL) and the retry runs, as the same command."""
    key = str(uuid.uuid4())
    body = letter_body()
    digest = body_hash(RequestIn.model_validate(body).model_dump(mode="json"))
    redis = make_redis(stack_env.redis_url)
    try:  # what the dead process left, about to expire
        await redis.set(f"audiensi:idem:intake:frontdesk:{key}",
                        json.dumps({"state": "pending", "hash": digest}), px=1500)
    finally:
        await redis.aclose()
    r = await http.post("/requests", json=body, headers={**FRONT, "Idempotency-Key": key})
    assert r.status_code == 201, r.text
    again = await http.post("/requests", json=body, headers={**FRONT, "Idempotency-Key": key})
    assert again.json() == r.json()
    assert len(await read_subject(stack_env, r.json()["case_id"])) == 2
