"""The SLA decider: all clocks and escalations of one subject (a case or a complaint).

`decide(state, input, policies) -> Decision(state, events, reply)`. Pure: no I/O, no clock
(time arrives inside the input: a fact's own time, a tick's `at`), no envelope, no HTTP
status, and the state it is given is left untouched (it works on its own copy and returns
the new state). Each event comes as an `Emitted`: the event, its time and what its id is
derived from; the processor wraps them into envelopes (`processor.envelopes_for`).

Inputs:
- `Fact`: an upstream event (intake, disposition, complaints). The policy set says which
  role it plays (start, stop, pause, resume, cancel) for which policy. A redelivered fact
  (same source, sequence not newer) changes nothing.
- `Tick(at)`: fire every ladder step and breach whose instant is `<= at`.
- `Acknowledge`: an ops/leadership acknowledgement of one escalation.

Arrival order across topics does not matter: each policy's facts are kept and replayed
by their own time into clock cycles (`clocks.project`); what changed against what was
already published is published. A stop that arrives before its start waits in the facts
until the start shows up; a late fact that happened earlier (a withdrawal delivered after
a later stop, a pause delivered after the stop) corrects the clock, and a corrected
`ClockStopped` is published. Escalations already raised stay raised (and get resolved).

Ids are deterministic: `clock_id = uuid5(subject, policy, cycle)`, `escalation_id =
uuid5(clock, level, reason)`, and every event id is derived from what it announces
(`Emitted.id`), so redoing a decision republishes identical envelopes. The state counts
what it announced per output topic (`sequences`): the envelopes' per-topic sequences.

`evolve(state, envelope)` is `fold_own`: the state with one of its own published events
applied (the decider returns the new state itself, since a fact changes more than its
events announce: the facts kept, the sequences applied, the division).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from pydantic import AwareDatetime, Field, model_validator

from chassis import errors
from chassis.i18n import Text
from contracts import Envelope, deterministic_id
from contracts.base import Event
from contracts.sla import (
    ClockAtRisk,
    ClockBreached,
    ClockPaused,
    ClockResumed,
    ClockStarted,
    ClockStopped,
    EscalationAcknowledged,
    EscalationRaised,
    EscalationResolved,
)
from contracts.topics import ESCALATIONS, SLA
from services.sla import clocks as c
from services.sla.clocks import Clock, Cycle, PlannedStep, RoleFact, Transition, _State
from services.sla.policy import Policy, PolicySet

#: envelope `source` per output topic: one ordered (subject, source) stream per topic, so a
#: consumer that remembers the last sequence per (subject, source) never mixes the two
SOURCES = {SLA: "sla", ESCALATIONS: "sla/escalations"}
FACTS_KEPT = 64  # per policy and subject; a case has a handful
COMMANDS_KEPT = 20
#: events after which the case has no division (their `division` is the one giving it back)
DIVISION_CLEARED_BY = frozenset({"DispositionReturned"})
EscalationState = Literal["open", "acknowledged", "resolved"]


# --- inputs ------------------------------------------------------------------------------


class Fact(_State):
    """An upstream event, reduced to what the SLA engine needs."""

    event_id: str
    event_type: str
    source: str
    sequence: int
    time: AwareDatetime
    data: dict[str, Any]
    correlation_id: str | None = None


class Tick(_State):
    command_id: str
    at: AwareDatetime


class Acknowledge(_State):
    command_id: str
    escalation_id: str
    by: str
    role: str | None = None
    note: str | None = None
    at: AwareDatetime
    correlation_id: str | None = None


Input = Fact | Tick | Acknowledge


def fact_from_envelope(env: Envelope) -> Fact:
    return Fact(event_id=env.id, event_type=env.type, source=env.source, sequence=env.sequence,
                time=env.time, data=env.data.model_dump(mode="json", exclude={"type"}),
                correlation_id=env.correlationid)


# --- state -------------------------------------------------------------------------------


class Escalation(_State):
    escalation_id: str
    clock_id: str
    policy_id: str
    level: int
    reason: str
    to_role: str
    to_division: str | None = None
    #: the case's division when it was raised (whoever it is addressed to); None before a
    #: disposition
    division: str | None = None
    due_at: AwareDatetime
    scheduled_at: AwareDatetime
    raised_at: AwareDatetime
    state: EscalationState = "open"
    acknowledged_by: str | None = None
    acknowledged_at: AwareDatetime | None = None
    note: str | None = None
    resolved_at: AwareDatetime | None = None
    resolution: str | None = None


class CommandRecord(_State):
    """An answered command: the result it is answered with again if it comes back."""

    command_id: str
    body: dict[str, Any]

    @model_validator(mode="before")
    @classmethod
    def _without_status(cls, value: Any) -> Any:
        # table values written before the HTTP status left the domain still carry it
        if isinstance(value, dict) and "status" in value:
            value = {k: v for k, v in value.items() if k != "status"}
        return value


class SubjectState(_State):
    subject: str
    partition: int = -1
    #: output topic -> last sequence published (factories, not `{}`/`[]` defaults: pydantic
    #: deep-copies a mutable default on every construction)
    sequences: dict[str, int] = Field(default_factory=dict)
    applied: dict[str, int] = Field(default_factory=dict)  # input source -> last sequence applied
    division: str | None = None
    division_at: AwareDatetime | None = None
    #: policy id -> its facts for this subject
    facts: dict[str, list[RoleFact]] = Field(default_factory=dict)
    clocks: list[Clock] = Field(default_factory=list)
    escalations: list[Escalation] = Field(default_factory=list)
    commands: list[CommandRecord] = Field(default_factory=list)

    def clock(self, clock_id: str) -> Clock | None:
        return next((k for k in self.clocks if k.clock_id == clock_id), None)

    def escalation(self, escalation_id: str) -> Escalation | None:
        return next((e for e in self.escalations if e.escalation_id == escalation_id), None)

    def next_due(self) -> datetime | None:
        dues = [d for d in (k.next_due() for k in self.clocks) if d is not None]
        return min(dues) if dues else None


def initial_state(subject: str, partition: int = -1) -> SubjectState:
    return SubjectState(subject=subject, partition=partition)


# --- errors ------------------------------------------------------------------------------


class DomainError(errors.DomainError):
    """A command the SLA decider refuses (the base and the HTTP mapping: chassis.errors)."""


class EscalationNotFound(DomainError):
    kind = "unknown"
    code = "escalation-not-found"

    def __init__(self, escalation_id: str) -> None:
        super().__init__(Text("Eskalasi tidak ditemukan", "Escalation not found"))
        self.escalation_id = escalation_id


class AlreadyAcknowledged(DomainError):
    code = "already-acknowledged"

    def __init__(self, by: str) -> None:
        super().__init__(Text(f"Eskalasi sudah diakui oleh {by}",
                              f"The escalation was already acknowledged by {by}"))


class AlreadyResolved(DomainError):
    code = "already-resolved"

    def __init__(self, resolution: str) -> None:
        super().__init__(Text(f"Eskalasi sudah selesai ({resolution}); tidak perlu diakui lagi",
                              f"The escalation is already resolved ({resolution}); "
                              "there is nothing to acknowledge"))


# --- the decider -------------------------------------------------------------------------


@dataclass(frozen=True)
class Emitted:
    """One event a decision announces: the event, its time, and the parts its id is derived
    from (what it announces: the same announcement always has the same id)."""

    event: Event
    at: datetime
    id_parts: tuple[object, ...]

    @property
    def id(self) -> str:
        return deterministic_id("sla-event", *self.id_parts)

    @property
    def topic(self) -> str:
        return self.event.TOPIC

    @property
    def type(self) -> str:
        return type(self.event).__name__


@dataclass
class Decision:
    state: SubjectState  # the new state (the one given is left as it was)
    events: list[Emitted] = field(default_factory=list)
    reply: CommandRecord | None = None  # the result of a command that expects an answer


def decide(state: SubjectState, inp: Input, policies: PolicySet) -> Decision:
    """What `inp` changes for this subject: the new state and the events to announce.
    Raises a `DomainError` for a refused command. `state` itself is never changed: the
    decision works on one copy of it (one per call)."""
    if _changes_nothing(state, inp):
        return Decision(state)
    if isinstance(inp, Acknowledge):
        done = next((r for r in state.commands if r.command_id == inp.command_id), None)
        if done is not None:
            return Decision(state, [], done)  # the same command again: same answer, no events
    tx = _Tx(working_copy(state), policies)
    if isinstance(inp, Fact):
        tx.on_fact(inp)
    elif isinstance(inp, Tick):
        tx.on_tick(inp)
    else:
        return tx.on_acknowledge(inp)
    return Decision(tx.state, tx.out)


def working_copy(state: SubjectState) -> SubjectState:
    """A copy of `state` the decider may change: every container and every model it changes
    in place is new (the dicts, the lists, each clock with its steps, each escalation); what
    it never changes in place is shared (facts, transitions, command records, datetimes).
    A fraction of `model_copy(deep=True)`'s cost, which copied every datetime and string."""
    return state.model_copy(update={
        "sequences": dict(state.sequences),
        "applied": dict(state.applied),
        "facts": {policy: list(facts) for policy, facts in state.facts.items()},
        "clocks": [k.model_copy(update={"transitions": list(k.transitions),
                                        "steps": [s.model_copy() for s in k.steps]})
                   for k in state.clocks],
        "escalations": [e.model_copy() for e in state.escalations],
        "commands": list(state.commands),
    })


def _changes_nothing(state: SubjectState, inp: Input) -> bool:
    """A redelivered fact, or a tick with nothing due: answered without copying the state."""
    if isinstance(inp, Fact):
        return inp.sequence <= state.applied.get(inp.source, 0)
    if isinstance(inp, Tick):
        return not any(k.due_steps(inp.at) or k.breach_due(inp.at) for k in state.clocks)
    return False


def evolve(state: SubjectState, env: Envelope) -> SubjectState:
    """The state with one of its own published events applied (see `fold_own`)."""
    return fold_own(state, env) or state


class _Tx:
    """One decision in progress: changes its own copy of the state, collects the events."""

    def __init__(self, state: SubjectState, policies: PolicySet) -> None:
        self.state = state
        self.policies = policies
        self.out: list[Emitted] = []

    # announcing -------------------------------------------------------------------------
    def emit(self, event: Event, at: datetime, *id_parts: object) -> None:
        topic = event.TOPIC
        self.state.sequences[topic] = self.state.sequences.get(topic, 0) + 1
        self.out.append(Emitted(event, at, id_parts))

    # facts ------------------------------------------------------------------------------
    def on_fact(self, fact: Fact) -> None:
        s = self.state
        if fact.sequence <= s.applied.get(fact.source, 0):
            return  # redelivered: already applied
        s.applied[fact.source] = fact.sequence
        self.follow_division(fact)
        touched: list[Policy] = []
        for match in self.policies.matching(fact.event_type, fact.data):
            facts = s.facts.setdefault(match.policy.id, [])
            facts.append(RoleFact(time=fact.time, role=match.role, event_id=fact.event_id,
                                  event_type=fact.event_type))
            facts.sort(key=RoleFact.order)
            del facts[:-FACTS_KEPT]
            if match.policy not in touched:
                touched.append(match.policy)
        for policy in touched:
            self.reconcile(policy)

    def follow_division(self, fact: Fact) -> None:
        """The case's division, as the latest fact (by its time) says: a disposition, its
        receipt or a directed walk-in names it; a returned disposition leaves the case
        without one until it is disposed again."""
        s = self.state
        if s.division_at is not None and fact.time < s.division_at:
            return  # an older fact: the division it names was already replaced
        if fact.event_type in DIVISION_CLEARED_BY:
            s.division, s.division_at = None, fact.time
        elif division := fact.data.get("division"):
            s.division, s.division_at = division, fact.time

    def reconcile(self, policy: Policy) -> None:
        """Publish what the facts (replayed in time order) change for this policy's clocks."""
        calendar = self.policies.calendar_for(policy)
        for cycle in c.project(self.state.facts.get(policy.id, [])):
            clock = self.clock_of(policy.id, cycle)
            fresh = clock is None  # planned from its start just now
            if clock is None:
                cycle_no = sum(1 for k in self.state.clocks if k.policy_id == policy.id) + 1
                clock = c.new_clock(policy, calendar, self.state.subject, cycle_no, cycle.start)
                self.state.clocks.append(clock)
                self.announce_start(clock)
            elif clock.started_at != cycle.start.time and clock.is_open:
                clock.started_at, clock.start_event_id = cycle.start.time, cycle.start.event_id
                clock.apply_plan(c.plan(policy, calendar, c.spans_of(cycle.start.time, [], None)))
                self.announce_start(clock)  # an earlier start arrived late: correct it
            if clock.is_open or cycle.end is not None:
                self.follow(policy, calendar, clock, cycle, fresh)

    def clock_of(self, policy_id: str, cycle: Cycle) -> Clock | None:
        starts = cycle.start_events()
        mine = [k for k in self.state.clocks
                if k.policy_id == policy_id and k.start_event_id in starts]
        return min(mine, key=lambda k: k.cycle, default=None)

    def announce_start(self, clock: Clock) -> None:
        self.emit(ClockStarted(clock_id=clock.clock_id, case_id=self.state.subject,
                               policy_id=clock.policy_id, started_at=clock.started_at,
                               due_at=clock.due_at, calendar_id=clock.calendar_id),
                  clock.started_at, clock.clock_id, "started", clock.started_at.isoformat())

    def follow(self, policy: Policy, calendar, clock: Clock, cycle: Cycle,
               fresh: bool = False) -> None:
        """Bring the published clock in line with its cycle: pauses, resumes, the stop.
        `fresh`: the clock was just planned from the cycle's start (with no transitions the
        plan of its running span is that one: not computed twice)."""
        subject = self.state.subject
        published = {(t.kind, t.at) for t in clock.transitions}
        for i, (kind, at, why) in enumerate(cycle.transitions):
            if (kind, at) in published:
                continue
            if kind == "pause":
                self.emit(ClockPaused(clock_id=clock.clock_id, case_id=subject, at=at,
                                      reason=why or "paused"),
                          at, clock.clock_id, "paused", at.isoformat())
            else:
                spans = c.spans_of(clock.started_at, cycle.transitions[: i + 1], None)
                due = c.plan(policy, calendar, spans).due
                self.emit(ClockResumed(clock_id=clock.clock_id, case_id=subject, at=at,
                                       reason=why or "resumed", due_at=due),
                          at, clock.clock_id, "resumed", at.isoformat())
        clock.transitions = [Transition(kind=k, at=t) for k, t, _ in cycle.transitions]
        spans = cycle.spans()
        if cycle.end is None:
            clock.state = "paused" if cycle.paused else "running"
            if not (fresh and not cycle.transitions):
                clock.apply_plan(None if cycle.paused else c.plan(policy, calendar, spans))
            return
        end = cycle.end
        if end.role == "cancel":
            outcome = "cancelled"
        else:
            outcome = "breached" if c.late_at(policy, calendar, spans, end.time) else "met"
        elapsed = max(c.used(calendar, spans, end.time).total_seconds(), 0.0)
        if (clock.state, clock.stopped_at, clock.elapsed_seconds) == (outcome, end.time, elapsed):
            return  # already published as it is
        if outcome == "breached" and clock.breached_at is None:
            self.breach(clock, end.time)  # it ran past its due while nobody ticked it
        clock.state, clock.stopped_at, clock.elapsed_seconds = outcome, end.time, elapsed
        clock.apply_plan(None)
        self.emit(ClockStopped(clock_id=clock.clock_id, case_id=subject,
                               policy_id=clock.policy_id, outcome=outcome, stopped_at=end.time,
                               elapsed_working_seconds=elapsed),
                  end.time, clock.clock_id, "stopped", outcome, end.time.isoformat(), elapsed)
        resolution = ("cancelled" if outcome == "cancelled" else
                      "clock_met_late" if outcome == "breached" else "clock_stopped")
        for esc in self.state.escalations:
            if esc.clock_id == clock.clock_id and esc.state != "resolved":
                esc.state, esc.resolved_at, esc.resolution = "resolved", end.time, resolution
                self.emit(EscalationResolved(escalation_id=esc.escalation_id, case_id=subject,
                                             resolution=resolution, resolved_at=end.time),
                          end.time, esc.escalation_id, "resolved")

    # ticks ------------------------------------------------------------------------------
    def on_tick(self, tick: Tick) -> None:
        for clock in self.state.clocks:
            for step in clock.due_steps(tick.at):
                self.fire(clock, step, tick.at)
            if clock.breach_due(tick.at):
                self.breach(clock, tick.at)

    def breach(self, clock: Clock, now: datetime) -> None:
        """Announce the breach; `breached_at` is when it was detected (>= due_at)."""
        clock.breached_at = now
        self.emit(ClockBreached(clock_id=clock.clock_id, case_id=self.state.subject,
                                policy_id=clock.policy_id, due_at=clock.due_at,
                                breached_at=now),
                  now, clock.clock_id, "breached")

    def fire(self, clock: Clock, step: PlannedStep, now: datetime) -> None:
        assert step.at is not None
        scheduled = step.at
        step.fired_at = now
        subject = self.state.subject
        if step.reason == "at_risk":
            self.emit(ClockAtRisk(clock_id=clock.clock_id, case_id=subject,
                                  policy_id=clock.policy_id, threshold_pct=step.threshold_pct,
                                  due_at=clock.due_at), now, clock.clock_id, "at_risk", step.level)
        elif clock.breach_due(now):
            self.breach(clock, now)
        escalation_id = deterministic_id("escalation", clock.clock_id, step.level, step.reason)
        division = self.state.division
        to_division = division if step.to_role == "division_head" else None
        self.state.escalations.append(Escalation(
            escalation_id=escalation_id, clock_id=clock.clock_id, policy_id=clock.policy_id,
            level=step.level, reason=step.reason, to_role=step.to_role,
            to_division=to_division, division=division, due_at=clock.due_at,
            scheduled_at=scheduled, raised_at=now))
        self.emit(EscalationRaised(escalation_id=escalation_id, clock_id=clock.clock_id,
                                   case_id=subject, policy_id=clock.policy_id, level=step.level,
                                   reason=step.reason, to_role=step.to_role,
                                   to_division=to_division, division=division,
                                   due_at=clock.due_at, raised_at=now, scheduled_at=scheduled),
                  now, escalation_id, "raised")

    # acknowledgement --------------------------------------------------------------------
    def on_acknowledge(self, cmd: Acknowledge) -> Decision:
        s = self.state
        esc = s.escalation(cmd.escalation_id)
        if esc is None:
            raise EscalationNotFound(cmd.escalation_id)
        if esc.state == "acknowledged":
            raise AlreadyAcknowledged(esc.acknowledged_by or "")
        if esc.state == "resolved":
            raise AlreadyResolved(esc.resolution or "")
        esc.state, esc.acknowledged_by, esc.acknowledged_at = "acknowledged", cmd.by, cmd.at
        esc.note = cmd.note
        self.emit(EscalationAcknowledged(escalation_id=esc.escalation_id, case_id=s.subject,
                                         acknowledged_by=cmd.by, note=cmd.note,
                                         acknowledged_at=cmd.at),
                  cmd.at, esc.escalation_id, "acknowledged")
        body = {"escalation_id": esc.escalation_id, "case_id": s.subject,
                "status": esc.state, "events": [{"id": e.id, "type": e.type} for e in self.out]}
        record = CommandRecord(command_id=cmd.command_id, body=body)
        s.commands.append(record)
        del s.commands[:-COMMANDS_KEPT]
        return Decision(s, self.out, record)


# --- catching up with the own topics (chassis.durability) --------------------------------

def fold_own(state: SubjectState, env: Envelope) -> SubjectState | None:
    """The state with one of its own published events applied, or None if it holds it already
    (by the per-topic sequence). After a lost table write this re-applies what was raised:
    a fired ladder step stays fired, an escalation is known (and its acknowledgement, under
    its command id), a breach announced: nothing is raised or announced again. Clock starts,
    pauses and stops follow their input facts (redelivered when their offsets were not
    committed); here they only advance the sequence. Pure: returns a new state."""
    topic = type(env.data).TOPIC
    if env.sequence <= state.sequences.get(topic, 0):
        return None
    s = working_copy(state)
    s.sequences[topic] = env.sequence
    d = env.data
    if isinstance(d, EscalationRaised):
        clock = s.clock(d.clock_id)
        for step in clock.steps if clock else []:
            if (step.level, step.reason, step.fired_at) == (d.level, d.reason, None):
                step.fired_at = d.raised_at
        if s.escalation(d.escalation_id) is None:
            s.escalations.append(Escalation(
                escalation_id=d.escalation_id, clock_id=d.clock_id, policy_id=d.policy_id,
                level=d.level, reason=d.reason, to_role=d.to_role, to_division=d.to_division,
                division=d.division or d.to_division, due_at=d.due_at,
                scheduled_at=d.scheduled_at or d.raised_at,
                raised_at=d.raised_at))
    elif isinstance(d, ClockBreached):
        clock = s.clock(d.clock_id)
        if clock is not None and clock.breached_at is None:
            clock.breached_at = d.breached_at
    elif isinstance(d, EscalationAcknowledged):
        esc = s.escalation(d.escalation_id)
        if esc is not None and esc.state == "open":
            esc.state, esc.acknowledged_by = "acknowledged", d.acknowledged_by
            esc.acknowledged_at, esc.note = d.acknowledged_at, d.note
        if env.causationid and all(r.command_id != env.causationid for r in s.commands):
            body = {"escalation_id": d.escalation_id, "case_id": s.subject,
                    "status": "acknowledged", "events": [{"id": env.id, "type": env.type}]}
            s.commands.append(CommandRecord(command_id=env.causationid, body=body))
            del s.commands[:-COMMANDS_KEPT]
    elif isinstance(d, EscalationResolved):
        esc = s.escalation(d.escalation_id)
        if esc is not None and esc.state != "resolved":
            esc.state, esc.resolved_at, esc.resolution = "resolved", d.resolved_at, d.resolution
    return s
