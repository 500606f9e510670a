"""HTTP: clocks, escalations, acknowledgement, policies (API.md, "sla").

Queries read the Redis read model (any worker can answer). An acknowledgement is a command
to the agent that owns the escalation's subject (sla command topic, keyed by subject; reply
through Redis), which refuses it if the escalation is no longer open.
"""

from __future__ import annotations

import binascii
import uuid
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from chassis.auth import Principal, require_roles, require_staff
from chassis.commands import CommandMessage, Reply
from chassis.errors import problem_of
from chassis.i18n import Text
from chassis.idempotency import command_id_for, replayed_problem, run_idempotent
from chassis.problems import (
    Forbidden,
    Invalid,
    NotFound,
    field_error,
)
from chassis.text import Bounded
from services.sla import readmodel
from services.sla.deps import Bus, Now, Policies, Redis
from services.sla.inputs import ACKNOWLEDGE
from services.sla.policy import Policy, Trigger

CLOCK_READERS = ("ops", "head_of_office", "division_head", "analyst")
ESCALATION_ROLES = ("ops", "head_of_office", "division_head", "secretariat")
ALL_DIVISIONS = frozenset({"ops", "head_of_office"})  # see every division's escalations

ClockStateQ = Literal["running", "paused", "met", "breached", "cancelled"]
EscalationStateQ = Literal["open", "acknowledged", "resolved"]
Limit = Annotated[int, Query(ge=1, le=1000)]


Note = Bounded(1000, multiline=True)  # chassis.text: bounded, no control or bidi characters


class AcknowledgementBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Note | None = None


def _cursor(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        member = readmodel.decode_cursor(cursor)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        member = ""
    if "|" not in member:
        raise Invalid(errors=[field_error("cursor", "not a cursor from a previous page")])
    return cursor


@dataclass(frozen=True)
class Scope:
    """Which escalations a caller sees: ops and the Head of Office every one; a division
    head those of their division's cases (whoever they are addressed to); the secretariat
    those addressed to the secretariat."""

    division: str | None = None
    to_role: str | None = None


def _scope(principal: Principal) -> Scope:
    if principal.has_any(ALL_DIVISIONS):
        return Scope()
    if principal.has_any(("division_head",)):
        return Scope(division=principal.division or "-")
    return Scope(to_role="secretariat")


def _may_acknowledge(principal: Principal, esc: dict[str, str]) -> None:
    """Ops and the Head of Office acknowledge any escalation; a division head one addressed
    to the heads of their division; the secretariat one addressed to the secretariat."""
    if principal.has_any(ALL_DIVISIONS):
        return
    if principal.has_any(("division_head",)) and esc.get("to_division") \
            and esc["to_division"] == principal.division:
        return
    if principal.has_any(("secretariat",)) and esc.get("to_role") == "secretariat":
        return
    if principal.has_any(("division_head",)):
        raise Forbidden(Text("Eskalasi ini tidak ditujukan ke bidang Anda",
                             "This escalation is not addressed to your division"))
    raise Forbidden(Text("Eskalasi ini tidak ditujukan kepada Anda",
                         "This escalation is not addressed to you"))


def _answer(reply: Reply) -> JSONResponse:
    replayed = replayed_problem(reply)
    if replayed is not None:
        return replayed
    if reply.status >= 400:
        raise problem_of(reply)
    return JSONResponse(reply.body, status_code=reply.status, headers=reply.headers)


def policy_view(policy: Policy) -> dict[str, Any]:
    def triggers(items: tuple[Trigger, ...]) -> list[Any]:
        return [t.event if not t.when else {"event": t.event, "when": t.when} for t in items]

    return {
        "id": policy.id, "kind": policy.kind, "description": policy.description,
        "starts_on": triggers(policy.starts_on), "stops_on": triggers(policy.stops_on),
        "pauses_on": triggers(policy.pauses_on), "resumes_on": triggers(policy.resumes_on),
        "cancels_on": triggers(policy.cancels_on), "duration": policy.duration_text,
        "duration_seconds": policy.duration.total_seconds(), "time": policy.time,
        "calendar": policy.calendar_id,
        "escalations": [{"level": s.level, "at": s.at, "reason": s.reason, "to_role": s.to_role}
                        for s in policy.escalations],
    }  # fmt: skip


router = APIRouter(tags=["sla"])


@router.get("/clocks")
async def list_clocks(
    principal: Annotated[Principal, Depends(require_roles(*CLOCK_READERS))], redis: Redis,
    case_id: str | None = None, state: ClockStateQ | None = None,
    cursor: str | None = None, limit: Limit = 100,
) -> dict[str, Any]:
    # a division head sees the clocks of their division's cases only
    division = (principal.division or "-") if not principal.has_any(
        ("ops", "head_of_office", "analyst")) else None
    items, nxt = await readmodel.list_clocks(redis, case_id=case_id, state=state,
                                             cursor=_cursor(cursor), limit=limit,
                                             division=division)
    return {"items": items, "next_cursor": nxt}


@router.get("/clocks/counts")
async def count_clocks(
    principal: Annotated[Principal, Depends(require_roles(*CLOCK_READERS))], redis: Redis,
) -> dict[str, int]:
    """The open clocks by state: on_track, at_risk, breached, paused (the ops board's
    counts); a division head's are those of their division's cases."""
    division = (principal.division or "-") if not principal.has_any(
        ("ops", "head_of_office", "analyst")) else None
    return await readmodel.clock_counts(redis, division=division)


@router.get("/escalations")
async def list_escalations(
    principal: Annotated[Principal, Depends(require_roles(*ESCALATION_ROLES))], redis: Redis,
    state: EscalationStateQ | None = None, case_id: str | None = None,
    cursor: str | None = None, limit: Limit = 100,
) -> dict[str, Any]:
    scope = _scope(principal)
    items, nxt = await readmodel.list_escalations(
        redis, state=state, division=scope.division, to_role=scope.to_role, case_id=case_id,
        cursor=_cursor(cursor), limit=limit)
    return {"items": items, "next_cursor": nxt}


@router.post("/escalations/{escalation_id}/acknowledgement")
async def acknowledge(
    escalation_id: str, request: Request,
    principal: Annotated[Principal, Depends(require_roles(*ESCALATION_ROLES))],
    redis: Redis, bus: Bus, clock: Now,
    body: AcknowledgementBody | None = None,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> JSONResponse:
    try:
        uuid.UUID(escalation_id)
    except ValueError:
        raise Invalid(errors=[field_error("escalation_id", "not a UUID")]) from None
    esc = await readmodel.get_escalation(redis, escalation_id)
    if esc is None:
        raise NotFound(Text("Eskalasi tidak ditemukan", "Escalation not found"))
    _may_acknowledge(principal, esc)
    payload = {"escalation_id": escalation_id, "note": body.note if body else None}
    command_id = command_id_for("sla", principal.sub, idempotency_key) or str(uuid.uuid4())

    async def send() -> Reply:
        msg = CommandMessage(
            command_id=command_id, name=ACKNOWLEDGE, subject=esc["case_id"],
            payload=payload, actor=principal, at=clock.now(),
            correlation_id=request.headers.get("x-correlation-id") or command_id)
        reply = await bus.ask(msg)
        if reply.status >= 400:
            raise problem_of(reply)
        return reply

    reply = await run_idempotent(redis, service="sla", principal=principal.sub,
                                 key=idempotency_key, payload=payload, run=send)
    return _answer(reply)


@router.get("/policies", dependencies=[Depends(require_staff())])
async def list_policies(policies: Policies) -> dict[str, Any]:
    return {"items": [policy_view(p) for p in policies], "next_cursor": None}
