"""Follow a topic and print each message decoded, with personal data masked."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from chassis.kafka import new_consumer
from stack.messages import StackError

MASKED_FIELDS = frozenset({"number", "sealed", "ref", "phone", "contact"})
MASK = "***"


def mask(value: Any) -> Any:
    """A copy of `value` where every field named like personal data is shown as `***`."""
    if isinstance(value, dict):
        return {k: (MASK if k in MASKED_FIELDS and v is not None else mask(v))
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [mask(v) for v in value]
    return value


def decode(raw: bytes | None) -> Any:
    """`contracts.codec.decode` when it is there and accepts the bytes, else JSON, else text."""
    if raw is None:
        return None
    try:
        from contracts.codec import decode as contract_decode
    except ImportError:
        contract_decode = None
    if contract_decode is not None:
        try:
            event = contract_decode(raw)
            if hasattr(event, "model_dump"):
                return event.model_dump(mode="json", exclude_none=True)
            return event
        except Exception:  # not an event of ours: fall back to JSON
            pass
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")


def render(message: Any) -> str:
    value = mask(decode(message.value))
    key = message.key.decode("utf-8", "replace") if message.key else "-"
    header = f"── {message.topic}[{message.partition}]@{message.offset} key={key}"
    body = json.dumps(value, indent=2, ensure_ascii=False, default=str)
    return f"{header}\n{body}"


async def follow(bootstrap: str, topic: str, *, from_end: bool = False, limit: int | None = None,
                 idle_timeout: float | None = None, out: Callable[[str], None] = print) -> int:
    """Print messages of `topic` until `limit` messages were shown, or none came for
    `idle_timeout` seconds (both optional: by default it follows until cancelled)."""
    from aiokafka import TopicPartition

    from stack.topics import describe_topics

    infos = await describe_topics(bootstrap)
    found = [info for info in infos if info.name == topic and info.partitions]
    if not found:
        known = ", ".join(info.name for info in infos) or "-"
        raise StackError("unknown_topic", topic=topic, known=known)
    consumer = new_consumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                group_id=None)
    await consumer.start()
    shown = 0
    try:
        parts = [TopicPartition(topic, p) for p in sorted(found[0].end_offsets)]
        consumer.assign(parts)
        if from_end:
            await consumer.seek_to_end(*parts)
        else:
            await consumer.seek_to_beginning(*parts)
        loop = asyncio.get_running_loop()
        last = loop.time()
        while limit is None or shown < limit:
            batch = await consumer.getmany(timeout_ms=500)
            records = sorted((m for ms in batch.values() for m in ms),
                             key=lambda m: (m.timestamp, m.partition, m.offset))
            if records:
                last = loop.time()
            elif idle_timeout is not None and loop.time() - last >= idle_timeout:
                break
            for message in records[: None if limit is None else limit - shown]:
                out(render(message))
                shown += 1
        return shown
    finally:
        await consumer.stop()
