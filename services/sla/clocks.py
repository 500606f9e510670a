"""SLA clocks as a projection of facts. Pure: no I/O, no clock; times come in as arguments.

The facts of one policy for one subject (start, pause, resume, stop, cancel, each with the
time it happened) are replayed **in time order** into *cycles*: a start opens a cycle (a
start while one is open is absorbed into it), pause/resume split it into running
segments, the first stop or cancel closes it. A fact with no open cycle is ignored until
an earlier start shows up. Replaying by time, not by arrival, is what makes the outcome
independent of the order the topics deliver them in.

A clock uses the policy's time (working time on a business calendar, or wall-clock time)
inside its running segments; its due instant and escalation ladder are planned from the
last segment and the time already used before it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts import deterministic_id
from contracts.sla import EscalationReason
from services.sla.calendar import Calendar
from services.sla.policy import Policy, Role, Schedule, schedule

ClockState = Literal["running", "paused", "met", "breached", "cancelled"]
OPEN_STATES: frozenset[str] = frozenset({"running", "paused"})
ROLE_RANK = {"start": 0, "pause": 1, "resume": 2, "stop": 3, "cancel": 4}
_ZERO = timedelta(0)

Span = tuple[datetime, datetime | None]  # a running segment [start, end); end None = running


class _State(BaseModel):
    """Mutable working state (the decider copies it before changing anything)."""

    model_config = ConfigDict(extra="forbid")


class RoleFact(_State):
    """A fact as one policy sees it: what role it plays and when it happened."""

    time: AwareDatetime
    role: Role
    event_id: str
    event_type: str = ""

    def order(self) -> tuple[datetime, int, str]:
        return self.time, ROLE_RANK[self.role], self.event_id


# --- projection ---------------------------------------------------------------------------


@dataclass
class Cycle:
    """One start-to-stop run of a policy's clock, as the facts (in time order) say."""

    start: RoleFact
    absorbed: list[str] = field(default_factory=list)  # later starts inside this cycle
    transitions: list[tuple[str, datetime, str]] = field(default_factory=list)  # kind, at, why
    end: RoleFact | None = None  # the stop or cancel that closed it

    def start_events(self) -> set[str]:
        return {self.start.event_id, *self.absorbed}

    def spans(self) -> list[Span]:
        return spans_of(self.start.time, self.transitions, self.end.time if self.end else None)

    @property
    def paused(self) -> bool:
        return bool(self.transitions) and self.transitions[-1][0] == "pause"


def project(facts: list[RoleFact]) -> list[Cycle]:
    """The cycles the facts describe, replayed in time order (ties: start, pause, resume,
    stop, cancel, then event id)."""
    cycles: list[Cycle] = []
    current: Cycle | None = None
    for fact in sorted(facts, key=RoleFact.order):
        if fact.role == "start":
            if current is None:
                current = Cycle(start=fact)
                cycles.append(current)
            else:
                current.absorbed.append(fact.event_id)
        elif current is None:
            continue  # nothing open at that time (yet): an earlier start may still arrive
        elif fact.role == "pause" and not current.paused:
            current.transitions.append(("pause", fact.time, fact.event_type))
        elif fact.role == "resume" and current.paused:
            current.transitions.append(("resume", fact.time, fact.event_type))
        elif fact.role in ("stop", "cancel"):
            current.end = fact
            current = None
    return cycles


def spans_of(start: datetime, transitions: list[tuple[str, datetime, str]],
             end: datetime | None) -> list[Span]:
    spans: list[Span] = []
    opened: datetime | None = start
    for kind, at, _ in transitions:
        if kind == "pause" and opened is not None:
            spans.append((opened, at))
            opened = None
        elif kind == "resume" and opened is None:
            opened = at
    if opened is not None:
        spans.append((opened, end))
    return spans


def used(calendar: Calendar, spans: list[Span], until: datetime) -> timedelta:
    """Time used inside the running spans up to `until` (policy time)."""
    total = _ZERO
    for begin, end in spans:
        if begin >= until:
            break
        stop = until if end is None else min(end, until)
        total += calendar.elapsed(begin, stop)
    return total


def plan(policy: Policy, calendar: Calendar, spans: list[Span]) -> Schedule:
    """Due instant and ladder instants as planned from the last running span."""
    *before, (last_start, _) = spans
    consumed = sum((calendar.elapsed(b, e) for b, e in before if e is not None), _ZERO)
    return schedule(policy, calendar, last_start, consumed)


def late_at(policy: Policy, calendar: Calendar, spans: list[Span], at: datetime) -> bool:
    """Whether the clock had run past its duration by `at` (a stop exactly at due is met)."""
    consumed = _ZERO
    for begin, end in spans:
        if begin > at:
            break
        due = calendar.add(begin, max(policy.duration - consumed, _ZERO))
        if due < (at if end is None else min(end, at)):
            return True
        if end is not None:
            consumed += calendar.elapsed(begin, end)
    return False


# --- the published view of a clock --------------------------------------------------------


class PlannedStep(_State):
    level: int
    reason: EscalationReason
    to_role: str
    threshold_pct: float
    at: AwareDatetime | None  # None while the clock is not running
    fired_at: AwareDatetime | None = None


class Transition(_State):
    kind: Literal["pause", "resume"]
    at: AwareDatetime


class Clock(_State):
    """A clock as published on `audiensi.sla.v1` (and what its ladder has fired)."""

    clock_id: str
    policy_id: str
    cycle: int
    calendar_id: str
    start_event_id: str
    started_at: AwareDatetime
    state: ClockState = "running"
    due_at: AwareDatetime
    transitions: list[Transition] = Field(default_factory=list)
    steps: list[PlannedStep] = Field(default_factory=list)
    breached_at: AwareDatetime | None = None  # when ClockBreached was published
    stopped_at: AwareDatetime | None = None
    elapsed_seconds: float | None = None

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def next_due(self) -> datetime | None:
        """The next instant a tick has something to do for this clock, if any."""
        if self.state != "running":
            return None
        instants = [s.at for s in self.steps if s.fired_at is None and s.at is not None]
        if self.breached_at is None:
            instants.append(self.due_at)
        return min(instants) if instants else None

    def due_steps(self, now: datetime) -> list[PlannedStep]:
        """Unfired ladder steps whose instant has come, in ladder order."""
        if self.state != "running":
            return []
        return [s for s in self.steps if s.fired_at is None and s.at is not None and s.at <= now]

    def breach_due(self, now: datetime) -> bool:
        return self.state == "running" and self.breached_at is None and self.due_at <= now

    def apply_plan(self, planned: Schedule | None) -> None:
        """Replan unfired steps (None: the clock is not running, nothing is planned)."""
        by_level = {s.step.level: s.at for s in planned.steps} if planned else {}
        for step in self.steps:
            if step.fired_at is None:
                step.at = by_level.get(step.level) if planned else None
        if planned is not None:
            self.due_at = planned.due


def clock_id_for(subject: str, policy_id: str, cycle: int) -> str:
    """uuid5 of (subject, policy, cycle): the same clock whoever computes it."""
    return deterministic_id("clock", subject, policy_id, cycle)


def new_clock(policy: Policy, calendar: Calendar, subject: str, cycle: int,
              start: RoleFact) -> Clock:
    planned = schedule(policy, calendar, start.time)
    steps = [PlannedStep(level=s.step.level, reason=s.step.reason, to_role=s.step.to_role,
                         threshold_pct=s.step.threshold_pct, at=s.at) for s in planned.steps]
    return Clock(clock_id=clock_id_for(subject, policy.id, cycle), policy_id=policy.id,
                 cycle=cycle, calendar_id=policy.calendar_id, start_event_id=start.event_id,
                 started_at=start.time, due_at=planned.due, steps=steps)
