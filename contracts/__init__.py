"""The wire vocabulary: envelope, events, topics and codec. Imports only pydantic and stdlib."""

from .base import Event, Model
from .codec import DecodeError, decode, encode, upcaster
from .envelope import ALL_EVENTS, EVENT_TYPES, AnyEvent, Envelope, deterministic_id, envelope
from .topics import TOPICS

__all__ = [
    "ALL_EVENTS",
    "EVENT_TYPES",
    "TOPICS",
    "AnyEvent",
    "DecodeError",
    "Envelope",
    "Event",
    "Model",
    "decode",
    "deterministic_id",
    "encode",
    "envelope",
    "upcaster",
]
