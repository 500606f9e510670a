"""The read path's msgspec decoder against the authority, `contracts.decode` (pydantic):
over generated envelopes of every event type (valid ones, and ones with a field replaced
by an awkward value, dropped, or added), `read` accepts exactly what `decode` accepts, with
equal values, and refuses the rest with decode's DecodeError; the strict fast path alone
never accepts what `decode` refuses, and takes every record our writers produce."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts import DecodeError, decode, encode, envelope, upcaster
from contracts.codec import UPCASTERS
from contracts.disposition import CaseDisposed
from contracts.fastcodec import decode_fast, read
from contracts.samples import samples
from services.reporting.facts import entry_of

pytestmark = pytest.mark.unit

SAMPLES = samples()
BODIES = [json.loads(encode(envelope(e, source="test", sequence=3, actorid="u1",
                                     correlationid="k", causationid="c")))
          for e in SAMPLES]

AWKWARD = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 3), st.integers(2**63, 2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([1.0, 2.5, -0.0, 1e308]),
    st.text(max_size=8), st.lists(st.text(max_size=3), max_size=2), st.just({}),
    st.sampled_from([
        "1", "0", "true", "yes", "2026-03-02T01:30:00Z", "2026-03-02T01:30:00+07:00",
        "2026-03-02T01:30:00", "2026-03-02 01:30:00Z", "2026-03-02T01:30:00.1234567Z",
        "2026-03-02T01:30:00,1234567Z", "2026-03-02T01:30:00,123Z", "0.12345678",
        "12:30.1234567",
        "2026-03-02T01:30Z", "2026-03-02t01:30:00z", "2026-03-02T24:00:00Z",
        "2026-03-02T01:30:00+24:00", "2026-02-30T00:00:00Z", "2026-03-02", "20260302",
        "1700000000", "AUD/2026/000001", "AUD/2026/000001\n", "AUD/２０２６/000001",
        "KTP", "ktp", "letter", "met", "at_risk", "biasa", "1.0", "application/json",
        "\ud800", "\x00", "CaseClosed",
    ]),
)


def paths(value, prefix=()):
    """Every key path of a JSON body (into nested objects and lists)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield (*prefix, k)
            yield from paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield (*prefix, i)
            yield from paths(v, (*prefix, i))


def mutated(body, path, action, value):
    body = json.loads(json.dumps(body))
    *head, last = path
    node = body
    for k in head:
        node = node[k]
    if action == "drop" and isinstance(node, dict):
        del node[last]
    elif action == "add" and isinstance(node, dict):
        node[f"x_{last}"] = value
    else:
        node[last] = value
    return body


@st.composite
def bodies(draw):
    body = draw(st.sampled_from(BODIES))
    action = draw(st.sampled_from(["keep", "set", "set", "drop", "add"]))
    if action == "keep":
        return body
    path = draw(st.sampled_from(list(paths(body))))
    return mutated(body, path, action, draw(AWKWARD))


def normal(value):
    """A comparable form of either decoder's result (structs or models, nested)."""
    if isinstance(value, datetime):
        return ("dt", value.isoformat(), value.utcoffset())
    if isinstance(value, date):
        return ("d", value.isoformat())
    if isinstance(value, list):
        return [normal(v) for v in value]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return (type(value).__name__, value)
    names = (type(value).model_fields if hasattr(type(value), "model_fields")
             else value.__struct_fields__)
    return {n: normal(getattr(value, n)) for n in names}


def outcome(fn, raw):
    try:
        return True, fn(raw)
    except DecodeError:
        return False, None


def check(raw: bytes) -> None:
    ok, slow = outcome(decode, raw)
    ok_read, fast = outcome(read, raw)
    assert ok == ok_read
    if ok:
        assert normal(fast) == normal(slow)
        assert fast.topic == slow.topic
        if slow.type != "DeadLettered":  # the one type reporting does not project
            assert entry_of(fast, fast.topic) == entry_of(slow, slow.topic)
    strict = decode_fast(raw)
    if strict is not None:
        assert ok, "the fast path accepted what contracts.decode refuses"
        assert normal(strict) == normal(slow)


@pytest.mark.parametrize("body", BODIES, ids=lambda b: b["type"])
def test_the_fast_path_takes_every_event_our_writers_encode(body):
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    env = decode_fast(raw)
    assert env is not None
    assert normal(env) == normal(decode(raw))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(bodies())
def test_both_decoders_accept_and_refuse_the_same_envelopes(body):
    check(json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass"))


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=40) | st.sampled_from(
    [b"[]", b"null", b"{}", b'{"specversion":"1.0"}', b"\xef\xbb\xbf{}",
     json.dumps(BODIES[2]).encode("utf-16"), json.dumps(BODIES[2]).encode() + b" x",
     b"\xef\xbb\xbf" + json.dumps(BODIES[2]).encode(),
     json.dumps(BODIES[2]).replace('"sequence":3', '"sequence":3,"sequence":0').encode()]))
def test_both_decoders_refuse_the_same_bytes(raw):
    check(raw)


@pytest.mark.parametrize("stamp", ["2026-03-02T01:30:00.1234567Z",
                                   "2026-03-02T01:30:00.9999999+07:00",
                                   "2026-03-02T01:30:00,1234567Z", "2026-03-02T01:30:00,5Z"])
def test_more_than_microseconds_or_a_decimal_comma_are_left_to_pydantic(stamp):
    """msgspec rounds sub-microseconds (pydantic truncates) and refuses a decimal comma
    (pydantic takes it): neither reaches the fast path, and `read` equals `decode`."""
    body = json.loads(json.dumps(BODIES[0]))
    body["time"] = stamp
    raw = json.dumps(body).encode()
    assert decode_fast(raw) is None
    check(raw)
    assert read(raw).time == decode(raw).time


def test_an_older_schema_version_goes_through_the_upcaster(monkeypatch):
    monkeypatch.setattr(CaseDisposed, "SCHEMA_VERSION", 2)

    @upcaster("CaseDisposed", 1)
    def rename(data):
        data = dict(data)
        data["instructions"] = data.pop("note")
        return data

    try:
        old = {"specversion": "1.0", "id": "e1", "type": "CaseDisposed", "source": "disposition",
               "subject": "c1", "time": "2026-01-01T00:00:00Z", "schemaversion": 1,
               "sequence": 1, "data": {"case_id": "c1", "division": "rehsos", "note": "go",
                                       "disposed_by": "kadis"}}
        raw = json.dumps(old).encode()
        assert decode_fast(raw) is None  # not the current version: not the fast path's
        env = read(raw)
        assert env.data.instructions == "go" and env.schemaversion == 2
        check(raw)
        current = {**old, "schemaversion": 2,
                   "data": {**old["data"], "instructions": "go"}}
        current["data"].pop("note")
        check(json.dumps(current).encode())
    finally:
        UPCASTERS.pop(("CaseDisposed", 1))
