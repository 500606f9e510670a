"""The one agent of the service: it consumes the command topic and the intake topic as ONE
stream and is the single writer of the `cases` table (key = case id, co-partitioned), so the
messages of one case are applied one at a time, in order, by the worker owning its partition.

Per message: decode -> handler (pure) -> publish (awaited: durable) -> table -> reply."""

from __future__ import annotations

import base64
import logging

from redis.exceptions import RedisError

from chassis.commands import CommandMessage, Publisher, Reply, send_reply
from chassis.durability import Published
from chassis.faults import Faults
from chassis.metrics import EVENTS_CONSUMED, EVENTS_PUBLISHED
from chassis.web import ServiceContext
from contracts import DecodeError, Envelope, decode, deterministic_id, envelope
from contracts.deadletter import DeadLettered
from contracts.topics import INTAKE

from .handler import fold_own, handle_command, handle_intake
from .record import CaseRecord

log = logging.getLogger(__name__)
SERVICE = "disposition"


class CaseAgent:
    """Applies one stream event; holds the table, the publisher and the service context."""

    def __init__(self, ctx: ServiceContext, cases, publisher: Publisher, fold,
                 faults: Faults) -> None:
        self.ctx = ctx
        self.cases = cases
        self.publisher = publisher
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
            await self.dead_letter(event, f"{type(exc).__name__}: {exc}")

    async def on_intake(self, event) -> None:
        try:
            env = decode(event.value)
        except DecodeError as exc:
            await self.dead_letter(event, str(exc))
            return
        out = handle_intake(self._record(env.subject), env)
        if out.problem:
            await self.dead_letter(event, out.problem)
        elif out.record is not None:
            self.cases[env.subject] = out.record.to_table()

    async def on_command(self, event) -> None:
        try:
            msg = CommandMessage.from_bytes(event.value)
        except ValueError as exc:
            await self.dead_letter(event, f"not a command: {exc}")
            return
        try:
            out = handle_command(self._record(msg.subject), msg)
        except Exception:
            await self.reply(msg, Reply(status=500, body={"code": "internal",
                                                          "kind": "internal"}))
            raise
        if out.envelopes:
            try:
                await self.publish(out.envelopes)
            except Exception:  # noqa: BLE001 - the broker refused: nothing is stored
                log.exception("publish failed", extra={"case_id": msg.subject})
                await self.reply(msg, Reply(status=503, body={"code": "publish-failed",
                                                              "kind": "unavailable"}))
                return
        if out.record is not None and not self.faults.lose_state_write(msg.name, event.message):
            self.cases[msg.subject] = out.record.to_table()
        await self.reply(msg, out.reply)

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
        record = CaseRecord.from_table(raw)
        try:
            env = decode(event.value)
        except DecodeError:
            log.exception("own event cannot be decoded", extra={"offset": event.offset})
            return False
        self.cases[event.subject] = fold_own(record, env).to_table()
        return True

    async def reply(self, msg: CommandMessage, reply: Reply) -> None:
        """Answer the waiting handler; if Redis fails the step stays done (the handler times
        out with 503 and a retry with the same Idempotency-Key gets the stored result)."""
        try:
            await send_reply(self.ctx.replies, msg, reply)
        except RedisError:
            log.exception("reply not delivered", extra={"case_id": msg.subject})

    def _record(self, case_id: str) -> CaseRecord | None:
        return CaseRecord.from_table(self.cases.get(case_id))

    async def publish(self, envelopes: list[Envelope]) -> None:
        await self.publisher.publish(envelopes)
        for env in envelopes:
            EVENTS_PUBLISHED.labels(SERVICE, env.type).inc()

    async def dead_letter(self, event, error: str) -> None:
        m = event.message
        key = m.key.decode(errors="replace") if isinstance(m.key, bytes) else m.key
        raw = event.value if isinstance(event.value, bytes) else str(event.value).encode()
        letter = DeadLettered(original_topic=m.topic, partition=m.partition, offset=m.offset,
                              key=key, error=error[:2000], payload=base64.b64encode(raw).decode(),
                              consumer=SERVICE)
        env = envelope(letter, source=SERVICE, sequence=m.offset + 1,
                       id=deterministic_id("deadletter", SERVICE, m.topic, m.partition, m.offset))
        log.warning("dead-lettered", extra={"topic": m.topic, "partition": m.partition,
                                            "offset": m.offset, "error": error[:200]})
        await self.publish([env])
