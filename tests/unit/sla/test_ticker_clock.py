"""The ticker reads "now" from the clock it is given (the service's): what is due, and the time
every tick carries."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace

from chassis.clock import FixedClock
from chassis.commands import CommandMessage
from services.sla.deadlines import DeadlineIndex
from services.sla.inputs import TICKS
from services.sla.ticker import TICKS_PER_RECORD, Ticker
from tests.support.api import FIXED_NOW


class Sent:
    def __init__(self) -> None:
        self.messages: list[CommandMessage] = []
        self.partitions: list[int | None] = []

    async def send(self, topic: str, key: str, value: bytes, partition: int | None = None):
        self.messages.append(CommandMessage.from_bytes(value))
        self.partitions.append(partition)
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


def open_ticker() -> tuple[FixedClock, Sent, DeadlineIndex, Ticker]:
    """A ticker ready and open (caught up), on a fixed clock, sending to `Sent`."""
    clock, sent, index = FixedClock(FIXED_NOW), Sent(), DeadlineIndex()
    app = SimpleNamespace(rebalancing=False, in_recovery=False)
    ticker = Ticker(app, table={}, index=index, processor=None, publisher=sent,
                    redis=lambda: None, input_topics=(), bootstrap="kafka", clock=clock)
    ticker.ready = ticker.open = True
    return clock, sent, index, ticker


async def test_ticks_go_when_the_clock_says_and_carry_its_time():
    clock, sent, index, ticker = open_ticker()
    ticker.partitions = {0}
    index.set("due", 0, FIXED_NOW - timedelta(minutes=1))
    index.set("later", 0, FIXED_NOW + timedelta(hours=1))

    assert await ticker.run_once() == 1
    assert [(m.name, m.payload["subjects"], m.at) for m in sent.messages] == [
        (TICKS, ["due"], FIXED_NOW)]

    index.set("due", 0, None)  # the agent applied the tick: nothing more to wait for
    clock.advance(timedelta(hours=2))
    assert await ticker.run_once() == 1
    assert sent.messages[-1].payload["subjects"] == ["later"]
    assert sent.messages[-1].at == FIXED_NOW + timedelta(hours=2)


async def test_due_subjects_go_as_one_record_per_partition_to_that_partition():
    clock, sent, index, ticker = open_ticker()
    ticker.partitions = {0, 3}
    subjects = {f"c{n}": (0 if n % 2 else 3) for n in range(2 * TICKS_PER_RECORD + 20)}
    for subject, partition in subjects.items():
        index.set(subject, partition, FIXED_NOW - timedelta(seconds=1))
    assert await ticker.run_once() == len(subjects)
    records = list(zip(sent.partitions, [m.payload["subjects"] for m in sent.messages],
                       strict=True))
    assert all(len(chunk) <= TICKS_PER_RECORD for _, chunk in records)
    assert all(subjects[s] == p for p, chunk in records for s in chunk)
    assert sorted(s for _, chunk in records for s in chunk) == sorted(subjects)
    assert len(records) == 4  # per partition a full record and the rest
