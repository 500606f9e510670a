"""Events of `audiensi.sla.v1` and `audiensi.escalations.v1` (writer: sla)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from .base import Event
from .topics import ESCALATIONS, SLA

ClockOutcome = Literal["met", "breached", "cancelled"]
EscalationReason = Literal["at_risk", "breached"]


class ClockStarted(Event):
    TOPIC = SLA
    type: Literal["ClockStarted"] = "ClockStarted"
    clock_id: str
    case_id: str
    policy_id: str
    started_at: AwareDatetime
    due_at: AwareDatetime
    calendar_id: str


class ClockPaused(Event):
    TOPIC = SLA
    type: Literal["ClockPaused"] = "ClockPaused"
    clock_id: str
    case_id: str
    at: AwareDatetime
    reason: str


class ClockResumed(Event):
    TOPIC = SLA
    type: Literal["ClockResumed"] = "ClockResumed"
    clock_id: str
    case_id: str
    at: AwareDatetime
    reason: str
    due_at: AwareDatetime | None = None


class ClockAtRisk(Event):
    TOPIC = SLA
    type: Literal["ClockAtRisk"] = "ClockAtRisk"
    clock_id: str
    case_id: str
    policy_id: str
    threshold_pct: float
    due_at: AwareDatetime


class ClockBreached(Event):
    TOPIC = SLA
    type: Literal["ClockBreached"] = "ClockBreached"
    clock_id: str
    case_id: str
    policy_id: str
    due_at: AwareDatetime
    breached_at: AwareDatetime


class ClockStopped(Event):
    TOPIC = SLA
    type: Literal["ClockStopped"] = "ClockStopped"
    clock_id: str
    case_id: str
    policy_id: str
    outcome: ClockOutcome
    stopped_at: AwareDatetime
    elapsed_working_seconds: float = Field(ge=0)


class EscalationRaised(Event):
    TOPIC = ESCALATIONS
    type: Literal["EscalationRaised"] = "EscalationRaised"
    escalation_id: str
    clock_id: str
    case_id: str
    policy_id: str
    level: int = Field(ge=1)
    reason: EscalationReason
    to_role: str
    to_division: str | None = None
    #: the case's division when raised (whoever it is addressed to); None before disposition
    division: str | None = None
    due_at: AwareDatetime
    raised_at: AwareDatetime
    #: when this ladder step fell due (raised_at - scheduled_at = the engine's delay)
    scheduled_at: AwareDatetime | None = None


class EscalationAcknowledged(Event):
    TOPIC = ESCALATIONS
    type: Literal["EscalationAcknowledged"] = "EscalationAcknowledged"
    escalation_id: str
    case_id: str
    acknowledged_by: str
    note: str | None = None
    acknowledged_at: AwareDatetime | None = None


class EscalationResolved(Event):
    TOPIC = ESCALATIONS
    type: Literal["EscalationResolved"] = "EscalationResolved"
    escalation_id: str
    case_id: str
    resolution: Literal["clock_met_late", "clock_stopped", "cancelled"]
    resolved_at: AwareDatetime | None = None


SLA_EVENTS = (ClockStarted, ClockPaused, ClockResumed, ClockAtRisk, ClockBreached, ClockStopped)
ESCALATION_EVENTS = (EscalationRaised, EscalationAcknowledged, EscalationResolved)
