"""The agent decides its next batch while the previous one waits for the broker
(`agents.Overlapped`), with the guarantees of one batch at a time: batches finish in order,
the next batch decides on the states the previous one decided, a message is acknowledged
only once its batch is in the table, the fault hook's lost write is seen by the next batch."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from chassis.auth import Principal
from services.sla.agents import Overlapped
from services.sla.deadlines import DeadlineIndex
from services.sla.inputs import tick_message
from services.sla.processor import Processor, unpack
from tests.support.waiting import stays_true_for
from tests.unit.sla.clock_support import POLICIES
from tests.unit.sla.test_clock_processor import (
    T0,
    FakeRedis,
    command,
    informed,
    received,
)


class HeldPublisher:
    """Publishes only when let through: one `release()` per publish."""

    def __init__(self) -> None:
        self.published: list = []
        self.batches: list[list] = []
        self.waiting = 0
        self._gate = asyncio.Semaphore(0)

    async def publish(self, envelopes) -> None:
        self.waiting += 1
        await self._gate.acquire()
        self.waiting -= 1
        self.published += envelopes
        self.batches.append([e.type for e in envelopes])

    def release(self) -> None:
        self._gate.release()

    def open(self) -> None:
        """Let everything through (a failing test must not leave a publish waiting)."""
        for _ in range(100):
            self._gate.release()


class Fold:
    def __init__(self, done=(0,)) -> None:
        self.done = set(done)
        self.ensured: list[int] = []

    async def ensure(self, partition: int) -> None:  # as chassis.durability's: once
        if partition in self.done:
            return
        self.ensured.append(partition)
        self.done.add(partition)


def counted(events):
    """faust's messages hold a reference count; the fakes count increfs."""
    for e in events:
        e.message.refs = 1
        e.message.incref = lambda m=e.message: setattr(m, "refs", m.refs + 1)
    return events


PUBLISHERS: list[HeldPublisher] = []


@pytest.fixture(autouse=True)
def _open_publishers():
    yield
    for publisher in PUBLISHERS:
        publisher.open()
    PUBLISHERS.clear()


def make(faults=None):
    redis = FakeRedis()
    publisher = HeldPublisher()
    PUBLISHERS.append(publisher)
    proc = Processor(POLICIES, {}, publisher, DeadlineIndex(), lambda: redis, retry_delay=0,
                     faults=faults)
    acked: list = []

    async def ack(event) -> None:
        acked.append(event.message.offset)

    return proc, publisher, acked, ack


async def until(condition, rounds: int = 200) -> None:
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


def tick(case: str, minutes: float):
    return command(tick_message(case, T0 + timedelta(minutes=minutes), Principal(sub="t")))


async def test_the_next_batch_is_decided_while_the_previous_one_waits_for_the_broker():
    proc, publisher, acked, ack = make()
    batches = Overlapped(proc, Fold(), ack)
    first = counted([received("c1")])
    second = counted([tick("c1", 61), received("c2")])
    await batches.submit(first)  # decided; its publish waits
    await until(lambda: publisher.waiting == 1)
    decided = asyncio.ensure_future(batches.submit(second))
    # the second batch is decided on the first one's state before that one is in the table
    await until(lambda: proc.processed.get((second[0].message.topic, 0)) ==
                second[0].message.offset and "c2" in proc.unwritten)
    assert proc.table == {} and acked == [] and publisher.published == []
    assert "c2" in proc.unwritten
    assert [s.clocks[0].steps[0].fired_at is not None for s in (proc.unwritten["c1"],)] == [True]
    publisher.release()  # the first batch finishes, then the second may publish
    await decided
    assert acked == [first[0].message.offset]
    assert unpack(proc.table[b"c1"]).clocks[0].steps[0].fired_at is None
    publisher.release()
    await batches.drain()
    assert acked == [e.message.offset for e in first + second]
    assert publisher.batches[0] == ["ClockStarted"]
    assert publisher.batches[1][:2] == ["ClockAtRisk", "EscalationRaised"]
    assert unpack(proc.table[b"c1"]).clocks[0].steps[0].fired_at is not None
    assert proc.unwritten == {}
    # each message held one more reference: faust's own ack at the loop body's end does
    # not commit it before its batch is finished
    assert all(e.message.refs == 2 for e in first + second)


async def test_a_batch_with_a_partition_not_folded_yet_waits_for_the_previous_one():
    proc, publisher, acked, ack = make()
    fold = Fold(done=())
    batches = Overlapped(proc, fold, ack)
    fold.done.add(0)
    await batches.submit(counted([received("c1")]))
    await until(lambda: publisher.waiting == 1)
    fold.done.clear()  # e.g. after a rebalance
    second = asyncio.ensure_future(batches.submit(counted([informed("c1", 2, 30)])))
    # waits for the first batch's table write
    await stays_true_for(0.3, lambda: fold.ensured == [] and not second.done(), every=0.01)
    publisher.release()
    await until(lambda: fold.ensured == [0])
    await second
    publisher.release()
    await batches.drain()
    assert unpack(proc.table[b"c1"]).clocks[0].state == "met"


class LoseFirst:
    """The fault hook: drop the first batch's table writes."""

    def __init__(self) -> None:
        self.spent = False

    def lose_state_write(self, command, message, subject=None) -> bool:
        if self.spent:
            return False
        self.spent = True
        return True


async def test_the_batch_after_a_lost_table_write_decides_on_the_table_without_it():
    proc, publisher, acked, ack = make(LoseFirst())
    batches = Overlapped(proc, Fold(), ack)
    await batches.submit(counted([received("c1")]))
    await until(lambda: publisher.waiting == 1)
    second = asyncio.ensure_future(batches.submit(counted([received("c2")])))
    await stays_true_for(0.3, lambda: not second.done() and "c1" not in proc.unwritten,
                         every=0.01)
    publisher.release()
    await second
    publisher.release()
    await batches.drain()
    assert b"c1" not in proc.table and b"c2" in proc.table
