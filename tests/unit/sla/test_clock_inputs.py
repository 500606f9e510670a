"""Messages off the stream -> decider inputs; table values; read-model writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from chassis.auth import Principal
from chassis.commands import CommandMessage
from contracts import encode, envelope
from contracts.disposition import CaseDisposed, DispositionReceived, OfficerAssigned
from contracts.topics import DISPOSITION
from services.sla import readmodel
from services.sla.domain import Acknowledge, Fact, Tick
from services.sla.inputs import (
    COMMANDS,
    BadInput,
    parse,
    relevant_types,
    tick_message,
    ticks_message,
)
from services.sla.processor import pack, unpack, unpack_head
from tests.unit.sla.clock_support import POLICIES, given, informed, received, tick

RELEVANT = relevant_types(POLICIES)
NOW = datetime(2026, 4, 6, 1, 0, tzinfo=UTC)


def raw(event, seq: int = 1) -> bytes:
    return encode(envelope(event, source="disposition", sequence=seq, time=NOW))


def test_a_policy_event_becomes_a_fact_with_its_own_time_and_sequence():
    [parsed] = parse(DISPOSITION, raw(DispositionReceived(case_id="c1", division="rehsos",
                                                           received_by="k"), seq=7), RELEVANT)
    assert parsed.subject == "c1" and isinstance(parsed.input, Fact)
    fact = parsed.input
    assert (fact.event_type, fact.source, fact.sequence, fact.time) == (
        "DispositionReceived", "disposition", 7, NOW)
    assert fact.data["division"] == "rehsos"


def test_events_no_policy_cares_about_are_skipped():
    event = OfficerAssigned(case_id="c1", officer_id="o", assigned_by="k")
    assert parse(DISPOSITION, raw(event), RELEVANT) == []


def test_division_events_are_read_even_without_a_policy():
    event = CaseDisposed(case_id="c1", division="rehsos", instructions="-", disposed_by="k")
    assert len(parse(DISPOSITION, raw(event), RELEVANT)) == 1


@pytest.mark.parametrize("value", [b"not json", b"[1, 2]", json.dumps(
    {"specversion": "1.0", "type": "DispositionReceived", "data": {}}).encode()])
def test_unreadable_messages_are_refused(value):
    with pytest.raises(BadInput):
        parse(DISPOSITION, value, RELEVANT)


def test_commands_become_ticks_and_acknowledgements():
    actor = Principal(sub="kabid-rehsos", roles=("division_head",), division="rehsos")
    [t] = parse(COMMANDS, tick_message("c1", NOW, actor).to_bytes(), RELEVANT)
    assert isinstance(t.input, Tick) and t.input.at == NOW and t.command is None
    msg = CommandMessage(command_id="x", name="acknowledge", subject="c1",
                         payload={"escalation_id": "e", "note": "n"}, actor=actor, at=NOW,
                         correlation_id="k")
    [a] = parse(COMMANDS, msg.to_bytes(), RELEVANT)
    assert isinstance(a.input, Acknowledge) and a.command == msg
    assert (a.input.by, a.input.role, a.input.note) == ("kabid-rehsos", "division_head", "n")
    with pytest.raises(BadInput):
        parse(COMMANDS, msg.model_copy(update={"name": "explode"}).to_bytes(), RELEVANT)


def test_one_ticks_record_is_a_tick_of_each_subject_the_same_as_a_tick_record_each():
    actor = Principal(sub="sla-ticker", roles=("system",))
    many = parse(COMMANDS, ticks_message(["c1", "c2", "c3"], NOW, actor).to_bytes(), RELEVANT)
    one_each = [p for s in ("c1", "c2", "c3")
                for p in parse(COMMANDS, tick_message(s, NOW, actor).to_bytes(), RELEVANT)]
    assert [(p.subject, p.input, p.command) for p in many] == [
        (p.subject, p.input, p.command) for p in one_each]
    for bad in ({"subjects": "c1"}, {"subjects": [1]}, {"subjects": [""]}, {}):
        msg = ticks_message(["c1"], NOW, actor).model_copy(update={"payload": bad})
        with pytest.raises(BadInput):
            parse(COMMANDS, msg.to_bytes(), RELEVANT)


def test_table_values_carry_partition_and_next_due_ahead_of_the_state():
    run = given(received(0))
    state = run.state
    packed = pack(state)
    assert unpack_head(packed) == (0, state.next_due().timestamp())
    assert unpack(packed) == state
    done = given(received(0), tick(500))
    assert unpack_head(pack(done.state))[1] is None
    assert unpack(pack(done.state)) == done.state  # escalations, fired steps, breach


def test_table_values_hold_the_state_deflated_and_the_plain_json_of_older_ones():
    state = given(received(0), tick(500)).state
    packed = pack(state)
    head = packed[:packed.index(b"|", packed.index(b"|") + 1) + 1]
    assert packed[len(head):len(head) + 2] == b"z1"
    assert state.model_dump_json().encode() not in packed
    older = head + state.model_dump_json().encode()  # a value written before deflating
    assert unpack(older) == state and unpack_head(older) == unpack_head(packed)
    assert pack(unpack(older)) == packed


class Recorder:
    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        return lambda *a, **kw: self.calls.append((name, a, kw))


def test_the_read_model_writes_only_what_changed():
    first = given(received(0))
    pipe = Recorder()
    assert readmodel.write_changes(pipe, None, first.state) == 1  # a full rewrite
    keys = {a[0] for _, a, _ in pipe.calls}
    assert "sla:v1:clocks:running" in keys and "sla:v1:clocks:all" in keys
    assert any(name == "zrem" and a[0] == "sla:v1:clocks:met" for name, a, _ in pipe.calls)
    pipe = Recorder()
    assert readmodel.write_changes(pipe, readmodel.NEW, first.state) == 1  # a new subject
    assert not any(name == "zrem" for name, _, _ in pipe.calls)
    before = readmodel.views(first.state)
    later = first.when(tick(10))  # nothing fired: nothing to write
    pipe = Recorder()
    assert readmodel.write_changes(pipe, before, later.state) == 0
    before = readmodel.views(later.state)
    after = later.when(tick(45)).state  # at risk: one new escalation
    pipe = Recorder()
    assert readmodel.write_changes(pipe, before, after) == 1
    view = next(kw["mapping"] for name, _, kw in pipe.calls if name == "hset")
    assert (view["level"], view["state"], view["to_division"]) == ("1", "open", "rehsos")
    before = readmodel.views(after)
    stopped = later.when(informed(50)).state  # stopped: the clock and the escalation change
    pipe = Recorder()
    assert readmodel.write_changes(pipe, before, stopped) == 2
    assert ("zrem", ("sla:v1:clocks:running",)) in {(n, a[:1]) for n, a, _ in pipe.calls}


def test_a_running_clock_past_its_due_reads_as_breached():
    run = given(received(0), tick(61))
    assert readmodel.clock_view("case-1", run.clock)["state"] == "breached"
    assert readmodel.clock_view("case-1", run.clock)["open"] == "1"


def test_cursors_round_trip():
    member = "2026-04-06T01:00:00Z|abc"
    assert readmodel.decode_cursor(readmodel.encode_cursor(member)) == member
