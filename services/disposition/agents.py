"""The one agent of the service: it consumes the command topic and the intake topic as ONE
stream and is the single writer of the `cases` table (key = case id, co-partitioned), so the
messages of one case are applied one at a time, in order, by the worker owning its partition.

Per message (`chassis.pipeline`): decode -> handler (pure) -> publish (awaited: durable)
-> table -> reply; poison -> dead letter. What is queued is applied as a batch
(`chassis.batching`: one case at most once per batch): every command decided, all their
events published with one flush, then the table writes and the replies."""

from __future__ import annotations

import asyncio
import logging

from chassis.batching import current
from chassis.commands import CommandMessage
from chassis.durability import OwnEventFold, Published
from chassis.errors import internal_reply
from chassis.faults import Faults
from chassis.metrics import EVENTS_CONSUMED
from chassis.pipeline import AgentIO, describe
from contracts import DecodeError, decode
from contracts.topics import INTAKE

from .handler import Outcome, fold_own, handle_command, handle_intake
from .record import CaseRecord

log = logging.getLogger(__name__)
SERVICE = "disposition"


class CaseAgent:
    """Applies one stream event; holds the table, the pipeline's I/O and the fold."""

    def __init__(self, io: AgentIO, cases, fold: OwnEventFold, faults: Faults) -> None:
        self.io = io
        self.cases = cases
        self.fold = fold  # chassis.durability.OwnEventFold over audiensi.disposition.v1
        self.faults = faults

    async def on_event(self, event) -> None:
        topic = event.message.topic
        EVENTS_CONSUMED.labels(SERVICE, topic).inc()
        await self.fold.ensure(event.message.partition)
        try:
            if topic == INTAKE:
                await self.on_intake(event)
            else:
                await self.on_command(event)
        except Exception as exc:  # noqa: BLE001 - never let one message crash the agent
            log.exception("message could not be applied", extra={"topic": topic})
            await self.io.dead_letter(event.message, describe(exc))

    async def on_intake(self, event) -> None:
        try:
            env = decode(event.value)
        except DecodeError as exc:
            await self.io.dead_letter(event.message, str(exc))
            return
        out = handle_intake(self._record(env.subject), env)
        if out.problem:
            await self.io.dead_letter(event.message, out.problem)
        elif out.record is not None:
            self.cases[env.subject] = out.record.to_table()

    async def on_command(self, event) -> None:
        msg = await self.io.command(event)
        if msg is None:
            return
        try:
            out = handle_command(self._record(msg.subject), msg)
        except Exception:
            await self.io.reply(msg, internal_reply(case_id=msg.subject))
            raise
        await self.io.publish(out.envelopes)
        self._store(event, msg, out)
        await self.io.reply(msg, out.reply)

    async def on_batch(self, events: list) -> None:
        """Apply a batch of records of different cases (`chassis.batching.run_batched`):
        intake events and queries at once, the commands' events with one flush, then
        their table writes and replies. If the flush fails for good (events too large),
        each command is applied again on its own, as `on_event` does."""
        decided: list[tuple[object, CommandMessage, Outcome]] = []
        for event in events:
            with current(event):
                step = await self._prepare(event)
            if step is not None:
                decided.append((event, *step))
        if not decided:
            return
        try:
            await self.io.publish([env for _, _, out in decided for env in out.envelopes])
        except Exception:  # noqa: BLE001 - one by one says which command it was
            log.exception("batch publish failed, applying one by one")
            for event, _, _ in decided:
                with current(event):
                    await self.on_event(event)
            return
        for event, msg, out in decided:
            with current(event):
                self._store(event, msg, out)
        await asyncio.gather(*(self.io.reply(msg, out.reply) for _, msg, out in decided))

    async def _prepare(self, event) -> tuple[CommandMessage, Outcome] | None:
        """Fold, then an intake event applied, or a command decided (None if nothing is
        left to publish or answer for it)."""
        topic = event.message.topic
        EVENTS_CONSUMED.labels(SERVICE, topic).inc()
        await self.fold.ensure(event.message.partition)
        try:
            if topic == INTAKE:
                await self.on_intake(event)
                return None
            msg = await self.io.command(event)
            if msg is None:
                return None
            try:
                out = handle_command(self._record(msg.subject), msg)
            except Exception:
                await self.io.reply(msg, internal_reply(case_id=msg.subject))
                raise
            return msg, out
        except Exception as exc:  # noqa: BLE001 - never let one message crash the agent
            log.exception("message could not be applied", extra={"topic": topic})
            await self.io.dead_letter(event.message, describe(exc))
            return None

    def _store(self, event, msg: CommandMessage, out: Outcome) -> None:
        if out.record is not None and not self.faults.lose_state_write(msg.name, event.message):
            self.cases[msg.subject] = out.record.to_table()

    def fold_published(self, event: Published) -> bool:
        """Bring a case's record up to one of its own events on the topic (see
        `chassis.durability`); True if the record was behind."""
        if event.source != SERVICE or event.subject is None or event.sequence is None:
            return False
        raw = self.cases.get(event.subject)
        if raw is None:
            log.error("own event for a case without a record", extra={
                "case_id": event.subject, "sequence": event.sequence})
            return False
        if event.sequence <= raw.get("seq", 0):  # held already: no need to validate it
            return False
        try:
            env = decode(event.value)
        except DecodeError:
            log.exception("own event cannot be decoded", extra={"offset": event.offset})
            return False
        self.cases[event.subject] = fold_own(CaseRecord.from_table(raw), env).to_table()
        return True

    def _record(self, case_id: str) -> CaseRecord | None:
        return CaseRecord.from_table(self.cases.get(case_id))
