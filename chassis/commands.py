"""Commands over Kafka with replies over Redis: the single-writer command path.

The HTTP side (any worker) sends a `CommandMessage` to the service's command topic, keyed by
the case id; the agent that owns that partition applies it (decide -> publish -> evolve) and
pushes a `Reply` onto a Redis list named in the message, which the HTTP side pops (BLPOP).
Redis replies avoid faust's reply topics (one per worker, a rebalance on first use).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from typing import Any

from aiokafka.record.default_records import DefaultRecordBatchBuilder
from pydantic import BaseModel, ConfigDict
from redis.exceptions import RedisError

from contracts import Envelope, encode

from .auth import Principal
from .i18n import Text
from .problems import Unavailable
from .redis import transaction
from .signing import command_key, seal, unseal

REPLY_TTL = 120
BLPOP_SLICE = 2.0  # seconds; below redis-py's default socket timeout


class CommandMessage(BaseModel):
    model_config = ConfigDict(frozen=True)
    command_id: str
    name: str
    subject: str
    payload: dict[str, Any] = {}
    actor: Principal
    at: datetime
    correlation_id: str
    reply_to: str | None = None

    def to_bytes(self, key: bytes | None = None) -> bytes:
        """The sealed record value (`chassis.signing`; key: this process's command key)."""
        return seal(self.model_dump_json().encode(), key or command_key())

    @classmethod
    def from_bytes(cls, raw: bytes, key: bytes | None = None) -> CommandMessage:
        """The command in a record value; `ForgedCommand` if its seal is missing or wrong."""
        return cls.model_validate_json(unseal(raw, key or command_key()))


class Reply(BaseModel):
    """What the owning agent answers: an HTTP status and body (already user-facing)."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = {}


class CommandBus:
    """HTTP side: send a command to the owning agent and wait for its reply."""

    def __init__(self, topic, redis, timeout: float) -> None:
        self.topic = topic
        self.redis = redis
        self.timeout = timeout

    async def ask(self, msg: CommandMessage) -> Reply:
        reply_to = f"audiensi:reply:{msg.command_id}:{uuid.uuid4().hex[:8]}"
        msg = msg.model_copy(update={"reply_to": reply_to})
        # the pop is on its way to Redis while the broker takes the command (no reply can
        # come before that): one round trip less on the command's path
        waiting = asyncio.ensure_future(self._wait_reply(reply_to))
        waiting.add_done_callback(_seen)
        try:
            fut = await self.topic.send(key=msg.subject.encode(), value=msg.to_bytes(),
                                        force=True)
            await fut
        except Exception as exc:  # broker down, metadata timeout
            waiting.cancel()
            raise Unavailable(Text("Broker tidak tersedia, coba lagi",
                                   "The broker is unavailable, try again")) from exc
        except BaseException:  # the request was cancelled: so is its wait
            waiting.cancel()
            raise
        got = await waiting
        if got is None:
            raise Unavailable(Text("Perintah belum dijawab tepat waktu, coba lagi",
                                   "The command was not answered in time, try again"))
        return Reply.model_validate_json(got[1])

    async def _wait_reply(self, reply_to: str):
        """BLPOP in slices shorter than redis-py's socket timeout (5 s by default): one long
        BLPOP would end in a client-side TimeoutError (a 500) instead of our 503."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        try:
            while (left := deadline - loop.time()) > 0.01:  # 0 would block forever
                got = await self.redis.blpop([reply_to], timeout=min(BLPOP_SLICE, left))
                if got is not None:
                    return got
        except RedisError as exc:
            raise Unavailable(Text("Redis tidak tersedia, coba lagi",
                                   "Redis is unavailable, try again")) from exc
        return None


def _seen(fut: asyncio.Future) -> None:
    """A wait given up on (the send failed first) must not log 'exception never
    retrieved': what the caller answers is the send's failure."""
    if not fut.cancelled():
        fut.exception()


async def send_reply(redis, msg: CommandMessage, reply: Reply) -> None:
    if not msg.reply_to:
        return
    async with await transaction(redis, msg.reply_to) as pipe:
        pipe.rpush(msg.reply_to, reply.model_dump_json())
        pipe.expire(msg.reply_to, REPLY_TTL)
        await pipe.execute()


class Publisher:
    """Agent side: publish envelopes now (not attached to the current event) and wait for
    the broker's acknowledgement, so a reply is only sent for events that are durable."""

    def __init__(self, app, partitions: int) -> None:
        self.app = app
        self.partitions = partitions
        self._topics: dict[str, Any] = {}

    def _topic(self, name: str):
        if name not in self._topics:
            self._topics[name] = self.app.topic(
                name, partitions=self.partitions, key_serializer="raw", value_serializer="raw")
        return self._topics[name]

    def fits(self, envelopes: list[Envelope]) -> bool:
        """Whether the producer takes every one of these records (it refuses one larger
        than its `max_request_size` when it is handed over, before sending anything): a
        batch of commands checks each command's events before publishing them together."""
        most = self.app.conf.producer_max_request_size
        return all(DefaultRecordBatchBuilder.estimate_size_in_bytes(
            env.subject.encode(), encode(env), []) <= most for env in envelopes)

    async def publish(self, envelopes: list[Envelope]) -> None:
        futures = []
        for env in envelopes:
            fut = await self._topic(env.topic).send(
                key=env.subject.encode(), value=encode(env), force=True)
            futures.append(fut)
        for fut in futures:
            await fut


def event_refs(envelopes: list[Envelope]) -> list[dict[str, str]]:
    return [{"id": e.id, "type": e.type} for e in envelopes]


def dumps(obj: Any) -> str:
    return json.dumps(obj, default=str)
