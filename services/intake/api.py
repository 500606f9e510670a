"""HTTP: the guest book (`/visits`) and audience requests (`/requests`). Validate, authorize,
protect identities, hand the command to the owning agent, map its reply."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request

from chassis.auth import Principal, require_roles
from chassis.i18n import Text
from chassis.problems import NotFound
from chassis.scope import CASE_READERS
from contracts import deterministic_id
from contracts.intake import Applicant, Letter, RequestForm
from contracts.sealed import case_key, visit_key

from . import commands as c
from .deps import (
    PROPAGATION,
    Cases,
    CorrelationId,
    IdempotencyKey,
    Now,
    Registrar,
    Rt,
    acting,
    ask,
    idempotent,
    invalid,
    is_uuid,
    message,
    new_command_id,
    respond,
    unsealed,
)
from .rules import request_issues, visit_issues
from .schemas import RequestIn, VisitIn, WithdrawalIn
from .wib import local_date

VISIT_ROLES = ("front_office",)
REQUEST_ROLES = ("front_office", "secretariat")

router = APIRouter(tags=["intake"])


def _fingerprint(body, refs: dict[str, str]) -> dict:
    """The body as the Idempotency-Key check sees it: identity numbers replaced by their
    keyed reference, so nothing personal is stored in Redis."""
    data = body.model_dump(mode="json")
    for path, ref in refs.items():
        node = data
        *parents, leaf = path.split(".")
        for p in parents:
            node = node[p]
        node[leaf]["number"] = ref
    return data


@router.post("/visits", status_code=201, summary="Sign the guest book (buku tamu)")
async def check_in(body: VisitIn, request: Request, rt: Rt, bus: Registrar, clock: Now,
                   key: IdempotencyKey = None, correlation: CorrelationId = None,
                   principal: Principal = Depends(require_roles(*VISIT_ROLES))):
    now = clock.now()
    if issues := visit_issues(body, local_date(now)):
        raise invalid(issues, request)
    command_id = new_command_id(principal, key, c.CHECK_IN)
    visit_id = deterministic_id("visit", command_id)
    record = visit_key(visit_id)
    identity = await rt.protect(body.identity, record)
    sealed = await rt.seal(record, name=body.name, organization=body.organization,
                           phone=body.phone, purpose=body.purpose)
    payload = c.CheckIn(visit_id=visit_id, identity=identity, **sealed)
    corr = correlation or str(uuid.uuid4())
    msg = message(c.CHECK_IN, visit_id, payload, acting(principal, VISIT_ROLES), command_id,
                  corr, now)
    reply = await idempotent(rt, principal, key, _fingerprint(body, {"identity": identity.ref}),
                             lambda: ask(bus, msg))
    return respond(reply, request, corr)


@router.post("/requests", status_code=201, summary="Request an audience (letter or walk-in)")
async def request_audience(body: RequestIn, request: Request, rt: Rt, bus: Registrar,
                           clock: Now, key: IdempotencyKey = None,
                           correlation: CorrelationId = None,
                           principal: Principal = Depends(require_roles(*REQUEST_ROLES))):
    now = clock.now()
    if issues := request_issues(body, local_date(now)):
        raise invalid(issues, request)
    command_id = new_command_id(principal, key, c.REQUEST_AUDIENCE)
    case_id = deterministic_id("case", command_id)
    record = case_key(case_id)
    if body.visit_id is not None:  # its applicant is the visitor: erasing them reaches it
        await rt.link_records(visit_key(body.visit_id), record)
    applicant, refs, letter = None, {}, None
    a = body.applicant
    texts = {"purpose": body.purpose}  # every personal text of the request, sealed at once
    if a is not None:
        texts.update(name=a.name, organization=a.organization, contact=a.contact)
    if body.letter is not None:
        texts["sender"] = body.letter.sender
    sealed, (code, digest) = await rt.seal_with_code(record, command_id, **texts)
    if a is not None:
        identity = await rt.protect(a.identity, record) if a.identity else None
        if identity is not None:
            refs["applicant.identity"] = identity.ref
        applicant = Applicant(identity=identity, name=sealed["name"],
                              organization=sealed["organization"], contact=sealed["contact"])
    if body.letter is not None:
        letter = Letter(**{**body.letter.model_dump(), "sender": sealed["sender"]})
    payload = c.RequestAudience(
        case_id=case_id, channel=body.channel, urgent=body.urgent, visit_id=body.visit_id,
        applicant=applicant, purpose=sealed["purpose"],
        form=RequestForm(**body.form.model_dump()), letter=letter, status_digest=digest)
    corr = correlation or str(uuid.uuid4())
    msg = message(c.REQUEST_AUDIENCE, case_id, payload, acting(principal, REQUEST_ROLES),
                  command_id, corr, now)
    reply = await idempotent(rt, principal, key, _fingerprint(body, refs),
                             lambda: ask(bus, msg))
    # the citizen's code for GET /public/status (on the receipt): shown here, kept nowhere
    return respond(reply, request, corr, location=f"/requests/{case_id}",
                   extra={"status_code": code} if reply.status == 201 else None)


@router.post("/requests/{case_id}/withdrawal", summary="Withdraw a request")
async def withdraw(case_id: str, body: WithdrawalIn, request: Request, rt: Rt, bus: Cases,
                   clock: Now, key: IdempotencyKey = None, correlation: CorrelationId = None,
                   principal: Principal = Depends(require_roles(*REQUEST_ROLES))):
    _known_shape(case_id)
    corr = correlation or str(uuid.uuid4())
    command_id = new_command_id(principal, key, c.WITHDRAW_REQUEST)
    msg = message(c.WITHDRAW_REQUEST, case_id, c.WithdrawRequest(reason=body.reason),
                  acting(principal, REQUEST_ROLES), command_id, corr, clock.now())
    fingerprint = {"case_id": case_id, **body.model_dump(mode="json")}
    reply = await idempotent(rt, principal, key, fingerprint,
                             lambda: ask(bus, msg, retry_for=PROPAGATION))
    return respond(reply, request, corr)


@router.get("/requests/{case_id}", summary="A request's current state")
async def get_request(case_id: str, request: Request, rt: Rt, bus: Cases, clock: Now,
                      principal: Principal = Depends(require_roles(*CASE_READERS))):
    """Scoped like the case file (`chassis.scope`): a division head reads the cases of their
    division (or copied to it), an officer the case assigned or directed to them; others 403."""
    _known_shape(case_id)
    msg = message(c.GET_REQUEST, case_id, None, principal, str(uuid.uuid4()), None,
                  clock.now())
    return respond(await unsealed(rt, await ask(bus, msg, retry_for=PROPAGATION)), request)


def _known_shape(case_id: str) -> None:
    if not is_uuid(case_id):
        raise NotFound(Text("Permohonan tidak ditemukan", "Request not found"))
