"""The live projector's stop ends its loop even when a cancellation is swallowed on the way
(seen with `make bench-quick`: the loop went on polling and `stop` waited forever)."""

from __future__ import annotations

import asyncio

from services.reporting.projector import LiveProjector


class SwallowingConsumer:
    """Stands in for the Kafka consumer: its first poll swallows the cancellation."""

    def __init__(self) -> None:
        self.polls = 0
        self.stopped = False

    async def getmany(self, timeout_ms: int, max_records: int):
        self.polls += 1
        try:
            await asyncio.sleep(timeout_ms / 1000)
        except asyncio.CancelledError:
            if self.polls == 1:
                return {}  # swallowed: the caller never sees it
            raise
        return {}

    async def stop(self) -> None:
        self.stopped = True


async def test_stop_ends_the_loop_when_a_cancellation_is_swallowed():
    projector = LiveProjector(bootstrap="", topics=[], group_id="g", deadletter_topic="dl",
                              store=None, feed=None, heal=None)
    projector.consumer = consumer = SwallowingConsumer()
    projector.task = asyncio.create_task(projector._run())
    while consumer.polls == 0:
        await asyncio.sleep(0)
    await asyncio.wait_for(projector.stop(), 5)
    assert projector.task.done() and consumer.stopped
    assert not projector.healthy
