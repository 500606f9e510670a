"""After a rebalance, input partitions with messages but no committed offset are read again
from their start (faust drops what it fetched while the rebalance stopped its flow, and its
seek back to the committed offset skips a partition that has none)."""

from __future__ import annotations

from types import SimpleNamespace

from faust.types import TP

from services.sla.deadlines import DeadlineIndex
from services.sla.offsets import never_committed
from services.sla.ticker import Ticker


def test_only_partitions_with_messages_and_no_committed_offset_are_rewound():
    a, b, c, d, e = "a", "b", "c", "d", "e"
    beginnings = {a: 0, b: 0, c: 0, d: 40, e: 0}
    ends = {a: 3, b: 3, c: 0, d: 40, e: 7}
    committed = {a: None, b: 2, c: None, d: None, e: 0}
    # a: never committed; e: committed 0 (aiokafka does not seek there either);
    # b: committed (faust seeks it back itself); c, d: nothing to read
    assert never_committed(beginnings, ends, committed) == {a: 0, e: 0}


def test_a_partition_whose_first_messages_expired_is_read_from_the_first_one_left():
    assert never_committed({"a": 12}, {"a": 15}, {"a": None}) == {"a": 12}


class FakeConsumer:
    def __init__(self, assignment: set[TP]) -> None:
        self._assignment = assignment
        self.seeks: list[dict[TP, int]] = []

    def assignment(self) -> set[TP]:
        return self._assignment

    async def seek_wait(self, partitions: dict[TP, int]) -> None:
        self.seeks.append(dict(partitions))


def ticker_with(consumer: FakeConsumer, found) -> tuple[Ticker, list]:
    app = SimpleNamespace(consumer=consumer, conf=SimpleNamespace(id="audiensi-sla"))
    ticker = Ticker(app, table={}, index=DeadlineIndex(), processor=None, publisher=None,
                    redis=lambda: None, input_topics=("cmd", "disposition"), bootstrap="kafka")
    asked = []

    async def unread_from_start(bootstrap, group, partitions):
        asked.append((bootstrap, group, partitions))
        return found

    ticker.unread_from_start = unread_from_start
    return ticker, asked


async def test_recovery_rewinds_the_assigned_input_partitions_that_were_never_committed():
    consumer = FakeConsumer({TP("cmd", 3), TP("disposition", 3), TP("sla-clocks-changelog", 3)})
    ticker, asked = ticker_with(consumer, {("cmd", 3): 0})
    await ticker.on_recovered()
    assert asked == [("kafka", "audiensi-sla", [("cmd", 3), ("disposition", 3)])]
    assert consumer.seeks == [{TP("cmd", 3): 0}]
    assert ticker.needs_rebuild


async def test_nothing_is_sought_when_every_partition_was_committed_or_the_broker_is_away():
    for found in ({}, None):
        consumer = FakeConsumer({TP("cmd", 0)})
        ticker, _ = ticker_with(consumer, found)
        await ticker.on_recovered()
        assert consumer.seeks == [] and ticker.needs_rebuild
