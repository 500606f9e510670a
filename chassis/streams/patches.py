"""Every patch of faust-streaming (0.15.3) and aiokafka (0.14) internals, in one place.

Each patch is applied once per process (`apply_all`, called by the faust app factory
`chassis.streams.app.make_faust_app`), is idempotent, and names the upstream issue it works
around, or says that none was found. If an upstream release fixes one, the pinned version
in pyproject.toml moves and the patch goes; `tests/unit/chassis/test_streams_patches.py`
holds a test of the upstream behaviour where one can be shown without a broker.
"""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger(__name__)

MARK = "_audiensi_patched"  # set on every function a patch installs


def _patched(fun) -> bool:
    return bool(getattr(fun, MARK, False))


def _install(owner, name: str, make) -> None:
    """Replace `owner.name` with `make(original)`, marked, unless a patch is there already
    (so that applying a patch again changes nothing). The original stays reachable as the
    replacement's `__wrapped_original__` (the tests of the upstream behaviour use it)."""
    original = getattr(owner, name)
    if _patched(original):
        return
    replacement = make(original)
    setattr(replacement, MARK, True)
    replacement.__wrapped_original__ = original
    setattr(owner, name, replacement)


# --- 1. aiokafka: the fetcher's prefetch back-off --------------------------------------
# Upstream: aio-libs/aiokafka PR #534 ("Add backoff on fetcher", fixes #496) added
# `prefetch_backoff` (0.1 s) to the Fetcher; `AIOKafkaConsumer` does not pass it on, so it
# cannot be configured (no upstream issue found asking to expose it).
# Observed: aiokafka holds back the next fetch from a broker for up to `prefetch_backoff`
# while records of another of its partitions wait unconsumed, and faust leaves such records
# (e.g. of the topic a multi-topic stream reads second) for a moment: a command sent right
# after intake registered a case then waited ~100 ms for the case to arrive. Measured with
# bench/command_bench.py: the first disposition step's p99 114 ms -> 28 ms at 0.005 s.

def tune_fetcher(prefetch_backoff: float) -> None:
    """Set the default `prefetch_backoff` of aiokafka's Fetcher (the last call wins; calling
    it again with the same value changes nothing)."""
    from aiokafka.consumer.fetcher import Fetcher

    Fetcher.__init__.__kwdefaults__["prefetch_backoff"] = prefetch_backoff


# --- 2. faust: ProducerBuffer.flush() that does not flush -------------------------------
# Upstream: faust-streaming/faust PR #273 ("flushing producer before commit") made faust
# flush its producer before committing offsets; no upstream issue found for the flush
# itself returning early.
# Observed (faust-streaming 0.15.3): `ProducerBuffer.flush()` is `flush_atmost(None)`, which
# gives up as soon as 0.1 s pass without a message sent and returns with writes still
# buffered; the offsets are then committed, and a SIGKILL loses the changelog writes of
# messages that count as processed. Seen in the e2e fault run: `ResultReportForwarded` on
# the topic, the case's changelog still `reported`, the command never applied again.
# Patched to wait until the buffer is empty (the background sender keeps draining it).

def drain_producer_buffer_on_flush() -> None:
    """Make `ProducerBuffer.flush()` wait until every buffered message was handed to the
    producer (then faust's `Producer.flush()` waits for aiokafka's in-flight batches)."""
    from faust.transport.producer import ProducerBuffer

    def make(original):
        async def flush(self) -> None:
            await drain(self)
        return flush

    _install(ProducerBuffer, "flush", make)


async def drain(buffer, poll: float = 0.1) -> None:
    """Wait until `buffer` (a faust ProducerBuffer) is empty; the wait per round is bounded so
    that a missed `message_sent` wake-up costs at most `poll` seconds, never the data."""
    while buffer.size:
        if buffer.state != "running":
            raise RuntimeError("Cannot flush: Producer not Running")
        buffer.message_sent.clear()
        try:
            await asyncio.wait_for(buffer.message_sent.wait(), timeout=poll)
        except TimeoutError:
            continue


# --- 3. faust: table recovery starting at a stale changelog offset ----------------------
# Upstream: no issue found for this exact case; the closest are robinhood/faust PR #542
# ("Fix some cases of hanging rebalance": a partition assigned to worker 1, then 2, then 1
# again, with a stale read offset) and faust-streaming/faust PR #373 / issue #176 (the
# offsets `Recovery._build_offsets` starts from).
# Observed: faust's `Recovery` remembers per changelog partition the offset it has read up
# to. With the in-memory store nothing persists, so each recovery re-reads the changelog from
# the start - except for a partition this worker owned before, lost and got back: there faust
# kept the offset of its earlier ownership (e.g. partition 3 resumed at 23 of 37) although
# the memory store had dropped that partition's keys on losing it, so cases written before
# that offset were missing. Patched so that every recovery reads each active partition from
# its earliest offset, as faust already does for the partitions the worker kept. The class
# is patched (not the instance: `app.tables.recovery` binds the event loop when built).

def recover_active_tables_from_the_start() -> None:
    from faust.tables.recovery import Recovery

    def make(original):
        async def build_offsets(self, consumer, tps, destination, title):
            if title == "active":
                stale = {tp: destination[tp] for tp in tps if destination.get(tp) is not None}
                if stale:
                    log.info("re-reading changelog partitions from the start",
                             extra={"stale_offsets": {str(tp): o for tp, o in stale.items()}})
                for tp in tps:
                    destination[tp] = None
            await original(self, consumer, tps, destination, title)
        return build_offsets

    _install(Recovery, "_build_offsets", make)


# --- 4. faust: an idempotent producer only inside transactions --------------------------
# Upstream: no issue found; faust-streaming 0.15.3's aiokafka `Producer._settings_extra`
# returns `acks=all, enable_idempotence=True` only when the app runs transactions
# (`processing_guarantee="exactly_once"`), and there is no setting for it otherwise.
# Observed: with `producer_acks=-1` (acks=all) but no idempotence, a batch the leader wrote
# and whose answer was lost (a leader killed, the connection cut) is sent again by the
# producer's retry and written twice, each copy with its own offset. On a three-broker
# cluster (`audiensi up --brokers 3`) that is the failure a leader kill brings. Patched so
# that every faust producer is idempotent with acks=all (the broker drops the retried
# batch by its producer id and sequence).

def idempotent_producer() -> None:
    from faust.transport.drivers.aiokafka import Producer

    def make(original):
        def settings_extra(self):
            return {**original(self), "acks": "all", "enable_idempotence": True}
        return settings_extra

    _install(Producer, "_settings_extra", make)


# --- 5. faust: a gap in an input partition, committed over without a word ---------------
# Not a fix: a log line. faust counts offsets it never delivered as done when a record
# arrives more than one offset after the last it read on that partition (`Consumer._add_gap`,
# meant for transaction markers and compacted logs; our input topics have neither), so the
# next commit passes over them. Suspected in the chaos run on three brokers (tests/chaos):
# one case's intake events were committed past by disposition without ever being applied,
# across a rebalance. Logged at WARNING with the partition and the offsets, so that a run
# says whether records are skipped this way (in the chaos runs since: never; the finding was
# the acks of patch 6).

def log_input_gaps() -> None:
    from faust.transport.consumer import Consumer

    def make(original):
        async def add_gap(self, tp, offset_from: int, offset_to: int) -> None:
            log.warning("offsets skipped on an input partition will be committed over",
                        extra={"topic": tp.topic, "partition": tp.partition,
                               "from": offset_from, "to": offset_to})
            await original(self, tp, offset_from, offset_to)
        return add_gap

    _install(Consumer, "_add_gap", make)


# --- 6. faust: messages skipped across a rebalance, acknowledged as done ----------------
# Upstream: faust-streaming/faust PR #223 ("Discard message after rebalance", fixing issue
# #221) made a stream skip a message fetched before a rebalance (flow control stopped, or
# the message of an older consumer generation) - and acknowledge it, like a filtered one,
# counting on the seek to the committed offset to deliver it again. No upstream issue
# found for what follows from it.
# Observed (the finding of the chaos run, tests/chaos, explained): `Consumer.on_partitions_revoked`
# forgets the partition's committed offset (`_committed_offset.pop`), and a skipped
# message acknowledged after that goes into the acks with nothing to compare it against:
# `Consumer.ack` records any offset when the committed one is None, and `_new_offset`
# checks the head of the acks against the committed offset only when there is one. The
# next periodic commit (every second) after the group's new generation began - table
# recovery still running, the partitions not yet sought back - commits past the skipped
# messages with the new generation, the broker accepts it, and the seek at the end of the
# recovery starts after them: never applied (intake[7] offsets 42-43 skipped, 46
# committed; the longer recovery takes, e.g. a stalled one restarted by
# `chassis.streams.recovery`, the wider the window). Patched so that the ack of a message
# of another generation, or one acknowledged while flow control is stopped, is not counted:
# the message is read again after the seek. A message that was processed and is
# acknowledged then is processed again: at-least-once, and every consumer here idempotent.

def no_acks_across_a_rebalance() -> None:
    from faust.transport.consumer import Consumer

    def make(original):
        def ack(self, message) -> bool:
            app = self.app
            if (message.generation_id != app.consumer_generation_id
                    or not app.flow_control.is_active()):
                if not message.acked:
                    message.acked = True
                    self._unacked_messages.discard(message)
                    log.info("not counting the ack of a message from across a rebalance",
                             extra={"topic": message.topic, "partition": message.partition,
                                    "offset": message.offset})
                return False
            return original(self, message)
        return ack

    _install(Consumer, "ack", make)


def apply_all(prefetch_backoff: float) -> None:
    """Every patch above; safe to call for every app built in the process."""
    tune_fetcher(prefetch_backoff)
    idempotent_producer()
    log_input_gaps()
    no_acks_across_a_rebalance()
    drain_producer_buffer_on_flush()
    recover_active_tables_from_the_start()
