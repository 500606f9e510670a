"""The agent side of the command pipeline, the same for every service:

    decode -> (authorize + decide: the service's pure decider) -> wrap in envelopes
    -> publish (acks=all, retried until durable) -> store state -> reply -> dead-letter poison

`AgentIO` holds the I/O steps around a decision; a service's agent calls them in that order.
The retry policy for a failed publish is one: wait and send again (exponential back-off,
tenacity) for as long as it takes, so nothing after the command on its partition is applied
first; the waiting HTTP handler gives the one answer when the broker stays down (503 after
its timeout), and the client's retry with the same `Idempotency-Key` gets the stored result.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiokafka.errors import MessageSizeTooLargeError
from pydantic import ValidationError
from redis.exceptions import RedisError
from tenacity import AsyncRetrying, retry_if_not_exception_type, wait_exponential

from contracts import Envelope, deterministic_id, envelope
from contracts.deadletter import DeadLettered

from .commands import CommandMessage, Publisher, Reply, send_reply
from .errors import DomainError, internal_reply, refusal
from .metrics import DEADLETTERS, EVENTS_PUBLISHED

log = logging.getLogger(__name__)
ERROR_KEPT = 2000  # characters of an error kept in a dead letter


def retrying(first: float = 0.2, most: float = 5.0, never=(MessageSizeTooLargeError,)):
    """The one retry policy for I/O that must eventually succeed: back off from `first` to
    `most` seconds, forever, except for errors that no retry can cure."""
    return AsyncRetrying(wait=wait_exponential(multiplier=first, min=first, max=most),
                         retry=retry_if_not_exception_type(never), reraise=True,
                         before_sleep=_log_retry)


def _log_retry(state) -> None:
    exc = state.outcome.exception() if state.outcome else None
    log.warning("publish failed, retrying", extra={
        "attempt": state.attempt_number, "error": type(exc).__name__ if exc else None,
        "retry_in": round(state.next_action.sleep, 2) if state.next_action else None})


def dead_letter_envelope(service: str, message: Any, error: str) -> Envelope:
    """The one dead-letter builder: the original record (base64), where it was, why. The id
    is derived from the record's position, so a redelivered poison message is the same dead
    letter again. `error` must not hold input values (see `describe`)."""
    key = message.key.decode(errors="replace") if isinstance(message.key, bytes) else message.key
    value = message.value if isinstance(message.value, bytes) else (
        str(message.value).encode() if message.value is not None else b"")
    letter = DeadLettered(original_topic=message.topic, partition=message.partition,
                          offset=message.offset, key=key, error=error[:ERROR_KEPT],
                          payload=base64.b64encode(value).decode(), consumer=service)
    return envelope(letter, source=service, sequence=message.offset + 1,
                    id=deterministic_id("deadletter", service, message.topic,
                                        message.partition, message.offset))


def describe(exc: Exception) -> str:
    """An exception as a dead letter or a log line may carry it: for a validation error the
    fields and what is wrong with them, never the values that were sent."""
    if isinstance(exc, ValidationError):
        fields = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['type']}"
                           for e in exc.errors(include_url=False, include_input=False)[:20])
        return f"{exc.title}: {exc.error_count()} errors ({fields})"
    return f"{type(exc).__name__}: {exc}"


class AgentIO:
    """Publish, reply and dead-letter for one service's agents."""

    def __init__(self, service: str, publisher: Publisher, replies) -> None:
        self.service = service
        self.publisher = publisher
        self._replies = replies  # () -> the Redis client for replies (made at start-up)

    async def publish(self, envelopes: list[Envelope]) -> None:
        """Send and wait for the broker's acknowledgement, retrying until it comes."""
        if not envelopes:
            return
        async for attempt in retrying():
            with attempt:
                await self.publisher.publish(envelopes)
        for env in envelopes:
            EVENTS_PUBLISHED.labels(self.service, env.type).inc()

    async def reply(self, msg: CommandMessage, reply: Reply) -> None:
        """Answer the waiting handler. If Redis fails the step stays done: the handler times
        out with 503 and a retry with the same Idempotency-Key gets the stored result."""
        try:
            await send_reply(self._replies(), msg, reply)
        except RedisError as exc:
            log.warning("reply not delivered", extra={"command_id": msg.command_id,
                                                      "error": type(exc).__name__})

    async def dead_letter(self, message: Any, error: str) -> None:
        env = dead_letter_envelope(self.service, message, error)
        log.warning("dead-lettered", extra={"topic": message.topic,
                                            "partition": message.partition,
                                            "offset": message.offset, "error": error[:200]})
        await self.publish([env])
        DEADLETTERS.labels(self.service, message.topic).inc()

    async def command(self, event) -> CommandMessage | None:
        """The command in a stream event, or None (dead-lettered) if it is not one."""
        try:
            return CommandMessage.from_bytes(event.value)
        except ValueError as exc:  # pydantic's ValidationError included
            await self.dead_letter(event.message, f"not a command: {describe(exc)}")
            return None

    async def answer(self, event, msg: CommandMessage,
                     decide: Callable[[], Awaitable[Reply]]) -> None:
        """Run one command's decision and reply with its outcome (`settle`)."""
        await self.reply(msg, await self.settle(event, msg, decide))

    async def settle(self, event, msg: CommandMessage,
                     decide: Callable[[], Awaitable[Reply]]) -> Reply:
        """One command's outcome: the decision's reply, a refusal of the domain as its
        problem, a payload the decider cannot read as a dead letter (500), events too large
        for the broker as 500 (nothing was published)."""
        try:
            return await decide()
        except DomainError as err:
            return refusal(err)
        except ValidationError as exc:
            await self.dead_letter(event.message, f"invalid {msg.name}: {describe(exc)}")
            return internal_reply()
        except MessageSizeTooLargeError:
            log.error("events too large for the broker", extra={"command_id": msg.command_id})
            return internal_reply()
