"""One codec for every event: envelope <-> bytes, with upcasters for old schema versions."""

from __future__ import annotations

import json

from pydantic import ValidationError

from .envelope import EVENT_TYPES, Envelope
from .upcasting import UPCASTERS, Upcaster, upcaster

__all__ = ["UPCASTERS", "DecodeError", "Upcaster", "decode", "encode", "upcaster"]


class DecodeError(ValueError):
    """The bytes are not an Audiensi event this codec understands."""


def encode(env: Envelope) -> bytes:
    body = env.model_dump(mode="json", exclude={"data"}, exclude_none=True)
    body["data"] = env.data.model_dump(mode="json", exclude={"type"}, exclude_none=True)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode(raw: bytes | str | dict) -> Envelope:
    try:
        body = raw if isinstance(raw, dict) else json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DecodeError(f"not JSON: {exc}") from exc
    if not isinstance(body, dict) or body.get("specversion") != "1.0":
        raise DecodeError("not a CloudEvents 1.0 structured event")
    event_type = body.get("type")
    cls = EVENT_TYPES.get(event_type) if isinstance(event_type, str) else None
    if cls is None:
        raise DecodeError(f"unknown event type {event_type!r}")
    data = body.get("data") or {}
    if not isinstance(data, dict):
        raise DecodeError(f"{event_type}: data is not a JSON object")
    data = dict(data)
    version = body.get("schemaversion", 1)
    if not isinstance(version, int) or isinstance(version, bool):  # as the fast decoder
        raise DecodeError("schemaversion is not an integer")
    while version < cls.SCHEMA_VERSION:
        step = UPCASTERS.get((event_type, version))
        if step is None:
            raise DecodeError(f"no upcaster for {event_type} v{version}")
        data = step(data)
        version += 1
    if version > cls.SCHEMA_VERSION:
        raise DecodeError(
            f"{event_type} v{version} is newer than this code (v{cls.SCHEMA_VERSION})"
        )
    data["type"] = event_type
    try:
        return Envelope.model_validate({**body, "schemaversion": version, "data": data})
    except ValidationError as exc:
        # the fields and what is wrong, never the values: they may be personal data, and this
        # text goes into dead letters and logs
        problems = exc.errors(include_url=False, include_input=False, include_context=False)
        raise DecodeError(f"invalid {event_type}: {problems}") from exc
