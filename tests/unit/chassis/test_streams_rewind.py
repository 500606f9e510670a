"""After a rebalance, input partitions with messages but no committed offset are read again
from their start (faust drops what it fetched while the rebalance stopped its flow, and
aiokafka's seek back to the committed offset skips a partition that has none) - for every
service built on `chassis.streams.make_faust_app`."""

from __future__ import annotations

from types import SimpleNamespace

import faust
from faust.types import TP

from chassis.settings import Settings
from chassis.streams import make_faust_app, never_committed
from chassis.streams.patches import floors_of, set_floors
from chassis.streams.rewind import NeverCommittedRewind, install_rewind


def test_only_partitions_without_a_committed_offset_are_rewound_from_their_first_offset():
    a, b, c, d, e = "a", "b", "c", "d", "e"
    beginnings = {a: 0, b: 0, c: 0, d: 40, e: 0}
    ends = {a: 3, b: 3, c: 0, d: 40, e: 7}
    committed = {a: None, b: 2, c: None, d: None, e: 0}
    # a: never committed; e: committed 0 (aiokafka does not seek there either);
    # b: committed (faust seeks it back itself); c, d: empty, their first message to come
    # at 0 and 40 (the floor their commits are held at)
    assert never_committed(beginnings, ends, committed) == {a: 0, c: 0, d: 40, e: 0}


def test_a_partition_whose_first_messages_expired_is_read_from_the_first_one_left():
    assert never_committed({"a": 12}, {"a": 15}, {"a": None}) == {"a": 12}


class FakeConsumer:
    def __init__(self, assignment: set[TP], fail: Exception | None = None) -> None:
        self._assignment = assignment
        self.fail = fail
        self.seeks: list[dict[TP, int]] = []

    def assignment(self) -> set[TP]:
        return self._assignment

    async def seek_wait(self, partitions: dict[TP, int]) -> None:
        if self.fail:
            raise self.fail
        self.seeks.append(dict(partitions))


def fake_app(consumer: FakeConsumer, changelogs=("sla-clocks-changelog",)):
    return SimpleNamespace(consumer=consumer, conf=SimpleNamespace(id="audiensi-sla"),
                           tables=SimpleNamespace(changelog_topics=set(changelogs)))


def rewind_with(consumer: FakeConsumer, found) -> tuple[NeverCommittedRewind, list]:
    asked = []

    async def unread(bootstrap, group, partitions):
        asked.append((bootstrap, group, partitions))
        return found

    return NeverCommittedRewind(fake_app(consumer), "kafka", unread), asked


async def test_the_assigned_input_partitions_that_were_never_committed_are_sought_back():
    consumer = FakeConsumer({TP("cmd", 3), TP("disposition", 3), TP("sla-clocks-changelog", 3)})
    rewind, asked = rewind_with(consumer, {("cmd", 3): 0})
    await rewind.on_rebalance_complete(object())
    assert asked == [("kafka", "audiensi-sla", [("cmd", 3), ("disposition", 3)])]
    assert consumer.seeks == [{TP("cmd", 3): 0}]
    assert rewind.last == {("cmd", 3): 0}
    assert floors_of(consumer) == {TP("cmd", 3): 0}  # its commits are held there


async def test_nothing_is_sought_when_every_partition_was_committed_or_the_broker_is_away():
    for found in ({}, None):
        consumer = FakeConsumer({TP("cmd", 0)})
        set_floors(consumer, {TP("cmd", 0): 3})  # an earlier assignment's
        rewind, _ = rewind_with(consumer, found)
        await rewind.on_rebalance_complete(object())
        assert consumer.seeks == [] and rewind.last == {}
        assert floors_of(consumer) == {}  # no stale floor holds a commit


async def test_nothing_is_asked_without_input_partitions():
    consumer = FakeConsumer({TP("sla-clocks-changelog", 0)})
    rewind, asked = rewind_with(consumer, {("x", 0): 0})
    await rewind.on_rebalance_complete(object())
    assert asked == [] and consumer.seeks == []


async def test_a_failing_seek_never_reaches_fausts_recovery():
    """e.g. a partition revoked by a new rebalance meanwhile: faust's own seek stands, and the
    next rebalance rewinds again."""
    consumer = FakeConsumer({TP("cmd", 1)}, fail=RuntimeError("not assigned"))
    rewind, _ = rewind_with(consumer, {("cmd", 1): 0})
    await rewind.on_rebalance_complete(object())  # does not raise
    assert rewind.last == {}


async def test_the_rewind_runs_on_fausts_rebalance_complete_signal_of_its_app_only():
    app, other = faust.App("t-rewind-a", broker="kafka://x"), faust.App("t-rewind-b",
                                                                         broker="kafka://x")
    rewind = install_rewind(app, "kafka")
    runs = []

    async def run():
        runs.append(1)
        return {}

    rewind.run = run
    await other.on_rebalance_complete.send()
    assert runs == []
    await app.on_rebalance_complete.send()
    assert runs == [1]


def test_every_app_of_the_factory_gets_the_rewind():
    app = make_faust_app("echo", Settings(), instance="unit")
    receivers = list(app.on_rebalance_complete.iter_receivers(app))
    assert any(isinstance(getattr(r, "__self__", None), NeverCommittedRewind)
               for r in receivers)
