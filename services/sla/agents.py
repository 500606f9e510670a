"""The agent (single writer of the clock table) and the ticker's timer. Thin loops."""

from __future__ import annotations

import asyncio

from chassis.streams.app import producer_knows
from services.sla.processor import Processor
from services.sla.ticker import Ticker

BATCH_MAX = 500  # messages per batch
BATCH_WITHIN = 0.01  # seconds to wait for a batch to fill (adds at most this to a tick)


async def _finish(work) -> None:
    """Run one batch to its end even if the worker is stopping: the batch's offsets are
    acknowledged when it is left, so leaving it half done would lose part of it."""
    task = asyncio.ensure_future(work)
    try:
        await asyncio.shield(task)
    except asyncio.CancelledError:
        await asyncio.wait([task], timeout=15)
        raise


class Overlapped:
    """Batches through the processor with the next batch decided while the previous one
    waits for the broker's acknowledgements (`Processor.decide` / `finish`): the agent's
    core is not idle during a publish, and the stream fills the next batch meanwhile.

    Same guarantees as one batch at a time: batches finish in their order (a subject's
    envelopes reach the topics in sequence order); a batch decides on the states the
    previous one decided (`Processor.unwritten`); each message is acknowledged to the
    stream (`ack`: its offset may be committed) only once its batch is finished, so a
    crash redelivers whatever is not in the table. faust acknowledges a batch when the
    agent's loop body returns: the body holds one more reference on each message
    (`incref`) and `ack` drops it. Not overlapped: a batch with a partition whose own
    events are not folded yet (`fold.ensure` reads the table). A batch whose table writes
    the fault hook drops leaves nothing in `unwritten`: the next one sees the table
    without them."""

    def __init__(self, processor: Processor, fold, ack) -> None:
        self.processor = processor
        self.fold = fold
        self.ack = ack  # async (event) -> None
        self.pending: asyncio.Future | None = None

    async def submit(self, events: list) -> None:
        for event in events:
            event.message.incref()
        partitions = sorted({event.message.partition for event in events})
        if any(p not in self.fold.done for p in partitions):
            await self.drain()
        for partition in partitions:
            await self.fold.ensure(partition)  # the own events first (chassis.durability)
        decided = await self.processor.decide(events)
        await self.drain()
        self.pending = asyncio.ensure_future(self._finish(decided, events))

    async def _finish(self, decided, events: list) -> None:
        await self.processor.finish(decided)
        for event in events:
            await self.ack(event)

    async def drain(self) -> None:
        """Wait until the pending batch is finished (run to its end even if the worker is
        stopping)."""
        task, self.pending = self.pending, None
        if task is not None:
            await _finish(task)


def register(app, stream_topic, table, processor: Processor, ticker: Ticker,
             tick_interval: float, fold) -> None:
    @app.agent(stream_topic, name="sla-clocks")
    async def clocks(stream):
        # the table picks its changelog partition from the producer's metadata
        await producer_knows(app, [table.changelog_topic.get_topic_name()])
        batches = Overlapped(processor, fold, stream.ack)
        try:
            async for batch in stream.take_events(BATCH_MAX, within=BATCH_WITHIN):
                await batches.submit(batch)
        finally:
            await batches.drain()

    @app.timer(interval=tick_interval, name="sla-ticker")
    async def tick() -> None:
        await ticker.run_once()

    table.on_recover(ticker.on_recovered)
    app.on_partitions_revoked.connect(ticker.on_revoked)
