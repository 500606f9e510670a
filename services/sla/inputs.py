"""What comes off the agent's stream, turned into decider inputs. Pure.

The stream carries the sla command topic (ticks, acknowledgements) and the intake,
disposition and complaints topics. Events no policy cares about are skipped after a
cheap look at their type; everything else is decoded with `contracts.decode`. Bytes that
cannot be decoded raise `BadInput` (the agent dead-letters them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from pydantic import ValidationError

from chassis.commands import CommandMessage
from chassis.pipeline import describe
from chassis.signing import ForgedCommand
from contracts import DecodeError, decode
from contracts.topics import command_topic
from services.sla.domain import Acknowledge, Fact, Input, Tick, fact_from_envelope
from services.sla.policy import PolicySet

COMMANDS = command_topic("sla")
TICK = "tick"
#: one record for many subjects of one partition (`payload.subjects`): each a `Tick` at the
#: record's time, the same as a `tick` record each (what the ticker sends)
TICKS = "ticks"
ACKNOWLEDGE = "acknowledge"
#: events that tell the case's division (used for escalations to division heads)
#: (DispositionReturned: the case has no division any more)
DIVISION_EVENTS = frozenset({"CaseDisposed", "DispositionReceived", "WalkInDirected",
                             "DispositionReturned"})


class BadInput(ValueError):
    """A message the SLA engine cannot read."""


@dataclass(frozen=True)
class Parsed:
    subject: str
    input: Input
    command: CommandMessage | None = None  # set for commands that expect a reply


def relevant_types(policies: PolicySet) -> frozenset[str]:
    return policies.event_types | DIVISION_EVENTS


def parse(topic: str, value: bytes, relevant: frozenset[str]) -> list[Parsed]:
    """The inputs a message carries (none if the SLA engine has nothing to do with it; a
    `ticks` record carries one per subject)."""
    if topic == COMMANDS:
        return parse_command(value)
    try:
        body = json.loads(value)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput(f"not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise BadInput("not a JSON object")
    if body.get("type") not in relevant:
        return []
    try:
        env = decode(body)
    except DecodeError as exc:
        raise BadInput(str(exc)) from exc
    fact: Fact = fact_from_envelope(env)
    return [Parsed(env.subject, fact)]


def parse_command(value: bytes) -> list[Parsed]:
    try:
        msg = CommandMessage.from_bytes(value)
    except ForgedCommand as exc:
        raise BadInput(f"not a command: {exc}") from exc
    except ValidationError as exc:
        raise BadInput(f"not a command: {describe(exc)}") from exc  # fields, never values
    if msg.name == TICK:
        return [Parsed(msg.subject, Tick(command_id=msg.command_id, at=msg.at))]
    if msg.name == TICKS:
        subjects = msg.payload.get("subjects")
        if not isinstance(subjects, list) or not all(isinstance(s, str) and s
                                                     for s in subjects):
            raise BadInput("ticks: payload.subjects must be a list of subject ids")
        return [Parsed(s, Tick(command_id=tick_id(s, msg.at), at=msg.at)) for s in subjects]
    if msg.name == ACKNOWLEDGE:
        inp = Acknowledge(command_id=msg.command_id, by=msg.actor.sub, role=msg.actor.role,
                          escalation_id=str(msg.payload.get("escalation_id", "")),
                          note=msg.payload.get("note"), at=msg.at,
                          correlation_id=msg.correlation_id)
        return [Parsed(msg.subject, inp, msg)]
    raise BadInput(f"unknown command {msg.name!r}")


def tick_id(subject: str, at: datetime) -> str:
    return f"tick:{subject}:{at.timestamp():.6f}"


def tick_message(subject: str, at: datetime, actor) -> CommandMessage:
    return CommandMessage(command_id=tick_id(subject, at), name=TICK,
                          subject=subject, actor=actor, at=at,
                          correlation_id=f"tick:{at.timestamp():.3f}")


def ticks_message(subjects: list[str], at: datetime, actor) -> CommandMessage:
    """One record of ticks for subjects of one partition (sent to that partition)."""
    return CommandMessage(command_id=f"ticks:{subjects[0]}:{len(subjects)}:{at.timestamp():.6f}",
                          name=TICKS, subject=subjects[0], payload={"subjects": subjects},
                          actor=actor, at=at, correlation_id=f"tick:{at.timestamp():.3f}")
