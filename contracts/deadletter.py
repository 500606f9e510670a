"""`audiensi.deadletter.v1`: what a consumer could not decode or apply."""

from __future__ import annotations

from typing import Literal

from .base import Event
from .topics import DEADLETTER


class DeadLettered(Event):
    TOPIC = DEADLETTER
    type: Literal["DeadLettered"] = "DeadLettered"
    original_topic: str
    partition: int
    offset: int
    key: str | None = None
    error: str
    payload: str  # base64 of the original bytes
    consumer: str

    def subject_id(self) -> str:
        return self.key or f"{self.original_topic}/{self.partition}/{self.offset}"
