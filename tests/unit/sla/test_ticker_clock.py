"""The ticker reads "now" from the clock it is given (the service's): what is due, and the time
every tick carries."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from types import SimpleNamespace

from chassis.clock import FixedClock
from chassis.commands import CommandMessage
from services.sla.deadlines import DeadlineIndex
from services.sla.inputs import TICK
from services.sla.ticker import Ticker
from tests.support.api import FIXED_NOW


class Sent:
    def __init__(self) -> None:
        self.messages: list[CommandMessage] = []

    async def send(self, topic: str, key: str, value: bytes):
        self.messages.append(CommandMessage.from_bytes(value))
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done


async def test_ticks_go_when_the_clock_says_and_carry_its_time():
    clock, sent, index = FixedClock(FIXED_NOW), Sent(), DeadlineIndex()
    app = SimpleNamespace(rebalancing=False, in_recovery=False)
    ticker = Ticker(app, table={}, index=index, processor=None, publisher=sent,
                    redis=lambda: None, input_topics=(), bootstrap="kafka", clock=clock)
    ticker.ready = ticker.open = True
    ticker.partitions = {0}
    index.set("due", 0, FIXED_NOW - timedelta(minutes=1))
    index.set("later", 0, FIXED_NOW + timedelta(hours=1))

    assert await ticker.run_once() == 1
    assert [(m.name, m.subject, m.at) for m in sent.messages] == [(TICK, "due", FIXED_NOW)]

    index.set("due", 0, None)  # the agent applied the tick: nothing more to wait for
    clock.advance(timedelta(hours=2))
    assert await ticker.run_once() == 1
    assert sent.messages[-1].subject == "later"
    assert sent.messages[-1].at == FIXED_NOW + timedelta(hours=2)
