"""Builders for the clock decider tests: a small policy set on the wall clock (and one on a
test business calendar), facts, ticks, and a `given(...).when(...)` runner."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from contracts import Envelope
from services.sla.calendar import parse_calendar
from services.sla.domain import (
    Acknowledge,
    Decision,
    Fact,
    Input,
    SubjectState,
    Tick,
    decide,
    initial_state,
)
from services.sla.policy import PolicySet, parse_policies
from services.sla.processor import envelopes_for

T0 = datetime(2026, 4, 6, 1, 0, tzinfo=UTC)  # Monday 08:00 WIB
CASE = "case-1"

POLICIES_YAML = """
policies:
  - id: inform
    starts_on: [DispositionReceived]
    stops_on: [ApplicantInformed]
    pauses_on: [PreparationRecorded]
    resumes_on: [StaffReviewSubmitted]
    cancels_on: [CaseCancelled, RequestWithdrawn]
    duration: PT1H
    time: calendar
    escalations:
      - {at: "75%", reason: at_risk, to_role: division_head}
      - {at: "100%", reason: breached, to_role: division_head}
      - {at: "100% + PT30M", reason: breached, to_role: head_of_office}
  - id: walk-in
    starts_on:
      - {event: AudienceRequested, when: {channel: walk_in, urgent: true}}
    stops_on: [WalkInDirected]
    cancels_on: [RequestWithdrawn]
    duration: PT30M
    time: calendar
    escalations:
      - {at: "50%", reason: at_risk, to_role: secretariat}
      - {at: "100%", reason: breached, to_role: head_of_office}
  - id: verify
    starts_on: [ComplaintFiled]
    stops_on: [ComplaintVerified]
    duration: P1D
    time: working
    calendar: test
    escalations:
      - {at: "100%", reason: breached, to_role: secretariat}
"""

CALENDAR_YAML = """
id: test
timezone: Asia/Jakarta
working_day: PT8H
weekly:
  mon: [["08:00", "12:00"], ["13:00", "17:00"]]
  tue: [["08:00", "12:00"], ["13:00", "17:00"]]
  wed: [["08:00", "12:00"], ["13:00", "17:00"]]
  thu: [["08:00", "12:00"], ["13:00", "17:00"]]
  fri: [["08:00", "12:00"], ["13:00", "17:00"]]
use_national_holidays: false
extra_holidays:
  - {date: 2026-04-08, name: test holiday}
"""


def policies() -> PolicySet:
    calendar = parse_calendar(CALENDAR_YAML, "test.yaml")
    return parse_policies(POLICIES_YAML, "policies.yaml", {"test": calendar})


POLICIES = policies()
_ids = itertools.count(1)
SOURCES = {"DispositionReceived": "disposition", "ApplicantInformed": "disposition",
           "PreparationRecorded": "disposition", "StaffReviewSubmitted": "disposition",
           "CaseCancelled": "disposition", "WalkInDirected": "disposition",
           "CaseDisposed": "disposition", "AudienceRequested": "intake",
           "RequestWithdrawn": "intake", "ComplaintFiled": "intake",
           "ComplaintVerified": "intake"}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def fact(event_type: str, minutes: float, *, seq: int | None = None, source: str | None = None,
         event_id: str | None = None, **data) -> Fact:
    n = next(_ids)
    return Fact(event_id=event_id or f"ev-{event_type}-{minutes}", event_type=event_type,
                source=source or SOURCES.get(event_type, "disposition"),
                sequence=seq if seq is not None else n, time=at(minutes), data=data)


def received(minutes: float = 0, division: str = "rehsos", **kw) -> Fact:
    return fact("DispositionReceived", minutes, division=division, **kw)


def informed(minutes: float, **kw) -> Fact:
    return fact("ApplicantInformed", minutes, **kw)


def cancelled(minutes: float, **kw) -> Fact:
    return fact("CaseCancelled", minutes, **kw)


def withdrawn(minutes: float, **kw) -> Fact:
    return fact("RequestWithdrawn", minutes, **kw)


def paused(minutes: float, **kw) -> Fact:
    return fact("PreparationRecorded", minutes, **kw)


def resumed(minutes: float, **kw) -> Fact:
    return fact("StaffReviewSubmitted", minutes, **kw)


def walk_in(minutes: float = 0, urgent: bool = True, **kw) -> Fact:
    return fact("AudienceRequested", minutes, channel="walk_in", urgent=urgent, **kw)


def directed(minutes: float, **kw) -> Fact:
    return fact("WalkInDirected", minutes, **kw)


def tick(minutes: float) -> Tick:
    return Tick(command_id=f"tick-{minutes}", at=at(minutes))


def ack(escalation_id: str, by: str = "kabid-rehsos", command_id: str = "cmd-1",
        note: str | None = None) -> Acknowledge:
    return Acknowledge(command_id=command_id, escalation_id=escalation_id, by=by,
                       role="division_head", note=note, at=at(100))


@dataclass
class Run:
    state: SubjectState
    policies: PolicySet = POLICIES
    history: list[Envelope] = field(default_factory=list)
    last: Decision | None = None

    def when(self, *inputs: Input) -> Run:
        """Decide each input in turn; its events wrapped as the processor wraps them."""
        self.last_batch: list[Envelope] = []
        for inp in inputs:
            self.last = decide(self.state, inp, self.policies)
            envelopes = envelopes_for(self.state, inp, self.last.events)
            self.state = self.last.state
            self.history += envelopes
            self.last_batch += envelopes
        return self

    def types(self) -> list[str]:
        return [e.type for e in self.last_batch]

    def events(self, type_: str | None = None) -> list:
        return [e.data for e in self.last_batch if type_ is None or e.type == type_]

    def all(self, type_: str) -> list:
        return [e.data for e in self.history if e.type == type_]

    @property
    def clock(self):
        assert len(self.state.clocks) == 1, self.state.clocks
        return self.state.clocks[0]


def given(*inputs: Input, subject: str = CASE, policy_set: PolicySet = POLICIES) -> Run:
    run = Run(initial_state(subject, partition=0), policy_set)
    return run.when(*inputs)
