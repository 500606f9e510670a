"""The agent's batch work with fakes for the table, the producer and Redis: order of
effects, dead letters, retries, refusals, replay after a failing input, redelivery."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from chassis.auth import Principal
from chassis.commands import CommandMessage
from contracts import decode, encode, envelope
from contracts.disposition import ApplicantInformed, DispositionReceived
from contracts.topics import DISPOSITION
from services.sla import domain as domain_module
from services.sla.deadlines import DeadlineIndex
from services.sla.inputs import COMMANDS, tick_message
from services.sla.processor import Processor, unpack
from tests.unit.sla.clock_support import POLICIES

T0 = datetime(2026, 4, 6, 1, 0, tzinfo=UTC)


@dataclass
class Message:  # what the processor reads of a faust Message
    topic: str
    partition: int
    offset: int
    key: bytes | None = None
    value: bytes | None = None


class Event:
    def __init__(self, message: Message, key: bytes, value: bytes) -> None:
        message.key, message.value = key, value
        self.message, self.key, self.value = message, key, value


class FakePublisher:
    def __init__(self, failures: int = 0) -> None:
        self.failures = failures
        self.published = []

    async def publish(self, envelopes) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("broker away")
        self.published += envelopes


class FakePipeline:
    def __init__(self, redis) -> None:
        self.redis = redis

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc) -> None:
        return None

    def __getattr__(self, name):
        return lambda *a, **kw: self.redis.calls.append((name, a, kw))

    async def execute(self):
        return []


class FakeRedis:
    def __init__(self) -> None:
        self.calls = []

    def pipeline(self, transaction: bool = True) -> FakePipeline:
        return FakePipeline(self)

    def replies(self):
        return [a for name, a, _ in self.calls if name == "rpush"]


def make(failures: int = 0):
    redis = FakeRedis()
    proc = Processor(POLICIES, {}, FakePublisher(failures), DeadlineIndex(), lambda: redis,
                     retry_delay=0)
    return proc, redis


_offsets = iter(range(10_000))


def fact(event, seq: int, at: datetime) -> Event:
    env = envelope(event, source="disposition", sequence=seq, time=at)
    return Event(Message(DISPOSITION, 0, next(_offsets)), env.subject.encode(), encode(env))


def received(case: str, seq: int = 1, minutes: float = 0) -> Event:
    return fact(DispositionReceived(case_id=case, division="rehsos", received_by="k"), seq,
                T0 + timedelta(minutes=minutes))


def informed(case: str, seq: int, minutes: float) -> Event:
    return fact(ApplicantInformed(case_id=case, channel="telepon", message="m",
                                  informed_by="o"), seq, T0 + timedelta(minutes=minutes))


def command(msg: CommandMessage) -> Event:
    return Event(Message(COMMANDS, 0, next(_offsets)), msg.subject.encode(), msg.to_bytes())


async def settle(proc: Processor) -> None:
    """Let the background read-model writer drain its queue."""
    for _ in range(20):
        await asyncio.sleep(0)
        if proc._projections is None or proc._projections.empty():
            await asyncio.sleep(0)
            return


def types(proc: Processor) -> list[str]:
    return [e.type for e in proc.publisher.published]


async def test_a_batch_publishes_then_remembers_then_schedules():
    proc, redis = make()
    await proc.process([received("c1"), received("c2")])
    assert types(proc) == ["ClockStarted", "ClockStarted"]
    assert set(proc.table) == {b"c1", b"c2"}
    assert unpack(proc.table[b"c1"]).clocks[0].state == "running"
    assert proc.index.due_of("c1") == (T0 + timedelta(minutes=45)).timestamp()
    await settle(proc)
    assert any(name == "hset" for name, _, _ in redis.calls)


async def test_unreadable_messages_are_dead_lettered_and_the_batch_goes_on():
    proc, _ = make()
    bad = Event(Message(DISPOSITION, 3, 42), b"c9", b"not json")
    await proc.process([bad, received("c1")])
    assert types(proc) == ["ClockStarted", "DeadLettered"]
    letter = proc.publisher.published[-1].data
    assert (letter.original_topic, letter.partition, letter.offset, letter.consumer) == (
        DISPOSITION, 3, 42, "sla")


async def test_publishing_is_retried_until_the_broker_takes_it():
    proc, _ = make(failures=3)
    await proc.process([received("c1")])
    assert types(proc) == ["ClockStarted"] and b"c1" in proc.table


async def test_a_redelivered_batch_publishes_nothing_more():
    proc, _ = make()
    batch = [received("c1"), informed("c1", 2, 10)]
    await proc.process(batch)
    table = dict(proc.table)
    await proc.process(batch)
    assert types(proc) == ["ClockStarted", "ClockStopped"]
    assert proc.table == table


async def test_a_failing_input_is_dead_lettered_and_the_others_still_apply(monkeypatch):
    """The decider fails half-way through the stop: what it had changed (on its own copy of
    the state) must not survive; the start before it and the tick after it still apply."""
    proc, _ = make()
    real = domain_module._Tx.follow

    def flaky(self, policy, calendar, clock, cycle, *rest):
        if cycle.end is not None:
            real(self, policy, calendar, clock, cycle, *rest)  # stopped, announced ...
            self.state.clocks.clear()  # ... and half-done damage
            raise RuntimeError("boom")
        return real(self, policy, calendar, clock, cycle, *rest)

    monkeypatch.setattr(domain_module._Tx, "follow", flaky)
    tick_at = T0 + timedelta(minutes=50)
    tick = command(tick_message("c1", tick_at, Principal(sub="t")))
    await proc.process([received("c1"), informed("c1", 2, 10), tick])
    assert types(proc) == ["ClockStarted", "ClockAtRisk", "EscalationRaised", "DeadLettered"]
    state = unpack(proc.table[b"c1"])
    assert state.clocks[0].state == "running" and len(state.escalations) == 1
    assert "boom" in proc.publisher.published[-1].data.error


async def test_a_refused_acknowledgement_answers_and_writes_nothing():
    proc, redis = make()
    await proc.process([received("c1")])
    before = dict(proc.table)
    msg = CommandMessage(command_id="k1", name="acknowledge", subject="c1",
                         payload={"escalation_id": "nope"}, actor=Principal(sub="ops"),
                         at=T0, correlation_id="x", reply_to="audiensi:reply:k1")
    await proc.process([command(msg)])
    await settle(proc)
    assert types(proc) == ["ClockStarted"] and proc.table == before
    ((key, body),) = redis.replies()
    assert key == "audiensi:reply:k1" and '"status":404' in body


async def test_an_acknowledgement_is_published_and_answered():
    proc, redis = make()
    tick = command(tick_message("c1", T0 + timedelta(minutes=46), Principal(sub="t")))
    await proc.process([received("c1"), tick])
    escalation = unpack(proc.table[b"c1"]).escalations[0].escalation_id
    msg = CommandMessage(command_id="k2", name="acknowledge", subject="c1",
                         payload={"escalation_id": escalation, "note": "ok"},
                         actor=Principal(sub="kabid-rehsos", roles=("division_head",)),
                         at=T0, correlation_id="x", reply_to="audiensi:reply:k2")
    await proc.process([command(msg)])
    await settle(proc)
    assert types(proc)[-1] == "EscalationAcknowledged"
    ((_, body),) = redis.replies()
    assert '"status":200' in body and '"acknowledged"' in body
    assert decode(encode(proc.publisher.published[-1])).actorid == "kabid-rehsos"


async def test_a_long_batch_lets_other_tasks_run_while_it_is_decided():
    """The HTTP API shares the event loop with the agent: a herd's batch must not hold it
    for its whole decide phase (processor.DECIDE_SLICE messages between two yields)."""
    from services.sla.processor import DECIDE_SLICE

    proc, _ = make()
    batch = [received(f"slice-{n}") for n in range(DECIDE_SLICE * 3)]
    first, last = batch[0].message.offset, batch[-1].message.offset
    seen: list[int | None] = []  # the last offset the agent had read, each time this ran

    async def other_task() -> None:  # e.g. a request handler waiting for the loop
        while proc.processed.get((DISPOSITION, 0), -1) < last:
            seen.append(proc.processed.get((DISPOSITION, 0)))
            await asyncio.sleep(0)

    other = asyncio.ensure_future(other_task())
    await proc.process(batch)
    await other
    assert any(off is not None and first <= off < last for off in seen), seen  # mid-batch
    assert types(proc) == ["ClockStarted"] * len(batch)  # and the batch is whole


async def test_a_ticks_record_decides_each_subject_as_a_tick_record_each_would():
    from services.sla.inputs import ticks_message

    at = T0 + timedelta(minutes=61)
    starts = [received("c1"), received("c2")]  # the same facts (ids) for both
    outcomes = []
    for ticks in ([command(ticks_message(["c1", "c2"], at, Principal(sub="t")))],
                  [command(tick_message(s, at, Principal(sub="t"))) for s in ("c1", "c2")]):
        proc, _ = make()
        await proc.process(starts)
        await proc.process(ticks)
        outcomes.append(([(e.subject, e.type, e.id, e.causationid)
                          for e in proc.publisher.published], dict(proc.table)))
    assert outcomes[0] == outcomes[1]
    assert [t for s, t, *_ in outcomes[0][0]].count("EscalationRaised") == 4


async def test_a_ticks_record_of_many_subjects_lets_other_tasks_run_while_it_is_decided():
    """Inputs count towards processor.DECIDE_SLICE, not only messages: one `ticks` record
    carries many subjects."""
    from services.sla.inputs import ticks_message
    from services.sla.processor import DECIDE_SLICE

    proc, _ = make()
    subjects = [f"many-{n}" for n in range(DECIDE_SLICE * 3)]
    await proc.process([received(s) for s in subjects])
    ticks = command(ticks_message(subjects, T0 + timedelta(minutes=61), Principal(sub="t")))
    ran_mid_record: list[int] = []

    async def other_task() -> None:  # e.g. a request handler waiting for the loop
        while not ran_mid_record:
            ran_mid_record.extend([len(proc.unwritten)] if proc.processed.get(
                (COMMANDS, 0)) == ticks.message.offset else [])
            await asyncio.sleep(0)

    other = asyncio.ensure_future(other_task())
    decided = await proc.decide([ticks])
    await other
    assert ran_mid_record == [0]  # ran while the record was being decided
    assert sum(1 for w in decided.work.values() for e in w.envelopes
               if e.type == "EscalationRaised") == 2 * len(subjects)
