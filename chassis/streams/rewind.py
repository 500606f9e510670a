"""After a rebalance, re-read input partitions that have no committed offset from their start -
for every service built on `chassis.streams.make_faust_app` - and hold their commits there.

Why: faust drops the records it fetched while its flow was stopped for a rebalance (a
message of an older generation, or one that arrives while flow control is suspended, is
skipped and acknowledged: faust-streaming/faust PR #223, "Discard message after rebalance",
fixing issue #221) and counts on seeking every partition back to its committed offset to
read them again (`Consumer.perform_seek` -> aiokafka `seek_to_committed`). aiokafka's
`seek_to_committed` skips a partition whose committed offset is none or 0 (aio-libs/aiokafka
issue #1003, "seek_to_committed does not work when committed offset is 0", open), so on
such a partition those records are never delivered to this worker, and once later ones are
acknowledged the group commits past them. Seen in `test_sla_rebalance`: a catch-up gate
waiting for ticks that were never delivered, and a clock missing from the table after the
last rebalance (its start never applied).

When: faust sends `app.on_rebalance_complete` after table recovery (and, for an app without
tables, after the rebalance), before it resumes the stream partitions and seeks them to
their committed offsets; so the rewind comes first and nothing after the dropped records is
acknowledged before them. What was applied already is applied again, which changes nothing
(every consumer here is idempotent: commands remember their ids, events their sequence).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

from faust.types import TP

from .offsets import Backlog, unread_from_start
from .patches import set_floors

log = logging.getLogger(__name__)

Unread = Callable[[str, str, Iterable[tuple[str, int]]], Awaitable[Backlog | None]]


class NeverCommittedRewind:
    """Connected to `app.on_rebalance_complete` by `install_rewind`; `last` holds the
    partitions it sought at its last run (for logs and tests)."""

    def __init__(self, app, bootstrap: str, unread: Unread = unread_from_start) -> None:
        self.app = app
        self.bootstrap = bootstrap
        self.unread = unread
        self.last: Backlog = {}

    def input_partitions(self) -> list[tuple[str, int]]:
        """The assigned partitions the agents read (every one but the tables' changelogs)."""
        changelogs = set(self.app.tables.changelog_topics)
        return sorted({(tp.topic, tp.partition) for tp in self.app.consumer.assignment()
                       if tp.topic not in changelogs})

    async def on_rebalance_complete(self, sender=None, **kwargs) -> None:
        """A faust signal receiver: whatever happens, recovery goes on (an error here would
        crash faust's recovery service)."""
        try:
            await self.run()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - faust's own seek stands
            log.warning("cannot rewind partitions without a committed offset: %r", exc)

    async def run(self) -> Backlog:
        self.last = {}
        set_floors(self.app.consumer, {})  # the previous assignment's are not this one's
        parts = self.input_partitions()
        starts = await self.unread(self.bootstrap, self.app.conf.id, parts) if parts else {}
        if not starts:
            return {}
        floors = {TP(topic, p): offset for (topic, p), offset in starts.items()}
        await self.app.consumer.seek_wait(floors)
        # nothing is committed past an offset from there on that was never acknowledged
        # (`patches.no_commit_past_an_unprocessed_offset`: there is no committed offset)
        set_floors(self.app.consumer, floors)
        self.last = dict(starts)
        log.info("reading partitions without a committed offset from their start",
                 extra={"partitions": {f"{t}/{p}": o for (t, p), o in starts.items()}})
        return self.last


def install_rewind(app, bootstrap: str, unread: Unread = unread_from_start
                   ) -> NeverCommittedRewind:
    """Rewind never-committed input partitions after every rebalance of `app`."""
    rewind = NeverCommittedRewind(app, bootstrap, unread)
    app.on_rebalance_complete.connect(rewind.on_rebalance_complete)
    return rewind
