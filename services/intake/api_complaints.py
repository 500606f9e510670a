"""HTTP: complaints (*pengaduan*) and the erasure of a person's identity data."""

from __future__ import annotations

import asyncio
import logging
import uuid

from fastapi import APIRouter, Depends, Request

from chassis.auth import Principal, require_roles
from chassis.clock import Clock
from chassis.commands import CommandBus, Reply
from chassis.deps import Organisation
from chassis.i18n import Text
from chassis.problems import NotFound, Unavailable
from chassis.scope import ALL_CASES
from contracts import deterministic_id
from contracts.sealed import complaint_key, record_of

from . import commands as c
from .deps import (
    Cases,
    CorrelationId,
    IdempotencyKey,
    Now,
    Rt,
    Runtime,
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
from .identity import Issue
from .rules import complaint_issues
from .schemas import (
    ClosureIn,
    ComplaintIn,
    ErasureIn,
    IdentityIn,
    RejectionIn,
    ResponseIn,
    RoutingIn,
    VerificationIn,
)
from .tracking import MAX_ATTEMPTS, complaint_id_for, is_tracking_id, tracking_id
from .wib import agenda_year, local_date

FILE_ROLES = ("front_office", "secretariat")
VERIFY_ROLES = ("secretariat",)
ANSWER_ROLES = ("secretariat", "head_of_office")
#: a division head responds only to a complaint routed to their division (the agent checks)
RESPOND_ROLES = (*ANSWER_ROLES, "division_head")
ERASE_ROLES = ("admin",)

log = logging.getLogger(__name__)
router = APIRouter(tags=["complaints"])
NOT_FOUND = Text("Pengaduan tidak ditemukan", "Complaint not found")


@router.post("/complaints", status_code=201, summary="File a complaint (pengaduan)")
async def file_complaint(body: ComplaintIn, request: Request, rt: Rt, bus: Cases, clock: Now,
                         key: IdempotencyKey = None, correlation: CorrelationId = None,
                         principal: Principal = Depends(require_roles(*FILE_ROLES))):
    now = clock.now()
    if issues := complaint_issues(body, local_date(now)):
        raise invalid(issues, request)
    command_id = new_command_id(principal, key, c.FILE_COMPLAINT)
    corr = correlation or str(uuid.uuid4())
    actor = acting(principal, FILE_ROLES)
    year = agenda_year(now)

    code, digest = await rt.status_code(command_id)

    async def run() -> Reply:
        for attempt in range(MAX_ATTEMPTS):  # draw tracking ids until one is free
            tracking = tracking_id(command_id, year, attempt)
            complaint_id = complaint_id_for(tracking)
            record = complaint_key(complaint_id)
            identity = await rt.protect(body.identity, record) if body.identity else None
            sealed = await rt.seal(record, content=body.content)
            payload = c.FileComplaint(
                complaint_id=complaint_id, tracking_id=tracking, channel=body.channel,
                identity=identity, anonymous=body.anonymous, confidential=body.confidential,
                subject=body.subject, content=sealed["content"],
                about_case_id=body.about_case_id, lapor_tracking_id=body.lapor_tracking_id,
                status_digest=digest)
            msg = message(c.FILE_COMPLAINT, complaint_id, payload, actor, command_id, corr, now)
            reply = await ask(bus, msg)
            if reply.body.get("code") != "tracking_taken":
                return reply
        raise Unavailable(Text("Nomor pelacakan tidak dapat dibuat, coba lagi",
                               "No tracking id could be drawn, try again"))

    fingerprint = body.model_dump(mode="json")
    if body.identity is not None:
        fingerprint["identity"]["number"] = await rt.ref(body.identity)
    reply = await idempotent(rt, principal, key, fingerprint, run)
    location = (f"/complaints/{reply.body['tracking_id']}" if reply.status == 201 else None)
    return respond(reply, request, corr, location=location,
                   extra={"status_code": code} if reply.status == 201 else None)


async def _step(name: str, complaint_id: str, payload, roles: tuple[str, ...], body_dump: dict,
                request: Request, rt: Runtime, bus: CommandBus, clock: Clock,
                principal: Principal, key: str | None, correlation: str | None):
    if not is_uuid(complaint_id):
        raise NotFound(NOT_FOUND)
    corr = correlation or str(uuid.uuid4())
    msg = message(name, complaint_id, payload, acting(principal, roles),
                  new_command_id(principal, key, name), corr, clock.now())
    reply = await idempotent(rt, principal, key, {"complaint_id": complaint_id, **body_dump},
                             lambda: ask(bus, msg))
    return respond(reply, request, corr)


@router.post("/complaints/{complaint_id}/verification", summary="Verify a complaint")
async def verify(complaint_id: str, request: Request, rt: Rt, bus: Cases, clock: Now,
                 body: VerificationIn | None = None, key: IdempotencyKey = None,
                 correlation: CorrelationId = None,
                 principal: Principal = Depends(require_roles(*VERIFY_ROLES))):
    dump = body.model_dump(mode="json") if body else {}
    return await _step(c.VERIFY_COMPLAINT, complaint_id, c.VerifyComplaint(), VERIFY_ROLES,
                       dump, request, rt, bus, clock, principal, key, correlation)


@router.post("/complaints/{complaint_id}/response", summary="Respond to a complaint")
async def respond_to(complaint_id: str, body: ResponseIn, request: Request, rt: Rt,
                     bus: Cases, clock: Now, key: IdempotencyKey = None,
                     correlation: CorrelationId = None,
                     principal: Principal = Depends(require_roles(*RESPOND_ROLES))):
    """The secretariat or the Head of Office; the head of the division it was routed to."""
    return await _step(c.RESPOND_COMPLAINT, complaint_id,
                       c.RespondComplaint(response=body.response, channel=body.channel),
                       RESPOND_ROLES, body.model_dump(mode="json"), request, rt, bus, clock,
                       principal, key, correlation)


@router.post("/complaints/{complaint_id}/routing",
             summary="Route a complaint to a division (its head may then respond)")
async def route(complaint_id: str, body: RoutingIn, request: Request, rt: Rt, bus: Cases,
                clock: Now, org: Organisation, key: IdempotencyKey = None,
                correlation: CorrelationId = None,
                principal: Principal = Depends(require_roles(*VERIFY_ROLES))):
    if body.division not in org.division_ids():
        raise invalid([Issue("division", Text(f"Bidang {body.division} tidak dikenal",
                                              f"unknown division {body.division}"))], request)
    if not org.heads(body.division):
        raise invalid([Issue("division", Text(
            f"Bidang {body.division} tidak memiliki kepala bidang yang aktif",
            f"division {body.division} has no active head"))], request)
    return await _step(c.ROUTE_COMPLAINT, complaint_id,
                       c.RouteComplaint(division=body.division), VERIFY_ROLES,
                       body.model_dump(mode="json"), request, rt, bus, clock, principal, key,
                       correlation)


@router.post("/complaints/{complaint_id}/rejection",
             summary="Reject an invalid or spam complaint, with its reason")
async def reject(complaint_id: str, body: RejectionIn, request: Request, rt: Rt, bus: Cases,
                 clock: Now, key: IdempotencyKey = None, correlation: CorrelationId = None,
                 principal: Principal = Depends(require_roles(*VERIFY_ROLES))):
    return await _step(c.REJECT_COMPLAINT, complaint_id,
                       c.RejectComplaint(reason=body.reason), VERIFY_ROLES,
                       body.model_dump(mode="json"), request, rt, bus, clock, principal, key,
                       correlation)


@router.post("/complaints/{complaint_id}/closure", summary="Close a complaint")
async def close(complaint_id: str, body: ClosureIn, request: Request, rt: Rt, bus: Cases,
                clock: Now, key: IdempotencyKey = None, correlation: CorrelationId = None,
                principal: Principal = Depends(require_roles(*ANSWER_ROLES))):
    return await _step(c.CLOSE_COMPLAINT, complaint_id,
                       c.CloseComplaint(resolution=body.resolution), ANSWER_ROLES,
                       body.model_dump(mode="json"), request, rt, bus, clock, principal, key,
                       correlation)


@router.get("/complaints/{tracking_id}", summary="A complaint by its public tracking id")
async def get_complaint(tracking_id: str, request: Request, rt: Rt, bus: Cases, clock: Now,
                        principal: Principal = Depends(require_roles(*ALL_CASES,
                                                                     "division_head"))):
    """The front office, the secretariat and the Head of Office, and the head of the
    division it was routed to; a confidential complaint's `content` only to the secretariat
    and the Head of Office (`chassis.scope`)."""
    if is_tracking_id(tracking_id):
        complaint_id = complaint_id_for(tracking_id)
    elif is_uuid(tracking_id):
        complaint_id = tracking_id
    else:
        raise NotFound(NOT_FOUND)
    msg = message(c.GET_COMPLAINT, complaint_id, c.Get(kind="complaint"), principal,
                  str(uuid.uuid4()), None, clock.now())
    return respond(await unsealed(rt, await ask(bus, msg)), request)


@router.post("/identities/erasure", tags=["personal data"],
             summary="Erase a person's, a case's or a complaint's personal data everywhere")
async def erase(body: ErasureIn, request: Request, rt: Rt, bus: Cases, clock: Now,
                principal: Principal = Depends(require_roles(*ERASE_ROLES))):
    """Each record's owner writes a `PersonalDataErased` (no personal data in it); then the
    records' data keys are deleted from the shared key store, so every sealed copy on Kafka,
    in the changelogs, in Redis and in the object store is unreadable at once (cached keys
    expire within `chassis.sealing.TTL`). Reporting and documents drop what they derived."""
    erasure_id, now = str(uuid.uuid4()), clock.now()
    ref = None
    if body.number is not None:
        scope = "identity"
        ref = await rt.ref(IdentityIn(kind=body.kind, number=body.number))
        records = await asyncio.to_thread(rt.vault.records_of, body.kind, body.number)
        targets = sorted(r for r in map(record_of, records) if r is not None)
    elif body.case_id is not None:
        scope, targets = "case", [("case", body.case_id)]
    else:
        scope, targets = "complaint", [("complaint", body.complaint_id)]
    keys: set[str] = set()
    events: list[dict] = []
    for kind, record_id in targets:
        payload = c.ErasePersonalData(erasure_id=erasure_id, scope=scope, record_kind=kind,
                                      record_id=record_id)
        msg = message(c.ERASE, record_id, payload, principal,
                      deterministic_id("erase", erasure_id, record_id), None, now)
        reply = await ask(bus, msg)
        if reply.status >= 400:
            return respond(reply, request)
        keys.update(reply.body["keys"])
        events += reply.body["events"]
    erased = await asyncio.to_thread(rt.vault.sealer.erase, keys)
    if scope == "identity":
        erased += await asyncio.to_thread(rt.vault.forget_identity, body.kind, body.number)
    log.info("personal data erased", extra={"erasure_id": erasure_id, "scope": scope,
                                             "records": len(targets)})
    return {"erasure_id": erasure_id, "scope": scope, "ref": ref,
            "erased": bool(erased) or bool(targets),
            "records": [{"kind": k, "id": i} for k, i in targets], "events": events}
