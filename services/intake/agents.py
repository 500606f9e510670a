"""The two writers of the intake service, as thin faust loops.

- `registrar`: the single-partition registrar topic -> guest book and agenda book (one
  writer for the agenda counter); publishes VisitorCheckedIn, AudienceRequested and
  RequestRegistered; applies what is queued as a batch with one flush (`Registrar`).
- `cases`: the per-case command topic + `audiensi.intake.v1` + `audiensi.complaints.v1` +
  `audiensi.disposition.v1` as ONE stream (co-partitioned by case id): learns the cases the
  registrar created, is the only writer of everything that happens to a case or a complaint
  afterwards, and learns from the disposition service where each case went (`access.py`:
  the division, the copies, the officer its reads are scoped by).

Each: decode -> pure decision -> publish (durable) -> store state -> reply over Redis.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from aiokafka.errors import MessageSizeTooLargeError

from chassis.batching import current, run_batched
from chassis.commands import CommandMessage, Publisher, Reply
from chassis.durability import OwnEventFold, Published, co_partitioned_fold, make_fold
from chassis.errors import internal_reply
from chassis.faults import Faults
from chassis.metrics import EVENTS_CONSUMED
from chassis.pipeline import AgentIO
from chassis.streams import commands_topic, raw_topic
from chassis.streams.app import producer_knows
from chassis.web import ServiceContext
from contracts import DecodeError, Envelope, decode
from contracts.topics import COMPLAINTS, DISPOSITION, INTAKE, command_topic

from . import access as case_access
from . import cases as case_rules
from . import commands as c
from . import complaints as complaint_rules
from . import domain, privacy
from . import registrar as books
from .envelopes import SOURCE, refs_for, wrap
from .wib import agenda_year

log = logging.getLogger(__name__)

REGISTRAR_TOPIC = "audiensi.intake.registrar.v1"
CASE_COMMANDS = command_topic("intake")


@dataclass
class Wiring:
    registrar_topic: Any
    case_commands: Any
    books: Any
    cases: Any


def install(app, ctx: ServiceContext) -> Wiring:
    """Declare the topics and tables and register the agents on `app` (nothing connects)."""
    n = ctx.settings.topic_partitions
    registrar_topic = raw_topic(app, REGISTRAR_TOPIC, 1)
    case_stream = app.topic(CASE_COMMANDS, INTAKE, COMPLAINTS, DISPOSITION, partitions=n,
                            key_serializer="raw", value_serializer="raw")
    book_table = app.Table("intake-books", partitions=1)
    case_table = app.Table("intake-cases", partitions=n)
    io = AgentIO(SOURCE, Publisher(app, n), lambda: ctx.replies)
    faults = Faults.for_app(ctx.settings, app)
    # the registrar's books follow every partition of the intake topic (its events are keyed
    # by case or visit); each case's state follows the same partition of the own topics
    book_fold = make_fold(app, ctx.settings, "intake-books",
                          lambda _p: [(INTAKE, p) for p in range(n)],
                          lambda published: registrar.fold_published(published))
    case_fold = co_partitioned_fold(app, ctx.settings, "intake-cases", [INTAKE, COMPLAINTS],
                                    lambda published: owner.fold_published(published))
    registrar = Registrar(io, book_table, book_fold, faults)
    owner = CaseOwner(io, case_table, case_fold, faults)

    @app.agent(registrar_topic, name="intake-registrar")
    async def run_registrar(stream):
        # a table write before the producer knows the changelog topic would crash the agent
        await producer_knows(app, [book_table.changelog_topic.get_topic_name()])

        async def apply(events: list) -> None:
            for partition in sorted({event.message.partition for event in events}):
                await registrar.fold.ensure(partition)
            await registrar.on_batch(events)

        await run_batched(stream, apply, SOURCE)

    @app.agent(case_stream, name="intake-cases")
    async def run_cases(stream):
        await producer_knows(app, [case_table.changelog_topic.get_topic_name()])
        async for event in stream.events():
            await owner.fold.ensure(event.message.partition)
            await owner.handle(event)

    return Wiring(registrar_topic, commands_topic(app, "intake", n), book_table, case_table)


class _Writer:
    def __init__(self, io: AgentIO, table, fold: OwnEventFold, faults: Faults) -> None:
        self.io = io  # chassis.pipeline: publish, reply, dead-letter
        self.table = table
        self.fold = fold  # brings the table up to the own events after an assignment
        self.faults = faults
        self.book_fold = books.BookFold()

    def decoded(self, published: Published) -> Envelope | None:
        try:
            return decode(published.value)
        except DecodeError:
            log.exception("own event cannot be decoded", extra={"offset": published.offset})
            return None

    async def publish(self, envelopes: list[Envelope]) -> None:
        await self.io.publish(envelopes)

    async def reply(self, msg: CommandMessage, reply: Reply) -> None:
        await self.io.reply(msg, reply)

    async def dead_letter(self, event, error: str) -> None:
        await self.io.dead_letter(event.message, error)

    async def command(self, event) -> CommandMessage | None:
        return await self.io.command(event)

    async def answer(self, event, msg: CommandMessage, decide) -> None:
        await self.io.answer(event, msg, decide)


@dataclass
class Step:
    """One registrar command of a batch, decided: its events and its writes to the books
    (set only when the decision succeeded) and its answer."""

    event: Any
    msg: CommandMessage
    envelopes: list[Envelope] = field(default_factory=list)
    writes: dict[str, Any] = field(default_factory=dict)
    reply: Reply | None = None


class Registrar(_Writer):
    """The guest book and the agenda book (single partition, single writer).

    What is queued is applied as a batch (`chassis.batching.run_batched`): the commands
    are decided one after the other, each seeing the books as the ones before it left them
    (their writes are pending in memory), so the numbers are taken in order within the
    batch; then all their events are published with one flush, the books are written, and
    every command is answered. Nothing is written or answered before the flush is
    acknowledged: a batch the process dies in is redelivered and takes the same numbers
    again (`registrar.next_number`). A command whose events the producer would refuse (too
    large) is refused before the flush and takes no number."""

    async def handle(self, event) -> None:
        await self.on_batch([event])

    async def on_batch(self, events: list) -> None:
        pending: dict[str, Any] = {}

        def get(key: str):
            return pending[key] if key in pending else self.table.get(key)

        steps: list[Step] = []
        for event in events:
            EVENTS_CONSUMED.labels(SOURCE, event.message.topic).inc()
            msg = await self.command(event)
            if msg is None:
                continue
            step = Step(event, msg)
            step.reply = await self.io.settle(event, msg,
                                              lambda step=step: self.decide(step, get))
            pending.update(step.writes)
            steps.append(step)
        await self.publish([env for step in steps for env in step.envelopes])
        self.store(steps)
        await asyncio.gather(*(self.reply(step.msg, step.reply) for step in steps))

    def store(self, steps: list[Step]) -> None:
        """The books after the batch: each key's last value (the book before the cases
        and visits, as in each command's writes), after the flush."""
        writes: dict[str, Any] = {}
        for step in steps:
            if step.writes and not self.faults.lose_state_write(step.msg.name,
                                                                step.event.message):
                writes.update(step.writes)
        if writes:
            with current(steps[-1].event):  # one partition: the book table's only one
                for key, value in writes.items():
                    self.table[key] = value

    async def decide(self, step: Step, get) -> Reply:
        msg = step.msg
        if msg.name == c.CHECK_IN:
            return self.check_in(step, get)
        if msg.name == c.REQUEST_AUDIENCE:
            return self.request(step, get)
        await self.dead_letter(step.event, f"unknown registrar command {msg.name!r}")
        return internal_reply()

    def fold_published(self, published: Published) -> bool:
        """Apply one registrar event from the topic that the books do not show yet."""
        if published.source != SOURCE or published.type not in books.REGISTRAR_TYPES:
            return False
        env = self.decoded(published)
        if env is None or env.causationid is None:
            return False  # the registrar's own events always name the command behind them
        writes = self.book_fold.apply(self.table.get, env)
        for key, value in writes.items():
            self.table[key] = value
        return bool(writes)

    @staticmethod
    def _get(get, key: str, model):
        raw = get(key)
        return None if raw is None else model.model_validate(raw)

    def decided(self, step: Step, envelopes: list[Envelope], writes: dict[str, Any]) -> None:
        if not self.io.publisher.fits(envelopes):
            raise MessageSizeTooLargeError(f"the events of {step.msg.name} are too large")
        step.envelopes, step.writes = envelopes, writes

    def check_in(self, step: Step, get) -> Reply:
        msg = step.msg
        cmd = c.CheckIn.model_validate(msg.payload)
        existing = self._get(get, books.visit_key(cmd.visit_id), books.VisitRecord)
        outcome = books.check_in(existing, cmd, msg.command_id, msg.at)
        writes = ({books.visit_key(cmd.visit_id): outcome.visit.model_dump(mode="json")}
                  if outcome.visit is not None else {})
        self.decided(step, wrap(outcome.events, msg, 1), writes)
        return Reply(status=201, body={
            "visit_id": cmd.visit_id, "status": "checked_in",
            "events": refs_for(msg.command_id, ["VisitorCheckedIn"])})

    @staticmethod
    def registration_writes(outcome: books.Outcome, year: int, case_id: str,
                            known) -> dict[str, Any]:
        writes: dict[str, Any] = {}
        if outcome.book is not None:  # the book first: see registrar.register
            writes[books.book_key(year)] = outcome.book.model_dump(mode="json")
        if outcome.case_number is not None and known is None:
            writes[books.case_key(case_id)] = outcome.case_number
        if outcome.visit is not None:
            writes[books.visit_key(outcome.visit.visit_id)] = outcome.visit.model_dump(
                mode="json")
        return writes

    def request(self, step: Step, get) -> Reply:
        msg = step.msg
        cmd = c.RequestAudience.model_validate(msg.payload)
        year = agenda_year(msg.at)
        book = self._get(get, books.book_key(year), books.AgendaBook)
        visit = (self._get(get, books.visit_key(cmd.visit_id), books.VisitRecord)
                 if cmd.visit_id else None)
        known = get(books.case_key(cmd.case_id))
        outcome = books.register(book, visit, cmd, msg.command_id, msg.at, known)
        self.decided(step, wrap(outcome.events, msg, 1),
                     self.registration_writes(outcome, year, cmd.case_id, known))
        number = outcome.agenda_number
        if not outcome.replay:
            log.info("request registered" if number else "urgent walk-in requested",
                     extra={"case_id": cmd.case_id, "agenda_number": number})
        types = ["AudienceRequested"] + (["RequestRegistered"] if number else [])
        return Reply(status=201, body={
            "case_id": cmd.case_id, "agenda_number": number,
            "status": "registered" if number else "requested",
            "events": refs_for(msg.command_id, types)})


class CaseOwner(_Writer):
    """Everything after creation, one case at a time in its partition."""

    async def handle(self, event) -> None:
        topic = event.message.topic
        EVENTS_CONSUMED.labels(SOURCE, topic).inc()
        if topic == CASE_COMMANDS:
            await self.on_command(event)
        elif topic == DISPOSITION:
            await self.on_disposition(event)
        else:
            await self.on_event(event)

    # -- state ---------------------------------------------------------------------------
    def load(self, key: str):
        raw = self.table.get(key)
        if raw is None:
            return None
        model = complaint_rules.Complaint if raw.get("kind") == "complaint" else (
            case_rules.RequestCase)
        return model.model_validate(raw)

    def store(self, key: str, state) -> None:
        self.table[key] = state.model_dump(mode="json")

    def access(self, case_id: str) -> case_access.Access | None:
        raw = self.table.get(case_access.key(case_id))
        return None if raw is None else case_access.Access.model_validate(raw)

    def applied(self, state, envelopes: list[Envelope], command_id: str | None):
        for env in envelopes:
            if state is not None and env.sequence <= state.sequence:
                continue  # seen already (our own event coming back, or a redelivery)
            new = domain.evolve(state, env.data, env.causationid)
            if new is None:
                continue
            state = new.model_copy(update={"sequence": env.sequence}).remember(
                command_id or env.causationid, [{"id": env.id, "type": env.type}])
        return state

    def fold_published(self, published: Published) -> bool:
        """Apply one of the own events on the topic that the case's state does not hold yet
        (the same rule as `on_event`, for events this worker may never see again)."""
        if (published.source != SOURCE or published.type == "VisitorCheckedIn"
                or published.subject is None or published.sequence is None):
            return False
        raw = self.table.get(published.subject)
        if raw is not None and published.sequence <= raw.get("sequence", 0):
            return False  # held already: no need to validate it
        state = self.load(published.subject)
        env = self.decoded(published)
        new = self.applied(state, [env], None) if env is not None else state
        if new is None or new is state:
            return False
        self.store(published.subject, new)
        return True

    # -- events ----------------------------------------------------------------------------
    async def on_event(self, event) -> None:
        try:
            env = decode(event.value)
        except DecodeError as exc:
            await self.dead_letter(event, str(exc))
            return
        if env.type == "VisitorCheckedIn" or env.source != SOURCE:
            return
        state = self.load(env.subject)
        new = self.applied(state, [env], None)
        if new is not None and new is not state:
            self.store(env.subject, new)

    async def on_disposition(self, event) -> None:
        """Where a case went (another service's event: only the access facts are kept)."""
        try:
            kind = json.loads(event.value).get("type")
        except (ValueError, UnicodeDecodeError, AttributeError):
            kind = None  # decode below says why
        if kind is not None and not case_access.relevant(kind):
            return  # the other steps of the workflow do not change who may read the case
        try:
            env = decode(event.value)
        except DecodeError as exc:
            await self.dead_letter(event, str(exc))
            return
        before = self.access(env.subject)
        after = case_access.evolve(before, env)
        if after != before:
            self.table[case_access.key(env.subject)] = after.model_dump(mode="json")

    # -- commands --------------------------------------------------------------------------
    async def on_command(self, event) -> None:
        msg = await self.command(event)
        if msg is None:
            return
        await self.answer(event, msg, lambda: self.decide(msg, event.message))

    async def decide(self, msg: CommandMessage, message) -> Reply:
        state = self.load(msg.subject)
        if msg.name in domain.READS:
            return Reply(status=200, body=domain.read(state, msg.name, msg.actor,
                                                      self.access(msg.subject)))
        if msg.name == c.ERASE:
            return await self.erase(msg, state, message)
        if state is not None and msg.command_id in state.processed:
            return self.success(msg, state, state.processed[msg.command_id])
        if (msg.name == c.FILE_COMPLAINT and isinstance(state, complaint_rules.Complaint)
                and state.filed_by_command == msg.command_id):
            return self.success(msg, state, refs_for(msg.command_id, ["ComplaintFiled"]))
        events = domain.decide(state, domain.Command(msg.name, msg.payload, msg.actor.sub,
                                                     msg.at, msg.actor),
                               self.access(msg.subject))
        envelopes = wrap(events, msg, (state.sequence if state else 0) + 1)
        await self.publish(envelopes)
        new = self.applied(state, envelopes, msg.command_id)
        if new is not None and not self.faults.lose_state_write(msg.name, message):
            self.store(msg.subject, new)
        return self.success(msg, new, [{"id": e.id, "type": e.type} for e in envelopes])

    async def erase(self, msg: CommandMessage, state, message) -> Reply:
        """One record's erasure: its event (once per command), and the data keys the HTTP
        side deletes next (also when the command is a replay)."""
        cmd = c.ErasePersonalData.model_validate(msg.payload)
        events = privacy.erase(state, cmd, msg.actor.sub, msg.at)
        refs: list[dict[str, str]] = []
        if state is None or msg.command_id not in state.processed:
            envelopes = wrap(events, msg, (state.sequence if state else 0) + 1)
            await self.publish(envelopes)
            new = self.applied(state, envelopes, msg.command_id)
            if new is not None and not self.faults.lose_state_write(msg.name, message):
                self.store(msg.subject, new)
            refs = [{"id": e.id, "type": e.type} for e in envelopes]
        return Reply(status=200, body={"keys": privacy.keys_of(events[0]), "events": refs})

    @staticmethod
    def success(msg: CommandMessage, state, refs: list[dict[str, str]]) -> Reply:
        if isinstance(state, complaint_rules.Complaint):
            return Reply(status=201 if msg.name == c.FILE_COMPLAINT else 200, body={
                "complaint_id": state.complaint_id, "case_id": state.complaint_id,
                "tracking_id": state.tracking_id, "status": state.status, "events": refs})
        return Reply(status=200, body={"case_id": state.case_id, "status": state.status,
                                       "agenda_number": state.agenda_number, "events": refs})
