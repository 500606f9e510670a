"""Identity numbers never leave the front desk in clear: not on any topic (events, commands,
changelogs), not in Redis, not in the logs, not in a response; and erasing a person deletes
their data key, after which the sealed copies on the topics cannot be read."""

from __future__ import annotations

from pathlib import Path

import pytest

from chassis.kafka import new_consumer
from chassis.keystore import open_keystore
from chassis.redis import make_redis
from chassis.sealing import Sealer
from chassis.settings import get_settings
from contracts.topics import COMPLAINTS, INTAKE
from services.intake.vault import IdentityErased, IdentityVault
from tests.support.auth import auth
from tests.support.kafka import read_raw

from .support import (
    NIK,
    NIK_2,
    NIK_3,
    events_of,
    ktp,
    letter_body,
    visit_body,
    walk_in_body,
)

FRONT = auth("frontdesk")
NIK_LETTER = "1906034404920003"  # Babel, Bangka Selatan; woman born 04-04-1992
NIK_BAD_PROVINCE = "9906034404920003"
NIK_EXPIRED = "1905011011750011"
NIK_ERASED = "1904026303010005"  # woman born 23-03-2001
SIM = "120987654321"
ALL = [NIK, NIK_2, NIK_3, NIK_LETTER, NIK_BAD_PROVINCE, NIK_EXPIRED, NIK_ERASED, SIM]

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def responses() -> list[str]:
    return []


async def call(http, responses, method: str, path: str, **kw):
    r = await http.request(method, path, **kw)
    responses.append(f"{r.status_code} {dict(r.headers)} {r.text}")
    return r


async def test_traffic_with_identity_numbers(http, responses):
    """Every path an identity number can take: accepted, refused, replayed, erased."""
    key = {"Idempotency-Key": "pii-visit-1"}
    for _ in range(2):
        visit = await call(http, responses, "POST", "/visits", json=visit_body(NIK),
                           headers={**FRONT, **key})
        assert visit.status_code == 201
    walk_in = walk_in_body(visit.json()["visit_id"])
    created = await call(http, responses, "POST", "/requests", json=walk_in, headers=FRONT)
    assert created.status_code == 201
    shown = await call(http, responses, "GET", f"/requests/{created.json()['case_id']}",
                       headers=FRONT)
    assert shown.json()["applicant"]["identity"]["masked"] == "1971**********01"
    letter = letter_body(applicant={"name": "Dewi", "identity": ktp(NIK_LETTER)})
    assert (await call(http, responses, "POST", "/requests", json=letter,
                       headers=FRONT)).status_code == 201
    complaint = {"channel": "in_person", "identity": ktp(NIK_3), "subject": "s", "content": "c"}
    assert (await call(http, responses, "POST", "/complaints", json=complaint,
                       headers=FRONT)).status_code == 201
    sim = {**visit_body(), "identity": {"kind": "SIM", "number": SIM,
                                        "valid_until": "2030-01-01"}}
    assert (await call(http, responses, "POST", "/visits", json=sim,
                       headers=FRONT)).status_code == 201
    for bad in (visit_body(NIK_BAD_PROVINCE),
                {**visit_body(), "identity": ktp(NIK_EXPIRED, valid_until="2020-01-01")},
                {**visit_body(NIK_2), "identity": {"kind": "KTP", "number": NIK_2 + "9"}},
                {**visit_body(NIK_2), "identity": {"kind": "KITAS", "number": NIK_2}}):
        assert (await call(http, responses, "POST", "/visits", json=bad,
                           headers=FRONT)).status_code == 422
    # the same key with another number: refused without echoing it
    other = await call(http, responses, "POST", "/visits", json=visit_body(NIK_2),
                       headers={**FRONT, **key})
    assert other.status_code == 422


async def test_erasing_a_person_makes_the_sealed_copies_unreadable(http, stack_env, responses):
    control = await call(http, responses, "POST", "/visits", json=visit_body(NIK_2),
                         headers=FRONT)  # another person, checked in before the erasure
    visit = await call(http, responses, "POST", "/visits", json=visit_body(NIK_ERASED),
                       headers=FRONT)
    [env] = await events_of(stack_env.bootstrap, INTAKE, visit.json()["visit_id"], 1)
    sealed = env.data.identity
    keys = open_keystore(get_settings())  # intake's: the stack's Redis, the data dir's master
    assert IdentityVault(keys).reveal(sealed) == NIK_ERASED  # readable at the front desk
    body = {"kind": "KTP", "number": NIK_ERASED}
    assert (await call(http, responses, "POST", "/identities/erasure", json=body,
                       headers=FRONT)).status_code == 403
    erased = await call(http, responses, "POST", "/identities/erasure", json=body,
                        headers=auth("admin"))
    assert erased.status_code == 200, erased.text
    answer = erased.json()
    assert answer["ref"] == sealed.ref and answer["erased"] is True
    assert answer["scope"] == "identity"
    assert answer["records"] == [{"kind": "visit", "id": visit.json()["visit_id"]}]
    [event] = answer["events"]
    assert event["type"] == "PersonalDataErased"
    both = await events_of(stack_env.bootstrap, INTAKE, visit.json()["visit_id"], 2)
    [written] = [e for e in both if e.type == "PersonalDataErased"]
    assert written.data.visit_ids == [visit.json()["visit_id"]]
    with pytest.raises(IdentityErased):
        IdentityVault(keys).reveal(sealed)
    # the record's own key is gone too: its name and phone no longer open
    sealer = Sealer(keys, ttl=0)
    assert sealer.open(env.data.name) is None and sealer.open(env.data.phone) is None
    # every other person is still readable (this test's own control: other tests put
    # look-alike check-ins with sample tokens, which open to nothing, on the shared topic)
    [other] = await events_of(stack_env.bootstrap, INTAKE, control.json()["visit_id"], 1)
    assert other.data.identity.ref != sealed.ref
    assert IdentityVault(keys).reveal(other.data.identity) == NIK_2


async def all_topic_bytes(bootstrap: str) -> bytes:
    consumer = new_consumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        topics = sorted(await consumer.topics())
    finally:
        await consumer.stop()
    assert INTAKE in topics and COMPLAINTS in topics
    assert any("changelog" in t for t in topics) and "audiensi.intake.registrar.v1" in topics
    chunks = []
    for topic in topics:
        for _, _, key, value in await read_raw(bootstrap, topic):
            chunks += [key or b"", value or b""]
    return b"\n".join(chunks)


async def all_redis_bytes(url: str) -> bytes:
    client = make_redis(url)
    chunks = []
    try:
        async for key in client.scan_iter(count=500):
            chunks.append(key)
            kind = (await client.type(key)).decode()
            if kind == "string":
                chunks.append(await client.get(key) or b"")
            elif kind == "list":
                chunks += await client.lrange(key, 0, -1)
            elif kind == "hash":
                for k, v in (await client.hgetall(key)).items():
                    chunks += [k, v]
    finally:
        await client.aclose()
    return b"\n".join(chunks)


def all_files_bytes(root: Path) -> bytes:
    """Everything on disk under the data dir: Kafka's log segments, the key store, the
    service logs."""
    return b"\n".join(p.read_bytes() for p in root.rglob("*") if p.is_file())


async def test_no_identity_number_appears_anywhere_except_masked(intake, stack_env, responses):
    places = {
        "topics": await all_topic_bytes(stack_env.bootstrap),
        "redis": await all_redis_bytes(stack_env.redis_url),
        "intake logs": b"".join(p.read_bytes()
                                for p in (stack_env.data_dir / "logs").glob("intake-*.log")),
        "files": all_files_bytes(stack_env.data_dir),
        "responses": "\n".join(responses).encode(),
    }
    assert len(places["topics"]) > 10_000 and responses
    for name, data in places.items():
        for number in ALL:
            assert number.encode() not in data, f"{number} in clear in {name}"
    # the masked number, the names and the phones are sealed on the wire and at rest too;
    # only a staff member's answer shows them
    for clear in (b"1971**********01", b"Siti Aminah", b"0812 7000 1111", b"Budi Santoso"):
        assert clear not in places["topics"], f"{clear!r} in clear on a topic"
        assert clear not in places["redis"], f"{clear!r} in clear in Redis"
    assert b"1971**********01" in places["responses"]
