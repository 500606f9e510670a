"""The registry of upcasters: (event type, schema version) -> the function turning that
version's `data` into the next version's. Events declare their own upcasters beside their
class (`contracts/disposition.py`), so importing the vocabulary registers them; the codec
applies them when it decodes an older `schemaversion`. Stored events are never rewritten."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]

#: (type, schemaversion) -> function turning that version's data into the next version's
UPCASTERS: dict[tuple[str, int], Upcaster] = {}


def upcaster(event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
    """Register a function that turns `event_type` data of `from_version` into the next one."""

    def register(fn: Upcaster) -> Upcaster:
        UPCASTERS[(event_type, from_version)] = fn
        return fn

    return register
