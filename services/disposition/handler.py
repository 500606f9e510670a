"""What the owning agent does with one message, without doing any I/O: a command (or query)
becomes envelopes to publish, the new table record and the reply; an intake event becomes
the new record (or nothing, when it was applied before). The agent only performs it."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from chassis import errors
from chassis.commands import CommandMessage, Reply
from contracts import Envelope, deterministic_id, envelope
from contracts import intake as intake_events

from . import errors as e
from .domain import ROLES, decide, evolve
from .model import COMMANDS, Actor, Command
from .record import PROCESSED_KEPT, CaseRecord, HistoryEntry, Processed, view

SOURCE = "disposition"
QUERY = "query"
INTAKE_TYPES = (intake_events.AudienceRequested, intake_events.RequestRegistered,
                intake_events.RequestWithdrawn)


@dataclass(frozen=True)
class Outcome:
    reply: Reply
    record: CaseRecord | None = None  # to store; None = the table does not change
    envelopes: list[Envelope] = field(default_factory=list)


def actor_of(msg: CommandMessage) -> Actor:
    return Actor(id=msg.actor.sub, roles=tuple(msg.actor.roles), division=msg.actor.division)


def refusal(err: e.DomainError, case_id: str) -> Reply:
    return errors.refusal(err, case_id=case_id)


def handle_command(record: CaseRecord | None, msg: CommandMessage) -> Outcome:
    actor = actor_of(msg)
    if msg.name == QUERY:
        if record is None:
            return Outcome(refusal(e.CaseUnknown(msg.subject), msg.subject))
        return Outcome(Reply(status=200, body=view(record, actor)))
    if record is not None and (done := record.seen(msg.command_id)) is not None:
        return Outcome(Reply(status=done.status, body=done.body))  # redelivered: no writes
    if msg.name not in COMMANDS:
        return Outcome(errors.invalid_reply(
            [{"field": "name", "reason": f"unknown command {msg.name!r}"}],
            code="unknown-command", case_id=msg.subject))
    try:
        command = to_command(msg, actor)
    except ValidationError as exc:
        problems = [{"field": ".".join(str(p) for p in err["loc"]), "reason": err["msg"]}
                    for err in exc.errors(include_url=False)]
        return Outcome(errors.invalid_reply(problems, case_id=msg.subject))
    try:
        events = decide(record.case if record else None, command)
    except e.DomainError as err:
        return Outcome(refusal(err, msg.subject))
    assert record is not None
    return _accepted(record, msg, command, events)


def _accepted(record: CaseRecord, msg: CommandMessage, command: Command, events) -> Outcome:
    role = next((r for r in ROLES[command.STEP] if r in msg.actor.roles), msg.actor.role)
    envelopes = [
        envelope(event, source=SOURCE, sequence=record.seq + i + 1, time=msg.at,
                 id=deterministic_id(msg.command_id, i), actorid=msg.actor.sub, actorrole=role,
                 correlationid=msg.correlation_id, causationid=msg.command_id)
        for i, event in enumerate(events)
    ]
    new = record
    for env in envelopes:
        new = fold_own(new, env)
    return Outcome(Reply(status=200, body=new.seen(msg.command_id).body), new, envelopes)


def fold_own(record: CaseRecord, env: Envelope) -> CaseRecord:
    """Apply one of the service's own events to the record unless it holds it already (by
    sequence): how an accepted command changes the record, and how the record catches up
    with the topic after a lost table write (`chassis.durability`). The command's reply is
    remembered under its id (the event's causation id), so a redelivered command is answered
    as it was the first time."""
    if env.sequence <= record.seq:
        return record
    case = evolve(record.case, env.data)
    entry = HistoryEntry(status=case.status, event=env.type, at=env.time, source=SOURCE)
    command_id = env.causationid or env.id
    before = record.seen(command_id)
    refs = [*(before.body.get("events", []) if before else []), {"id": env.id, "type": env.type}]
    body = {"case_id": case.case_id, "status": case.status, "events": refs}
    kept = tuple(p for p in record.processed if p.command_id != command_id)
    processed = (*kept, Processed(command_id=command_id, status=200, body=body))
    return record.model_copy(update={
        "case": case, "seq": env.sequence, "history": (*record.history, entry),
        "processed": processed[-PROCESSED_KEPT:]})


def to_command(msg: CommandMessage, actor: Actor) -> Command:
    return COMMANDS[msg.name].model_validate({**msg.payload, "case_id": msg.subject, "actor": actor,
                               "at": msg.at})


@dataclass(frozen=True)
class IntakeOutcome:
    record: CaseRecord | None = None  # to store; None = nothing changes
    problem: str | None = None  # why it cannot be applied (-> dead letter)


def handle_intake(record: CaseRecord | None, env: Envelope) -> IntakeOutcome:
    """Apply an intake event once: a redelivered or older one (by sequence) changes nothing."""
    if not isinstance(env.data, INTAKE_TYPES):
        return IntakeOutcome()
    if record is not None and env.sequence <= record.intake_seq:
        return IntakeOutcome()
    if record is None and not isinstance(env.data, intake_events.AudienceRequested):
        return IntakeOutcome(problem=f"{env.type} for unknown case {env.subject}")
    case = evolve(record.case if record else None, env.data)
    assert case is not None
    entry = HistoryEntry(status=case.status, event=env.type, at=env.time, source=env.source)
    if record is None:
        return IntakeOutcome(CaseRecord(case=case, intake_seq=env.sequence, history=(entry,)))
    history = record.history if case == record.case else (*record.history, entry)
    return IntakeOutcome(record.model_copy(update={
        "case": case, "intake_seq": env.sequence, "history": history}))
