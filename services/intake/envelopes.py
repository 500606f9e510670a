"""Commands become envelopes: ids and times from the command (the reply shapes are
`chassis.errors`)."""

from __future__ import annotations

from chassis.commands import CommandMessage
from contracts import Envelope, deterministic_id, envelope
from contracts.base import Event

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
