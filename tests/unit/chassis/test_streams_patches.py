"""Every patch of faust/aiokafka internals (`chassis.streams.patches`): applied once, applying
it again changes nothing, and - where it can be shown without a broker - the upstream
behaviour it exists for."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka.consumer.fetcher import Fetcher
from faust.tables.recovery import Recovery
from faust.transport.producer import ProducerBuffer

from chassis.streams import patches
from chassis.streams.patches import MARK, apply_all, drain


def test_every_patch_is_applied_once_and_again_changes_nothing():
    from faust.transport.consumer import Consumer

    apply_all(0.005)
    flush, build_offsets, ack = ProducerBuffer.flush, Recovery._build_offsets, Consumer.ack
    assert getattr(flush, MARK) and getattr(build_offsets, MARK) and getattr(ack, MARK)
    apply_all(0.005)
    assert ProducerBuffer.flush is flush  # not wrapped twice
    assert Recovery._build_offsets is build_offsets
    assert Consumer.ack is ack
    assert getattr(Consumer._new_offset, MARK) and getattr(Consumer.getmany, MARK)
    new_offset, getmany = Consumer._new_offset, Consumer.getmany
    apply_all(0.005)
    assert Consumer._new_offset is new_offset and Consumer.getmany is getmany
    assert Fetcher.__init__.__kwdefaults__["prefetch_backoff"] == 0.005


def test_the_fetchers_prefetch_backoff_is_the_configured_one():
    try:
        patches.tune_fetcher(0.02)
        assert Fetcher.__init__.__kwdefaults__["prefetch_backoff"] == 0.02
    finally:
        patches.tune_fetcher(0.005)


class SlowBuffer:
    """Stands in for faust's ProducerBuffer: a sender that hands one message on every
    `every` seconds (slower than faust's 0.1 s patience)."""

    def __init__(self, size: int, every: float = 0.15) -> None:
        self.size, self.every, self.state = size, every, "running"
        self.message_sent = asyncio.Event()

    async def send_all(self) -> None:
        while self.size:
            await asyncio.sleep(self.every)
            self.size -= 1
            self.message_sent.set()


async def test_fausts_own_flush_returns_with_messages_still_buffered():
    """The upstream behaviour the flush patch exists for (faust-streaming 0.15.3): if this
    starts failing, faust fixed `flush_atmost(None)` and the patch can go."""
    buffer = SlowBuffer(3)
    sender = asyncio.ensure_future(buffer.send_all())
    await ProducerBuffer.flush_atmost(buffer, None)
    left = buffer.size
    await sender
    assert left > 0


async def test_the_patched_flush_waits_until_every_buffered_message_is_sent():
    apply_all(0.005)
    buffer = SlowBuffer(3)
    sender = asyncio.ensure_future(buffer.send_all())
    await ProducerBuffer.flush(buffer)
    assert buffer.size == 0
    await sender


async def test_drain_refuses_a_stopped_producer_with_messages():
    buffer = SlowBuffer(1)
    buffer.state = "stopped"
    with pytest.raises(RuntimeError):
        await drain(buffer)


async def test_recovery_of_active_partitions_reads_every_changelog_from_the_start():
    """Stale offsets of an earlier ownership are dropped for active partitions only; the
    original `_build_offsets` then sees None (= from the earliest offset)."""
    apply_all(0.005)
    seen = []

    async def original(self, consumer, tps, destination, title):
        seen.append((title, dict(destination)))

    patched = Recovery._build_offsets
    try:
        # re-install over a stand-in for faust's original
        Recovery._build_offsets = original
        patches.recover_active_tables_from_the_start()
        await Recovery._build_offsets(None, None, ["c-3", "c-4"], {"c-3": 23, "c-4": None},
                                      "active")
        await Recovery._build_offsets(None, None, ["c-3"], {"c-3": 23}, "standby")
    finally:
        Recovery._build_offsets = patched
    assert seen == [("active", {"c-3": None, "c-4": None}), ("standby", {"c-3": 23})]



async def test_every_faust_producer_is_idempotent_with_acks_all(tmp_path):
    """faust's own producer is idempotent only in transactions (`_settings_extra` of an
    at-least-once app is `{}`, the upstream behaviour); patched, the producer the services
    publish through retries without duplicates (a leader killed on a cluster)."""
    from faust.transport.drivers.aiokafka import Producer

    from chassis.settings import Settings
    from chassis.streams import make_faust_app

    apply_all(0.005)
    assert getattr(Producer._settings_extra, MARK)
    app = make_faust_app("echo", Settings(data_dir=tmp_path,
                                          kafka_bootstrap="127.0.0.1:1,127.0.0.1:2"))
    producer = app.producer._new_producer()  # built, never started: nothing connects
    assert producer._txn_manager is not None  # aiokafka's idempotence (producer id, sequences)
    assert producer._sender._acks == -1  # acks=all
    assert app.producer._settings_default()["bootstrap_servers"] == [
        "127.0.0.1:1", "127.0.0.1:2"]  # a cluster's bootstrap list reaches faust whole


async def test_a_gap_faust_would_commit_over_is_logged(caplog):
    """faust's `_add_gap` (offsets it never delivered, which faust counts as done) leaves a
    warning naming the partition and the offsets, and still does what faust does."""
    from collections import defaultdict

    from faust.transport.consumer import Consumer
    from faust.types import TP
    from intervaltree import IntervalTree

    apply_all(0.005)
    assert getattr(Consumer._add_gap, MARK)

    class Fake:
        _committed_offset = defaultdict(lambda: None)
        _gap = defaultdict(IntervalTree)

    fake = Fake()
    with caplog.at_level("WARNING", logger="chassis.streams.patches"):
        await Consumer._add_gap(fake, TP("audiensi.intake.v1", 7), 42, 43)
    found = [r for r in caplog.records if "skipped on an input" in r.getMessage()]
    assert [(r.topic, r.partition, getattr(r, "from"), r.to) for r in found] == [
        ("audiensi.intake.v1", 7, 42, 43)]
    assert sorted((i.begin, i.end) for i in fake._gap[TP("audiensi.intake.v1", 7)]) == [
        (42, 44)]  # faust's own bookkeeping, unchanged


def _consumer_across_a_rebalance(tmp_path):
    """A worker's faust consumer (built, never started: nothing connects) the way a rebalance
    leaves it: the partition revoked and assigned again in a new generation, its committed
    offset (42) forgotten, flow control stopped while table recovery runs, and messages
    43-45 of the old generation, fetched before the rebalance, still to be skipped."""
    from faust.types import TP
    from faust.types.tuples import ConsumerMessage

    from chassis.settings import Settings
    from chassis.streams import make_faust_app
    from chassis.streams.app import raw_topic

    app = make_faust_app("echo", Settings(data_dir=tmp_path, kafka_bootstrap="127.0.0.1:1"))
    tp = TP("audiensi.intake.v1", 7)
    app.topics.add(raw_topic(app, tp.topic, 12))
    app.topics._acking_topics.add(tp.topic)  # noqa: SLF001 - what the conductor does
    consumer = app.consumer
    consumer._committed_offset[tp] = 42  # noqa: SLF001 - read back from the broker
    app.consumer_generation_id = 1
    old = [ConsumerMessage(tp.topic, tp.partition, offset, 0.0, None, None, b"k", b"v",
                           None, generation_id=1) for offset in (43, 44, 45)]
    app.flow_control.suspend()  # a rebalance starts
    consumer._committed_offset.pop(tp)  # noqa: SLF001 - Consumer.on_partitions_revoked
    app.consumer_generation_id = 2  # assigned again
    return app, consumer, tp, old


async def test_fausts_own_ack_of_a_skipped_message_is_committed_past(tmp_path):
    """The upstream behaviour of the open chaos finding (faust-streaming 0.15.3): messages a
    stream skipped across a rebalance count as done, and the next commit passes over them
    (if this starts failing, faust fixed it and the patch can go)."""
    from faust.transport.consumer import Consumer

    apply_all(0.005)
    app, consumer, tp, old = _consumer_across_a_rebalance(tmp_path)
    patched = Consumer.ack
    try:
        Consumer.ack = patched.__wrapped_original__
        for message in old:  # what Stream._py_aiter does with `skipped_value`
            message.ack(consumer)
    finally:
        Consumer.ack = patched
    assert consumer._filter_committable_offsets([tp]) == {tp: 46}  # noqa: SLF001


async def test_a_message_skipped_across_a_rebalance_is_not_committed_past(tmp_path):
    """Patched: the skipped messages are not counted, nothing is committed on the partition
    until it is sought back to 42 and read again; in the new generation, with flow control
    running again, acks count as before."""
    from faust.transport.consumer import Consumer
    from faust.types.tuples import ConsumerMessage

    apply_all(0.005)
    assert getattr(Consumer.ack, MARK)
    app, consumer, tp, old = _consumer_across_a_rebalance(tmp_path)
    for message in old:
        assert message.ack(consumer) is False
        assert message.acked and message not in consumer._unacked_messages  # noqa: SLF001
    assert consumer._filter_committable_offsets([tp]) == {}  # noqa: SLF001
    app.flow_control.resume()  # recovery done, the partition sought back to 42
    consumer._committed_offset[tp] = 42  # noqa: SLF001
    for offset in (42, 43):
        message = ConsumerMessage(tp.topic, tp.partition, offset, 0.0, None, None, b"k",
                                  b"v", None, generation_id=2)
        assert message.ack(consumer) is True
    assert consumer._filter_committable_offsets([tp]) == {tp: 44}  # noqa: SLF001


def _consumer_missing_its_committed_offset(tmp_path, *, gap: bool):
    """The chaos finding of SLA: committed 43; 43 never reached the stream (and 44 neither,
    with `gap`: faust saw 45 right after 43), 45 acknowledged in the current generation."""
    from faust.types.tuples import ConsumerMessage

    app, consumer, tp, _ = _consumer_across_a_rebalance(tmp_path)
    app.flow_control.resume()  # recovery done, sought to the committed offset
    consumer._committed_offset[tp] = 43  # noqa: SLF001
    later = [45] if gap else [44, 45]
    if gap:
        asyncio.get_event_loop().run_until_complete(consumer._add_gap(tp, 44, 45))  # noqa: SLF001
    messages = {o: ConsumerMessage(tp.topic, tp.partition, o, 0.0, None, None, b"k", b"v",
                                   None, generation_id=2) for o in (43, *later)}
    for offset in later:
        assert messages[offset].ack(consumer) is True
    return consumer, tp, messages


@pytest.mark.parametrize("gap", [False, True])
def test_fausts_own_commit_passes_an_unacknowledged_committed_offset(tmp_path, gap):
    """Upstream (faust-streaming 0.15.3): 43 never acknowledged, and still committed past
    (the gap filled in, or the head check off by one). If this fails, faust fixed it."""
    from faust.transport.consumer import Consumer

    apply_all(0.005)
    consumer, tp, _ = _consumer_missing_its_committed_offset(tmp_path, gap=gap)
    patched = Consumer._new_offset
    try:
        Consumer._new_offset = patched.__wrapped_original__
        assert consumer._filter_committable_offsets([tp]) == {tp: 46}  # noqa: SLF001
    finally:
        Consumer._new_offset = patched


@pytest.mark.parametrize("gap", [False, True])
def test_nothing_is_committed_past_an_unprocessed_offset_and_it_is_read_again(tmp_path, gap,
                                                                             caplog):
    """Patched: nothing committed while 43 is not acknowledged; the fetcher is asked to seek
    back (once: not again on the next commit); once 43 is read again and acknowledged, the
    commit goes on to 46 (44 acknowledged again after the re-read is counted once)."""
    from faust.types.tuples import ConsumerMessage

    apply_all(0.005)
    consumer, tp, messages = _consumer_missing_its_committed_offset(tmp_path, gap=gap)
    with caplog.at_level("WARNING", logger="chassis.streams.patches"):
        assert consumer._filter_committable_offsets([tp]) == {}  # noqa: SLF001
    assert getattr(consumer, patches.REREAD) is True
    assert [(r.topic, r.partition, r.offset) for r in caplog.records
            if "never processed" in r.getMessage()] == [(tp.topic, tp.partition, 43)]
    setattr(consumer, patches.REREAD, False)  # the fetcher sought back
    assert consumer._filter_committable_offsets([tp]) == {}  # noqa: SLF001
    assert getattr(consumer, patches.REREAD) is False  # asked once, not on every commit
    again = [ConsumerMessage(tp.topic, tp.partition, o, 0.0, None, None, b"k", b"v", None,
                             generation_id=2) for o in (43, 44, 45)]
    assert again[0].ack(consumer) is True
    for message in again[1:]:
        message.ack(consumer)
    assert consumer._filter_committable_offsets([tp]) == {tp: 46}  # noqa: SLF001


def test_an_unacknowledged_committed_offset_in_flight_is_waited_for(tmp_path):
    """43 delivered to the stream and not yet acknowledged: no commit past it, no re-read."""
    apply_all(0.005)
    consumer, tp, messages = _consumer_missing_its_committed_offset(tmp_path, gap=False)
    consumer.track_message(messages[43])
    assert consumer._filter_committable_offsets([tp]) == {}  # noqa: SLF001
    assert not getattr(consumer, patches.REREAD, False)
    messages[43].ack(consumer)
    assert consumer._filter_committable_offsets([tp]) == {tp: 46}  # noqa: SLF001


async def test_the_fetcher_seeks_back_before_its_next_fetch_when_asked(tmp_path):
    """A pending re-read: `getmany` seeks every partition to its committed offset first
    (once), then fetches as faust does."""
    app, consumer, tp, _ = _consumer_across_a_rebalance(tmp_path)
    apply_all(0.005)
    sought: list[int] = []

    async def perform_seek() -> None:
        sought.append(1)

    async def nothing(timeout):
        return None, None

    consumer.perform_seek = perform_seek  # the broker's part: not in a unit test
    consumer._wait_next_records = nothing  # noqa: SLF001
    setattr(consumer, patches.REREAD, True)
    assert [m async for m in consumer.getmany(0.01)] == []
    assert [m async for m in consumer.getmany(0.01)] == []
    assert sought == [1] and getattr(consumer, patches.REREAD) is False


def _never_committed_consumer(tmp_path):
    """The chaos finding of SLA at the start of a run: a partition the group never committed
    (faust holds None); 0 never reached the stream, 1 and 2 were acknowledged."""
    from faust.types.tuples import ConsumerMessage

    app, consumer, tp, _ = _consumer_across_a_rebalance(tmp_path)
    app.flow_control.resume()
    consumer._committed_offset[tp] = None  # noqa: SLF001
    for offset in (1, 2):
        message = ConsumerMessage(tp.topic, tp.partition, offset, 0.0, None, None, b"k",
                                  b"v", None, generation_id=2)
        assert message.ack(consumer) is True
    return consumer, tp


def test_without_a_floor_a_never_committed_partition_is_committed_past_its_first_offset(
        tmp_path):
    """What the patch alone does for a partition without a committed offset (as faust):
    offset 0 never acknowledged, committed past (3). The rewind's floor closes it (below)."""
    apply_all(0.005)
    consumer, tp = _never_committed_consumer(tmp_path)
    assert consumer._filter_committable_offsets([tp]) == {tp: 3}  # noqa: SLF001


def test_a_never_committed_partition_is_held_at_its_floor_and_read_again(tmp_path):
    from faust.types.tuples import ConsumerMessage

    apply_all(0.005)
    consumer, tp = _never_committed_consumer(tmp_path)
    patches.set_floors(consumer, {tp: 0})  # what the rewind records after the rebalance
    assert consumer._filter_committable_offsets([tp]) == {}  # noqa: SLF001
    assert getattr(consumer, patches.REREAD) is True
    for offset in (0, 1, 2):
        ConsumerMessage(tp.topic, tp.partition, offset, 0.0, None, None, b"k", b"v", None,
                        generation_id=2).ack(consumer)
    assert consumer._filter_committable_offsets([tp]) == {tp: 3}  # noqa: SLF001


async def test_the_re_read_seeks_a_never_committed_partition_to_its_floor(tmp_path):
    """faust's seek to the committed offsets skips a partition without one: the fetcher seeks
    it to its floor itself."""
    app, consumer, tp, _ = _consumer_across_a_rebalance(tmp_path)
    apply_all(0.005)
    sought: list = []

    async def perform_seek() -> None:
        sought.append("committed")

    async def seek(partition, offset) -> None:
        sought.append((partition, offset))

    async def nothing(timeout):
        return None, None

    consumer.perform_seek, consumer.seek = perform_seek, seek  # the broker's part
    consumer.assignment = lambda: {tp}
    consumer._wait_next_records = nothing  # noqa: SLF001
    consumer._committed_offset[tp] = None  # noqa: SLF001
    patches.set_floors(consumer, {tp: 5})
    setattr(consumer, patches.REREAD, True)
    assert [m async for m in consumer.getmany(0.01)] == []
    assert sought == ["committed", (tp, 5)]
