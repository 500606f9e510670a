"""Kafka records -> projection items, and what cannot be one (poison) -> DeadLettered."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from contracts import DecodeError, Envelope, deterministic_id, envelope
from contracts.deadletter import DeadLettered
from contracts.fastcodec import read

from .facts import NotProjectable, entry_of
from .projection import Item

CONSUMER = "reporting"
#: raw bytes kept in a dead letter (base64 grows them by a third; Kafka's limit is 1 MB)
MAX_PAYLOAD = 512 * 1024


class Poison(ValueError):
    """A record that cannot become a projection item; the reason is user-readable."""


def item_of(record: Any) -> tuple[int, Item]:
    """(partition, item) of a Kafka record, or Poison."""
    if record.value is None:
        raise Poison("record has no value")
    try:
        env = read(record.value)  # msgspec; what it does not take, contracts.decode decides
        entry = entry_of(env, env.topic)
    except (DecodeError, NotProjectable) as exc:
        raise Poison(reason(exc)) from exc
    key = record.key.decode("utf-8", "replace") if record.key is not None else None
    if key != env.subject:
        raise Poison(f"Kafka key {key!r} is not the event subject {env.subject!r}")
    return record.partition, Item(subject=env.subject, entry=entry, ref=record)


def reason(exc: Exception) -> str:
    """Why a record is poison, without echoing its values (they may be personal data)."""
    cause = exc.__cause__
    if isinstance(cause, ValidationError):
        head = str(exc).split(":", 1)[0]
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in cause.errors(include_url=False, include_input=False))
        return f"{head}: {problems}"
    return str(exc)


def dead_letter(record: Any, error: str, now: datetime) -> Envelope:
    raw = record.value or b""
    if len(raw) > MAX_PAYLOAD:
        error = f"{error} (payload truncated to {MAX_PAYLOAD} of {len(raw)} bytes)"
        raw = raw[:MAX_PAYLOAD]
    key = record.key.decode("utf-8", "replace") if record.key is not None else None
    event = DeadLettered(original_topic=record.topic, partition=record.partition,
                         offset=record.offset, key=key, error=error[:2000],
                         payload=base64.b64encode(raw).decode("ascii"), consumer=CONSUMER)
    return envelope(event, source=CONSUMER, sequence=1, time=now,
                    id=deterministic_id("deadletter", CONSUMER, record.topic, record.partition,
                                        record.offset))
