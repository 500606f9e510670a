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


def register(app, stream_topic, table, processor: Processor, ticker: Ticker,
             tick_interval: float, fold) -> None:
    @app.agent(stream_topic, name="sla-clocks")
    async def clocks(stream):
        # the table picks its changelog partition from the producer's metadata
        await producer_knows(app, [table.changelog_topic.get_topic_name()])
        async for batch in stream.take_events(BATCH_MAX, within=BATCH_WITHIN):
            for partition in sorted({event.message.partition for event in batch}):
                await fold.ensure(partition)  # the own events first (chassis.durability)
            await _finish(processor.process(batch))

    @app.timer(interval=tick_interval, name="sla-ticker")
    async def tick() -> None:
        await ticker.run_once()

    table.on_recover(ticker.on_recovered)
    app.on_partitions_revoked.connect(ticker.on_revoked)
