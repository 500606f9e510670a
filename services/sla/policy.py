"""SLA policies as data: `config/sla-policies.yaml` -> typed, validated `PolicySet`.

A policy says which events start, stop, pause, resume or cancel its clock, how
long the clock runs (an ISO 8601 duration, in working time on a calendar or in
wall-clock time) and the escalation ladder. A ladder step `at: "75%"` fires at
75 % of the duration; `at: "100% + PT2H"` fires 2 hours (in the policy's time
mode) past the deadline. Levels are numbered 1, 2, 3 in file order, which must
also be time order.

Pure: `load_policies` is the only function that reads files.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from chassis.org import STAFF_ROLES
from contracts import EVENT_TYPES
from contracts.sla import EscalationReason
from services.sla.calendar import WALL, Calendar, WallClock, load_calendars
from services.sla.durations import (
    ConfigError,
    IsoDuration,
    Lines,
    check_near_miss_keys,
    config_error_from_validation,
    line_of,
    load_yaml_with_lines,
    parse_duration,
)

__all__ = [
    "ROLES",
    "EscalationStep",
    "Match",
    "Policy",
    "PolicySet",
    "Role",
    "Schedule",
    "ScheduledStep",
    "Trigger",
    "load_policies",
    "parse_at",
    "parse_policies",
    "schedule",
]

Role = Literal["start", "stop", "pause", "resume", "cancel"]
ROLES: tuple[Role, ...] = ("start", "stop", "pause", "resume", "cancel")
_ROLE_KEYS = {"start": "starts_on", "stop": "stops_on", "pause": "pauses_on",
              "resume": "resumes_on", "cancel": "cancels_on"}  # fmt: skip
TimeMode = Literal["working", "calendar"]
#: `standard`: a deadline of the service standard itself; `office_target`: the office's own
#: target between two steps the standard gives no deadline for (so no case sits unwatched)
PolicyKind = Literal["standard", "office_target"]
Scalar = str | int | float | bool | None
_AT = re.compile(r"\s*(\d+(?:\.\d+)?)\s*%\s*(?:\+\s*(\S+))?\s*")
_ZERO = timedelta(0)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)


def parse_at(text: object) -> tuple[float, IsoDuration]:
    """`"75%"` -> (0.75, PT0S); `"100% + PT2H"` -> (1.0, PT2H)."""
    match = _AT.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"at {text!r} is not '<n>%' or '100% + <ISO 8601 duration>'")
    percent = float(match[1])
    if not 0 < percent <= 100:
        raise ValueError(
            f"at {text!r}: thresholds run from above 0% up to 100%; "
            "escalate later with '100% + <duration>' (e.g. '100% + PT2H')"
        )
    delay = parse_duration(match[2]) if match[2] else IsoDuration("PT0S")
    return percent / 100, delay


# --- triggers ----------------------------------------------------------------------------


def _lookup(data: Mapping[str, Any], dotted: str) -> tuple[bool, Any]:
    value: Any = data
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False, None
        value = value[part]
    return True, value


class Trigger(_Model):
    """An event type, optionally with conditions on its data: `{event: X, when: {urgent: true}}`.

    A condition holds when the (dotted) field equals the value, or is one of the
    values of a list.
    """

    event: str
    when: dict[str, Scalar | list[Scalar]] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _plain_name(cls, data: Any) -> Any:
        return {"event": data} if isinstance(data, str) else data

    @field_validator("event")
    @classmethod
    def _known_event(cls, value: str) -> str:
        if value not in EVENT_TYPES:
            raise ValueError(f"unknown event {value!r} (not in the event catalogue)")
        return value

    @model_validator(mode="after")
    def _known_fields(self) -> Trigger:
        fields = EVENT_TYPES[self.event].model_fields
        for key in self.when:
            if key.split(".")[0] not in fields:
                raise ValueError(f"event {self.event} has no field {key.split('.')[0]!r}")
        return self

    def matches(self, event_type: str, data: Mapping[str, Any]) -> bool:
        if event_type != self.event:
            return False
        for key, expected in self.when.items():
            found, value = _lookup(data, key)
            if not found or not _same(value, expected):
                return False
        return True

    def key(self) -> tuple[str, str]:
        return self.event, repr(sorted(self.when.items()))

    def __hash__(self) -> int:  # `when` is a dict: hash its canonical form
        return hash(self.key())


def _same(value: Any, expected: Scalar | list[Scalar]) -> bool:
    if isinstance(expected, list):
        return any(_same(value, e) for e in expected)
    if isinstance(value, bool) or isinstance(expected, bool):
        return value is expected  # true is not 1
    return value == expected


def _triggers(value: Any) -> Any:
    return [value] if isinstance(value, str | dict) else value


Triggers = Annotated[tuple[Trigger, ...], BeforeValidator(_triggers)]
Duration = Annotated[IsoDuration, BeforeValidator(parse_duration)]


# --- the file as written -----------------------------------------------------------------


class _StepSpec(_Model):
    at: str
    reason: EscalationReason
    to_role: str

    @field_validator("at")
    @classmethod
    def _at(cls, value: str) -> str:
        parse_at(value)
        return value

    @field_validator("to_role")
    @classmethod
    def _role(cls, value: str) -> str:
        if value not in STAFF_ROLES:
            raise ValueError(f"unknown to_role {value!r} (roles: {', '.join(sorted(STAFF_ROLES))})")
        return value

    @model_validator(mode="after")
    def _reason_fits(self) -> _StepSpec:
        fraction, _ = parse_at(self.at)
        if self.reason == "breached" and fraction < 1:
            raise ValueError(f"reason breached at {self.at!r}: a breach is at '100%' or later")
        if self.reason == "at_risk" and fraction >= 1:
            raise ValueError(f"reason at_risk at {self.at!r}: at-risk steps come before 100%")
        return self


class _PolicySpec(_Model):
    model_config = ConfigDict(extra="ignore")  # the file format allows more keys

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str = ""
    kind: PolicyKind = "standard"
    enabled: bool = True
    starts_on: Triggers = Field(min_length=1)
    stops_on: Triggers = Field(min_length=1)
    pauses_on: Triggers = ()
    resumes_on: Triggers = ()
    cancels_on: Triggers = ()
    duration: Duration
    time: TimeMode = "working"
    calendar: str | None = None
    escalations: tuple[_StepSpec, ...] = ()

    @field_validator("duration")
    @classmethod
    def _positive(cls, value: IsoDuration) -> IsoDuration:
        if value.is_zero():
            raise ValueError(f"duration {value} must be longer than zero")
        return value


_POLICY_KEYS = tuple(_PolicySpec.model_fields)


class _PolicyFile(_Model):
    model_config = ConfigDict(extra="ignore")
    policies: tuple[_PolicySpec, ...] = Field(min_length=1)


# --- resolved policies -------------------------------------------------------------------


class EscalationStep(_Model):
    level: int  # 1, 2, 3 ... in ladder order
    at: str  # as written: "75%", "100% + PT2H"
    at_fraction: float  # 0.75
    delay: timedelta  # past the at_fraction point, in the policy's time mode; may be zero
    offset: timedelta  # at_fraction * duration + delay, from the start (policy's time mode)
    reason: EscalationReason
    to_role: str

    @property
    def threshold_pct(self) -> float:
        return self.at_fraction * 100


class Policy(_Model):
    id: str
    description: str = ""
    kind: PolicyKind = "standard"
    starts_on: tuple[Trigger, ...]
    stops_on: tuple[Trigger, ...]
    pauses_on: tuple[Trigger, ...] = ()
    resumes_on: tuple[Trigger, ...] = ()
    cancels_on: tuple[Trigger, ...] = ()
    duration: timedelta  # working time when time == "working", else wall-clock time
    duration_text: str  # as written: "P1D"
    time: TimeMode
    calendar_id: str  # "wall" for time: calendar
    escalations: tuple[EscalationStep, ...] = ()

    def triggers(self, role: Role) -> tuple[Trigger, ...]:
        return getattr(self, _ROLE_KEYS[role])

    def roles_of(self, event_type: str, data: Mapping[str, Any]) -> tuple[Role, ...]:
        """The roles this event plays for this policy, in `ROLES` order (usually 0 or 1)."""
        return tuple(
            role for role in ROLES if any(t.matches(event_type, data) for t in self.triggers(role))
        )


@dataclass(frozen=True, slots=True)
class Match:
    policy: Policy
    role: Role


@dataclass(frozen=True, slots=True)
class ScheduledStep:
    step: EscalationStep
    at: datetime  # UTC


@dataclass(frozen=True, slots=True)
class Schedule:
    due: datetime  # UTC
    steps: tuple[ScheduledStep, ...]


def schedule(
    policy: Policy, calendar: Calendar, start: datetime, consumed: timedelta = _ZERO
) -> Schedule:
    """Due instant and ladder instants of a clock started (or resumed) at `start`.

    `consumed` is the time (policy's time mode) already used before a pause: a
    point already passed is due at `start`. `calendar` must be the policy's.
    """

    offsets = [max(step.offset - consumed, _ZERO) for step in policy.escalations]
    *instants, due = calendar.add_many(start, [*offsets, max(policy.duration - consumed, _ZERO)])
    steps = tuple(ScheduledStep(step, at) for step, at in zip(policy.escalations, instants,
                                                              strict=True))
    return Schedule(due=due, steps=steps)


class PolicySet:
    """The policies of one file, their calendars, and an index by event type."""

    def __init__(self, policies: tuple[Policy, ...], calendars: Mapping[str, Calendar]) -> None:
        self.policies = policies
        self.calendars: dict[str, Calendar] = {WALL: WallClock(), **calendars}
        self._by_id = {p.id: p for p in policies}
        self._by_event: dict[str, list[Policy]] = {}
        for policy in policies:
            events = {t.event for role in ROLES for t in policy.triggers(role)}
            for event in sorted(events):
                self._by_event.setdefault(event, []).append(policy)
        #: event type -> (policy, role, that role's triggers on this event type), in file
        #: then `ROLES` order: `matching` tests only these
        self._roles_by_event: dict[str, list[tuple[Policy, Role, tuple[Trigger, ...]]]] = {}
        for event, interested in self._by_event.items():
            self._roles_by_event[event] = [
                (policy, role, on) for policy in interested for role in ROLES
                if (on := tuple(t for t in policy.triggers(role) if t.event == event))]

    def __iter__(self) -> Iterator[Policy]:
        return iter(self.policies)

    def __len__(self) -> int:
        return len(self.policies)

    def __getitem__(self, policy_id: str) -> Policy:
        return self._by_id[policy_id]

    def get(self, policy_id: str) -> Policy | None:
        return self._by_id.get(policy_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(self._by_id)

    @property
    def event_types(self) -> frozenset[str]:
        """Every event type some policy reacts to (to filter a stream cheaply)."""
        return frozenset(self._by_event)

    def calendar_for(self, policy: Policy | str) -> Calendar:
        policy = self[policy] if isinstance(policy, str) else policy
        return self.calendars[policy.calendar_id]

    def matching(self, event_type: str, data: Mapping[str, Any]) -> tuple[Match, ...]:
        """Which role this event plays for which policy, in file order."""
        return tuple(
            Match(policy, role)
            for policy, role, triggers in self._roles_by_event.get(event_type, ())
            if any(t.matches(event_type, data) for t in triggers)
        )

    def schedule(
        self, policy: Policy | str, start: datetime, consumed: timedelta = _ZERO
    ) -> Schedule:
        policy = self[policy] if isinstance(policy, str) else policy
        return schedule(policy, self.calendar_for(policy), start, consumed)


# --- loading -----------------------------------------------------------------------------


def load_policies(path: str | Path, calendars: Mapping[str, Calendar] | None = None) -> PolicySet:
    """Read and validate a policy file; a bad file raises `ConfigError` naming the line.

    `calendars` defaults to `load_calendars(<the file's folder>/calendar)`.
    """
    file = Path(path)
    if calendars is None:
        calendars = load_calendars(file.parent / "calendar")
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(str(file), None, f"cannot read the policy file: {exc.strerror}") from None
    return parse_policies(text, str(file), calendars)


def parse_policies(text: str, source: str, calendars: Mapping[str, Calendar]) -> PolicySet:
    calendars = {WALL: WallClock(), **calendars}
    data, lines = load_yaml_with_lines(text, source)
    if not isinstance(data, dict):
        raise ConfigError(source, 1, "a policy file is a mapping with a 'policies' list")
    for i, raw in enumerate(data.get("policies") or []):
        check_near_miss_keys(raw, _POLICY_KEYS, ("policies", i), lines, source)
    try:
        spec = _PolicyFile.model_validate(data)
    except ValidationError as exc:
        raise config_error_from_validation(exc, lines, source) from None
    policies = tuple(
        _resolve(p, ("policies", i), calendars, lines, source) for i, p in enumerate(spec.policies)
    )
    seen: dict[str, int] = {}
    for i, policy in enumerate(policies):
        if policy.id in seen:
            line = line_of(lines, ("policies", i, "id"))
            raise ConfigError(source, line, f"policy id {policy.id!r} is used twice")
        seen[policy.id] = i
    # a policy switched off (`enabled: false`) is checked like the others, then left out:
    # no clock starts for it and `GET /policies` does not list it
    on = tuple(p for p, written in zip(policies, spec.policies, strict=True) if written.enabled)
    return PolicySet(on, calendars)


def _resolve(
    spec: _PolicySpec, path: tuple, calendars: Mapping[str, Calendar], lines: Lines, source: str
) -> Policy:
    def fail(where: tuple, problem: str) -> ConfigError:
        return ConfigError(source, line_of(lines, (*path, *where)), problem)

    calendar_id = _calendar_id(spec, calendars, fail)
    working_day = calendars[calendar_id].working_day

    def budget(d: IsoDuration) -> timedelta:
        return d.working(working_day) if spec.time == "working" else d.wall()

    _check_roles(spec, fail)
    duration = budget(spec.duration)
    steps: list[EscalationStep] = []
    for i, step in enumerate(spec.escalations):
        fraction, delay = parse_at(step.at)
        offset = duration * fraction + budget(delay)
        if steps and offset < steps[-1].offset:
            problem = f"escalation {i + 1} at {step.at!r} comes before escalation {i} at "
            raise fail(("escalations", i, "at"), problem + f"{steps[-1].at!r}: list it in order")
        steps.append(EscalationStep(level=i + 1, at=step.at, at_fraction=fraction,
                                    delay=budget(delay), offset=offset,
                                    reason=step.reason, to_role=step.to_role))  # fmt: skip
    return Policy(
        id=spec.id, description=spec.description, kind=spec.kind, starts_on=spec.starts_on,
        stops_on=spec.stops_on, pauses_on=spec.pauses_on, resumes_on=spec.resumes_on,
        cancels_on=spec.cancels_on, duration=duration, duration_text=spec.duration.text,
        time=spec.time, calendar_id=calendar_id, escalations=tuple(steps),
    )  # fmt: skip


def _calendar_id(spec: _PolicySpec, calendars: Mapping[str, Calendar], fail) -> str:
    if spec.time == "calendar":
        if spec.calendar not in (None, WALL):
            raise fail(("calendar",), f"time: calendar runs on the wall clock; drop calendar "
                       f"{spec.calendar!r} or use time: working")  # fmt: skip
        return WALL
    if spec.calendar is None:
        raise fail(("time",), "time: working needs a calendar (e.g. calendar: office)")
    if spec.calendar == WALL:
        raise fail(("calendar",), "calendar 'wall' is the wall clock: use time: calendar")
    if spec.calendar not in calendars:
        known = ", ".join(sorted(c for c in calendars if c != WALL)) or "none"
        raise fail(("calendar",), f"unknown calendar {spec.calendar!r} (known: {known})")
    return spec.calendar


def _check_roles(spec: _PolicySpec, fail) -> None:
    if bool(spec.pauses_on) != bool(spec.resumes_on):
        key = "pauses_on" if spec.pauses_on else "resumes_on"
        raise fail((key,), "pauses_on and resumes_on go together")
    seen: dict[tuple[str, str], str] = {}
    for key in _ROLE_KEYS.values():
        for i, trigger in enumerate(getattr(spec, key)):
            if trigger.key() in seen:
                problem = f"{trigger.event} is in both {seen[trigger.key()]} and {key}"
                raise fail((key, i), problem)
            seen[trigger.key()] = key
