"""Commands become envelopes, outcomes become replies: the same for every agent."""

from __future__ import annotations

from chassis.commands import CommandMessage, Reply
from contracts import Envelope, deterministic_id, envelope
from contracts.base import Event

from .errors import DomainError

SOURCE = "intake"


def wrap(events: list[Event], msg: CommandMessage, first_sequence: int) -> list[Envelope]:
    """Envelopes for what `msg` decided: ids and times from the command, so applying the same
    command again yields the very same envelopes."""
    return [
        envelope(event, source=SOURCE, sequence=first_sequence + i, time=msg.at,
                 id=deterministic_id(msg.command_id, i), actorid=msg.actor.sub,
                 actorrole=msg.actor.role or None, correlationid=msg.correlation_id,
                 causationid=msg.command_id)
        for i, event in enumerate(events)
    ]


def refs_for(command_id: str, types: list[str]) -> list[dict[str, str]]:
    """The `{id, type}` of the events a command wrote (ids are deterministic)."""
    return [{"id": deterministic_id(command_id, i), "type": t} for i, t in enumerate(types)]


def error_reply(err: DomainError) -> Reply:
    body = {"error": err.code, "detail": {"id": err.text.id, "en": err.text.en},
            "retry": err.retry}
    if err.field:
        body["field"] = err.field
    return Reply(status=err.status, body=body)


def internal_error_reply() -> Reply:
    return Reply(status=500, body={"error": "internal", "retry": False, "detail": {
        "id": "Perintah gagal diproses", "en": "The command could not be processed"}})
