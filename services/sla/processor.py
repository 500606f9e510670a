"""The agent's work on one batch of its stream: decide, publish, remember, project.

For each message: parse it into a decider input (or dead-letter it), decide on its
subject's state (the pure `domain.decide`: the new state and the events), wrap the events
into envelopes (`envelopes_for`: ids, per-topic sequences, cause and actor) and turn a
refusal or a result into the reply (`chassis.errors`). Then, for the whole batch, in this
order:
1. publish the envelopes and wait for the broker's acknowledgements (retrying while the
   broker is away: the batch's offsets are not committed until this returns);
2. write the changed states to the changelog-backed table;
3. set the subjects' next due in the deadline index;
4. queue the read-model writes and the replies for Redis (one background writer, in batch
   order: the agent does not wait for Redis, a cache rewritten from the table whenever
   partitions are assigned).
A crash between 1 and 2 republishes byte-identical envelopes (same ids and sequences) on
redelivery; a crash after 2 changes nothing on redelivery (facts remember their source
sequence, ticks find their steps fired, commands their id).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import Histogram

from chassis.commands import CommandMessage, Reply, send_reply
from chassis.durability import Published
from chassis.errors import refusal
from chassis.metrics import DEADLETTERS, EVENTS_CONSUMED, EVENTS_PUBLISHED
from chassis.pipeline import dead_letter_envelope, describe, retrying
from contracts import DecodeError, Envelope, decode, envelope
from services.sla import readmodel
from services.sla.deadlines import DeadlineIndex
from services.sla.domain import (
    SOURCES,
    Acknowledge,
    CommandRecord,
    Decision,
    DomainError,
    Emitted,
    Fact,
    Input,
    SubjectState,
    Tick,
    decide,
    fold_own,
    initial_state,
)
from services.sla.inputs import COMMANDS, TICK, BadInput, Parsed, parse, relevant_types
from services.sla.policy import PolicySet

log = logging.getLogger(__name__)
SERVICE = "sla"
OWN_SOURCES = frozenset(SOURCES.values())
PROJECTION_BACKLOG = 20  # batches of read-model writes the agent may run ahead of Redis
#: messages read and inputs decided between two yields to the event loop (a `ticks` record
#: carries many inputs): the HTTP API, the ticker and the Kafka client share the loop with
#: the agent, and a herd's batch of 500 decided at once held every request for its whole
#: decide phase
DECIDE_SLICE = 50
BATCH_SIZE = Histogram("audiensi_sla_batch_messages", "Messages per agent batch",
                       buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500))
PHASE = Histogram("audiensi_sla_batch_phase_seconds", "Time per phase of an agent batch",
                  ["phase"], buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                      1, 2.5))


# --- table values: "<partition>|<next due timestamp or ->|<state>" -------------------------
# <state> is "z1" + the state's JSON deflated with `_ZDICT_1` as preset dictionary (a clock's
# JSON is ~900 bytes, mostly field names and ISO instants: ~200 bytes deflated this way; the
# memory store holds every open subject's value), or the plain JSON (`{...}`) that values
# written before it carry. `_ZDICT_1` must never change: a new dictionary gets a new tag.

_ZDICT_1 = (
    b'"to_division":null,"division":"due_at":"scheduled_at":"raised_at":"state":"open",'
    b'"acknowledged_by":null,"acknowledged_at":null,"note":null,"resolved_at":null,'
    b'"resolution":null},{"escalation_id":"clock_id":"policy_id":"level":1,"reason":'
    b'"at_risk","breached","to_role":"division_head","head_of_office","secretariat",'
    b'"threshold_pct":100.0,"at":"fired_at":null}],"breached_at":null,"stopped_at":null,'
    b'"elapsed_seconds":null}],"commands":[{"command_id":"body":{"subject":"partition":'
    b'"sequences":{"audiensi.sla.v1":1,"audiensi.escalations.v1":1},"applied":{"intake":1,'
    b'"complaints":1,"disposition":1},"division_at":"facts":{"inform-applicant":'
    b'"receive-disposition":"dispose-request":[{"time":"role":"start","stop","cancel",'
    b'"event_id":"event_type":"DispositionReceived"}]},"clocks":[{"clock_id":"policy_id":'
    b'"cycle":1,"calendar_id":"office","wall","start_event_id":"started_at":"state":'
    b'"running","due_at":"transitions":[],"steps":[{"level":1,"reason":"breached",'
    b'"to_role":"division_head","threshold_pct":75.0,"at":".000000Z","fired_at":null}'
)
_TAG_1 = b"z1"


def pack(state: SubjectState) -> bytes:
    due = state.next_due()
    head = f"{state.partition}|{due.timestamp() if due else '-'}|".encode()
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, _ZDICT_1)
    body = deflate.compress(state.model_dump_json().encode()) + deflate.flush()
    return head + _TAG_1 + body


def unpack_head(raw: bytes) -> tuple[int, float | None]:
    partition, due, _ = raw.split(b"|", 2)
    return int(partition), None if due == b"-" else float(due)


def state_json(raw: bytes) -> bytes:
    """The state's JSON in a table value (either form)."""
    body = raw.split(b"|", 2)[2]
    if body[:2] == _TAG_1:
        inflate = zlib.decompressobj(-15, _ZDICT_1)
        return inflate.decompress(body[2:]) + inflate.flush()
    return body


def unpack(raw: bytes) -> SubjectState:
    return SubjectState.model_validate_json(state_json(raw))


@dataclass
class _Work:
    """One subject's share of a batch."""

    before_raw: bytes | None
    before: readmodel.Views  # what the read model holds for it
    state: SubjectState  # the state after the inputs applied so far (each decide: a new one)
    envelopes: list[Envelope] = field(default_factory=list)


@dataclass
class Decided:
    """A batch decided and not finished yet: per subject its work, the replies, the
    dead letters, whether the fault hook drops its table writes."""

    work: dict[str, _Work] = field(default_factory=dict)
    replies: list[tuple[CommandMessage, Reply]] = field(default_factory=list)
    letters: list[Envelope] = field(default_factory=list)
    lost: bool = False
    seconds: float = 0.0  # the decide half's time


@dataclass
class Processor:
    policies: PolicySet
    table: Any  # faust Table: bytes key -> packed bytes
    publisher: Any  # .publish(envelopes): sends and waits for the broker's acknowledgements
    index: DeadlineIndex
    redis: Callable[[], Any]  # the Redis client (created when the service starts)
    retry_delay: float = 0.5
    faults: Any = None  # chassis.faults.Faults (test-only hooks)
    processed: dict[tuple[str, int], int] = field(default_factory=dict)  # (topic, p) -> offset
    last_input_at: dict[int, float] = field(default_factory=dict)  # partition -> monotonic
    #: subject -> its state as decided by a batch not finished yet (the table has the one
    #: before): what the next batch decides on
    unwritten: dict[str, SubjectState] = field(default_factory=dict)
    _projections: asyncio.Queue | None = None
    _projector: asyncio.Task | None = None

    def __post_init__(self) -> None:
        self.relevant = relevant_types(self.policies)

    async def process(self, events: list[Any]) -> None:
        """One batch from start to end (the agent overlaps the two halves: `agents`)."""
        await self.finish(await self.decide(events))

    async def decide(self, events: list[Any]) -> Decided:
        """The first half of a batch: each message parsed and decided, in order. The states
        decided are what the next batch decides on even before this one's table writes
        (`unwritten`), unless the fault hook dropped them."""
        BATCH_SIZE.observe(len(events))
        began = time.perf_counter()
        batch = Decided()
        work = batch.work
        steps = 0  # messages read and inputs decided since the last yield
        for event in events:
            if steps >= DECIDE_SLICE:
                steps = 0
                await asyncio.sleep(0)  # the batch's work so far is in `work`, not shared
            steps += 1
            msg = event.message
            self.processed[(msg.topic, msg.partition)] = msg.offset
            EVENTS_CONSUMED.labels(SERVICE, msg.topic).inc()
            if msg.topic != COMMANDS:
                self.last_input_at[msg.partition] = time.monotonic()
            try:
                inputs = parse(msg.topic, event.value, self.relevant)
            except BadInput as exc:
                batch.letters.append(self.dead_letter(msg, str(exc)))
                continue
            for parsed in inputs:  # a `ticks` record: many
                if steps >= DECIDE_SLICE:
                    steps = 0
                    await asyncio.sleep(0)
                steps += 1
                self.decide_one(batch, msg, parsed)
        if not batch.lost:
            for subject, w in work.items():
                self.unwritten[subject] = w.state
        batch.seconds = time.perf_counter() - began
        return batch

    def decide_one(self, batch: Decided, msg, parsed: Parsed) -> None:
        work = batch.work
        w = work.get(parsed.subject) or self.load(parsed.subject, msg.partition)
        work[parsed.subject] = w
        try:
            decision = self.apply(w, parsed)
        except DomainError as err:
            batch.replies += self.refusal(parsed, err)
            return
        except Exception as exc:  # noqa: BLE001 - a bug must not stop the stream
            # the decider is pure: the subject's state is as it was before this input
            log.exception("cannot apply %s to %s", msg.topic, parsed.subject)
            batch.letters.append(self.dead_letter(msg, f"apply: {describe(exc)}"))
            return
        if parsed.command is not None and decision.reply is not None:
            batch.replies.append((parsed.command, _reply(decision.reply)))
        if (self.faults is not None and w.envelopes
                and self.faults.lose_state_write(command_name(parsed), msg, parsed.subject)):
            batch.lost = True

    async def finish(self, batch: Decided) -> None:
        """The second half: publish and wait for the acknowledgements, then the table, the
        deadline index and the read model. The agent finishes batches in their order."""
        work = batch.work
        began = time.perf_counter()
        await self.publish([e for w in work.values() for e in w.envelopes] + batch.letters)
        published = time.perf_counter()
        changed = [] if batch.lost else self.remember(work)
        for subject, w in work.items():  # in the table now (or lost): no longer pending
            if self.unwritten.get(subject) is w.state:
                del self.unwritten[subject]
        self.schedule(work)
        remembered = time.perf_counter()
        if changed or batch.replies:
            await self.projection_queue().put((changed, batch.replies))
        for phase, seconds in (("decide", batch.seconds), ("publish", published - began),
                               ("table", remembered - published)):
            PHASE.labels(phase).observe(seconds)

    def fold_published(self, published: Published) -> bool:
        """Bring a subject's state up to one of its own events on the topic (see
        `chassis.durability` and `domain.fold_own`); True if the state was behind."""
        if (published.source not in OWN_SOURCES or published.subject is None
                or published.sequence is None):
            return False
        topic = published.topic
        raw = self.table.get(published.subject.encode())
        if raw is not None and published.sequence <= json.loads(state_json(raw)).get(
                "sequences", {}).get(topic, 0):
            return False  # held already: no need to validate it
        w = self.load(published.subject, published.partition)
        try:
            env = decode(published.value)
        except DecodeError:
            log.exception("own event cannot be decoded: %s@%s", topic, published.offset)
            return False
        new = fold_own(w.state, env)
        if new is None:
            return False
        self.table[published.subject.encode()] = pack(new)
        self.index.set(published.subject, new.partition, new.next_due())
        self.projection_queue().put_nowait(([(w.before, new)], []))
        return True

    def apply(self, w: _Work, parsed: Parsed) -> Decision:
        """Decide on the subject's current state; a refusal or a failure leaves it as it
        was (the decider never changes the state it is given)."""
        decision = decide(w.state, parsed.input, self.policies)
        w.envelopes += envelopes_for(w.state, parsed.input, decision.events)
        w.state = decision.state
        return decision

    def load(self, subject: str, partition: int) -> _Work:
        pending = self.unwritten.get(subject)
        if pending is not None:  # decided by a batch still waiting for its acknowledgements
            return _Work(pack(pending), readmodel.views(pending), pending)
        raw = self.table.get(subject.encode())
        if raw is None:
            return _Work(None, readmodel.NEW, initial_state(subject, partition))
        state = unpack(raw)
        state.partition = partition
        return _Work(raw, readmodel.views(state), state)

    async def publish(self, envelopes: list[Envelope]) -> None:
        """Wait until durable, retrying while the broker is away (chassis.pipeline): the
        batch's offsets are not committed until this returns."""
        if not envelopes:
            return
        async for attempt in retrying(first=self.retry_delay, most=self.retry_delay * 10):
            with attempt:
                await self.publisher.publish(envelopes)
        for env in envelopes:
            EVENTS_PUBLISHED.labels(SERVICE, env.type).inc()

    def remember(self, work: dict[str, _Work]) -> list[tuple[readmodel.Views, SubjectState]]:
        changed = []
        for subject, w in work.items():
            raw = pack(w.state)
            if raw != w.before_raw:
                self.table[subject.encode()] = raw
                changed.append((w.before, w.state))
        return changed

    def schedule(self, work: dict[str, _Work]) -> None:
        for subject, w in work.items():
            self.index.set(subject, w.state.partition, w.state.next_due())

    def projection_queue(self) -> asyncio.Queue:
        """Read-model writes and replies, in batch order, written by one background task:
        the agent moves on to its next batch meanwhile (the queue bounds how far ahead)."""
        if self._projections is None:
            self._projections = asyncio.Queue(maxsize=PROJECTION_BACKLOG)
            self._projector = asyncio.ensure_future(self._project_forever(self._projections))
        return self._projections

    async def _project_forever(self, queue: asyncio.Queue) -> None:
        while True:
            changed, replies = await queue.get()
            began = time.perf_counter()
            await self.project(changed, replies)
            PHASE.labels("redis").observe(time.perf_counter() - began)

    async def project(self, changed, replies) -> None:
        redis = self.redis()
        if changed:
            try:
                async with redis.pipeline(transaction=False) as pipe:
                    readmodel.write_batch(pipe, changed)
                    await pipe.execute()
            except Exception as exc:  # noqa: BLE001 - a cache; rewritten on assignment
                log.warning("read model write failed: %r", exc)
        for msg, reply in replies:
            try:
                await send_reply(redis, msg, reply)
            except Exception as exc:  # noqa: BLE001 - the caller times out and retries
                log.warning("reply failed: %r", exc)

    def refusal(self, parsed: Parsed, err: DomainError) -> list[tuple[CommandMessage, Reply]]:
        if parsed.command is None:
            return []
        return [(parsed.command, refusal(err))]

    def dead_letter(self, msg, error: str) -> Envelope:
        log.warning("dead-lettering %s/%s@%s: %s", msg.topic, msg.partition, msg.offset, error)
        DEADLETTERS.labels(SERVICE, msg.topic).inc()
        return dead_letter_envelope(SERVICE, msg, error)


def command_name(parsed: Parsed) -> str | None:
    if isinstance(parsed.input, Tick):
        return TICK
    return parsed.command.name if parsed.command is not None else None


def _reply(record: CommandRecord) -> Reply:
    """A command's result as its answer (refusals are `chassis.errors.refusal`)."""
    return Reply(status=200, body=record.body)


def cause_of(inp: Input) -> tuple[str | None, str | None, str | None, str | None]:
    """(causation, correlation, actor, actor role) of the envelopes an input leads to."""
    if isinstance(inp, Fact):
        return inp.event_id, inp.correlation_id, None, None
    if isinstance(inp, Acknowledge):
        return inp.command_id, inp.correlation_id, inp.by, inp.role
    return inp.command_id, None, None, None


def envelopes_for(before: SubjectState, inp: Input, events: list[Emitted]) -> list[Envelope]:
    """The envelopes of what one decision on `before` announced: per output topic the next
    sequences after the ones `before` published (the decided state counts them the same
    way), the id derived from what each event announces, the cause and actor of `inp`."""
    if not events:
        return []
    causation, correlation, actor, role = cause_of(inp)
    sequences = dict(before.sequences)
    out = []
    for e in events:
        topic = e.topic
        sequences[topic] = seq = sequences.get(topic, 0) + 1
        out.append(envelope(e.event, source=SOURCES[topic], sequence=seq, time=e.at, id=e.id,
                            causationid=causation, correlationid=correlation, actorid=actor,
                            actorrole=role))
    return out
