"""Records that cannot be projected become dead letters with the reason."""

import base64
import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from contracts import decode, encode
from services.reporting import scenarios as sc
from services.reporting.records import MAX_PAYLOAD, Poison, dead_letter, item_of

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)

pytestmark = pytest.mark.unit


def record(value, key=b"c1", topic="audiensi.intake.v1", partition=2, offset=7):
    return SimpleNamespace(value=value, key=key, topic=topic, partition=partition, offset=offset)


def test_a_good_record_becomes_an_item_of_its_partition():
    env = sc.letter_case("c1", until="requested")[0]
    p, item = item_of(record(encode(env)))
    assert p == 2 and item.subject == "c1" and item.entry["id"] == env.id


@pytest.mark.parametrize("value,key,why", [
    (b"{not json", b"c1", "not JSON"),
    (b'{"specversion":"1.0","type":"Nope"}', b"c1", "unknown event type"),
    (None, b"c1", "no value"),
])
def test_poison(value, key, why):
    with pytest.raises(Poison, match=why):
        item_of(record(value, key))


def test_key_must_be_the_subject():
    env = sc.letter_case("c1", until="requested")[0]
    with pytest.raises(Poison, match="not the event subject"):
        item_of(record(encode(env), key=b"other"))


def test_dead_letter_carries_the_original_bytes_and_a_stable_id():
    rec = record(b"\xff\x00junk")
    env = dead_letter(rec, "not JSON", NOW)
    assert env.time == NOW
    dl = env.data
    assert (dl.original_topic, dl.partition, dl.offset, dl.key, dl.consumer) == (
        "audiensi.intake.v1", 2, 7, "c1", "reporting")
    assert base64.b64decode(dl.payload) == b"\xff\x00junk"
    assert dead_letter(rec, "not JSON", NOW).id == env.id
    assert decode(encode(env)).data == dl


def test_huge_poison_is_truncated_below_the_broker_limit():
    env = dead_letter(record(b"x" * (2 * MAX_PAYLOAD)), "too big", NOW)
    assert len(encode(env)) < 1_000_000 and "truncated" in env.data.error


def test_the_reason_never_echoes_the_values():
    env = sc.letter_case("c1", until="requested")[0]
    body = json.loads(encode(env))
    body["data"]["applicant"]["name"] = 3171234567890123  # a NIK where a name belongs
    body["data"]["channel"] = "pigeon"
    with pytest.raises(Poison) as exc:
        item_of(record(json.dumps(body).encode()))
    why = str(exc.value)
    assert "applicant.name" in why and "channel" in why
    assert "3171234567890123" not in why and "pigeon" not in why
