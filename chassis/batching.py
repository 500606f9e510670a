"""The single writer applies what is queued on its partitions as batches (issue 16, P6).

A writer that awaits the broker's acknowledgement of every command's events before taking
the next one spends most of a busy second waiting for acks. `run_batched` instead takes the
records that are already queued for the agent's stream (never waiting for more), cuts them
into batches in which each key (the case id: commands and events of one case share it)
appears at most once, and hands each batch to `apply`: decide every record, publish all
their events with one flush, then store and reply. So:

- per-case order holds: a second record of the same case starts the next batch, which is
  applied only after the first one's events are acknowledged and its state stored;
- reply-after-ack holds: `apply` replies after the flush of the whole batch;
- at-least-once holds: the stream does not ack (commit) a record before its batch is done.

`Batch` is the pure part (which records go together); `current` makes a table write of a
batch go to the changelog partition of the record it belongs to (faust takes the partition
from the stream's current event, which is the batch's last record).
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import Awaitable, Callable, Hashable, Iterator
from typing import Any, Generic, TypeVar

from faust import streams as faust_streams

from .metrics import BATCH_SIZE

T = TypeVar("T")
MOST = 64  # records in one batch at most


class Batch(Generic[T]):
    """Records for one flush: in arrival order, each key at most once, at most `most`."""

    def __init__(self, most: int = MOST) -> None:
        self.most = most
        self.items: list[T] = []
        self.keys: set[Hashable] = set()

    def fits(self, key: Hashable) -> bool:
        return key not in self.keys and len(self.items) < self.most

    def add(self, key: Hashable, item: T) -> None:
        if not self.fits(key):
            raise ValueError(f"{key!r} does not fit this batch")
        self.keys.add(key)
        self.items.append(item)

    def take(self) -> list[T]:
        items, self.items, self.keys = self.items, [], set()
        return items

    def __len__(self) -> int:
        return len(self.items)


def cut(keyed: list[tuple[Hashable, T]], most: int = MOST) -> list[list[T]]:
    """The batches a writer applies for records arriving in this order all at once (the
    rule of `run_batched`, for the record's key and item)."""
    out: list[list[T]] = []
    batch: Batch[T] = Batch(most)
    for key, item in keyed:
        if not batch.fits(key):
            out.append(batch.take())
        batch.add(key, item)
    if batch:
        out.append(batch.take())
    return out


@contextlib.contextmanager
def current(event) -> Iterator[None]:
    """Table writes inside the block belong to `event` (its partition's changelog)."""
    token = faust_streams._current_event.set(weakref.ref(event))  # noqa: SLF001
    try:
        yield
    finally:
        faust_streams._current_event.reset(token)  # noqa: SLF001


def _queue_empty(stream) -> Callable[[], bool]:
    queue = getattr(getattr(stream, "channel", None), "queue", None)
    empty = getattr(queue, "empty", None)
    return empty if callable(empty) else (lambda: True)  # unknown: a batch per record


async def run_batched(stream, apply: Callable[[list[Any]], Awaitable[None]], service: str,
                      key: Callable[[Any], Hashable] = lambda event: event.message.key,
                      most: int = MOST) -> None:
    """Iterate an agent's stream, applying what is queued in batches (see the module doc);
    each record is acked once its batch has been applied."""
    manual = stream.noack()
    nothing_queued = _queue_empty(manual)
    batch: Batch[Any] = Batch(most)

    async def flush() -> None:
        events = batch.take()
        BATCH_SIZE.labels(service).observe(len(events))
        await apply(events)
        for event in events:
            await manual.ack(event)

    async for event in manual.events():
        k = key(event)
        if not batch.fits(k):
            await flush()
        batch.add(k, event)
        if nothing_queued():
            await flush()
