"""The durability pieces without a broker: the fold bookkeeping, the fault hook's arming
rules (faust's buffer flush: test_streams_patches.py)."""

from __future__ import annotations

import asyncio

import pytest

from chassis.durability import OwnEventFold, Published, head
from chassis.faults import FaultRefused, Faults
from contracts import encode, envelope
from contracts.intake import RequestRegistered


def registered(seq: int) -> bytes:
    event = RequestRegistered(case_id="c-1", agenda_number=f"AUD/2026/{seq:06d}",
                              registered_at="2026-03-02T01:30:00Z")
    return encode(envelope(event, source="intake", sequence=seq))


def test_head_reads_subject_and_sequence_without_validating():
    assert head(registered(7))[:3] == ("c-1", 7, "intake")
    assert head(b"not json") == (None, None, None, None)
    assert head(b"[1, 2]") == (None, None, None, None)
    assert head(b'{"subject": "x", "sequence": "7"}')[:2] == ("x", None)


def published(partition: int, seq: int) -> Published:
    raw = registered(seq)
    return Published("audiensi.intake.v1", partition, seq, b"c-1", raw, *head(raw))


async def test_a_partition_is_folded_once_per_assignment_and_again_after_a_revocation():
    reads, applied = [], []

    async def reader(tps):
        reads.append(tps)
        return [published(tps[0][1], 1), published(tps[0][1], 2)]

    fold = OwnEventFold("t", lambda p: [("audiensi.intake.v1", p)],
                        lambda r: applied.append((r.partition, r.sequence)) or r.sequence == 2,
                        reader)
    await fold.ensure(3)
    await fold.ensure(3)
    assert reads == [[("audiensi.intake.v1", 3)]]
    assert applied == [(3, 1), (3, 2)]
    assert fold.last[3]["events"] == 2 and fold.last[3]["folded"] == 1
    await fold.forget(object(), revoked=set())
    await fold.ensure(3)
    assert len(reads) == 2 and applied[-2:] == [(3, 1), (3, 2)]


async def test_a_failed_read_is_retried_before_any_message_is_applied():
    attempts = []

    async def reader(tps):
        attempts.append(tps)
        if len(attempts) == 1:
            raise ConnectionError("broker away")
        return [published(0, 1)]

    folded = []
    fold = OwnEventFold("t", lambda p: [("t", p)], lambda r: folded.append(r) or True, reader)
    await fold.ensure(0)
    assert len(attempts) == 2 and len(folded) == 1 and 0 in fold.done


def test_the_fault_hook_is_refused_in_production_and_when_unknown():
    with pytest.raises(FaultRefused):
        Faults("lose-state-write:disposition", "production")
    with pytest.raises(FaultRefused):
        Faults("explode:disposition", "development")
    with pytest.raises(FaultRefused):
        Faults("lose-state-write:", "development")
    assert Faults(None, "production").kind is None


async def test_the_fault_hook_fires_once_for_its_command_only():
    kills = []

    async def kill(bootstrap, group, topic, partition, offset):
        kills.append((topic, partition, offset))

    class Msg:
        topic, partition, offset = "audiensi.disposition.commands.v1", 2, 41

    faults = Faults("lose-state-write:closure", None, "b", "g", kill=kill)
    assert not faults.lose_state_write("receipt", Msg)
    assert faults.lose_state_write("closure", Msg)
    assert not faults.lose_state_write("closure", Msg)
    await asyncio.sleep(0)
    assert kills == [(Msg.topic, 2, 41)]


async def test_the_fault_hook_naming_a_subject_fires_for_that_subject_only():
    kills = []

    async def kill(bootstrap, group, topic, partition, offset):
        kills.append(offset)

    class Msg:
        topic, partition, offset = "audiensi.sla.commands.v1", 0, 7

    faults = Faults("lose-state-write:tick@case-2", None, "b", "g", kill=kill)
    assert (faults.target, faults.subject) == ("tick", "case-2")
    assert not faults.lose_state_write("tick", Msg, "case-1")
    assert not faults.lose_state_write("tick", Msg)
    assert faults.lose_state_write("tick", Msg, "case-2")
    assert not faults.lose_state_write("tick", Msg, "case-2")
    await asyncio.sleep(0)
    assert kills == [7]
