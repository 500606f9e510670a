"""`/cases` routes (API.md, disposition): validate, check the roles that need no case state,
look people and divisions up in the organisation, then hand the command to the case's owner.
Rules that need the case (that division's head, this case's officer) are the agent's."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse

from chassis.auth import Principal, require_roles, require_staff
from chassis.i18n import Text
from chassis.org import Org, User
from chassis.problems import Invalid, field_error

from .deps import Cases, Now, Organisation
from .domain import ROLES
from .schemas import (
    AssignmentBody,
    AudienceBody,
    CancellationBody,
    ClosureBody,
    DeclinationBody,
    DirectionBody,
    DispositionBody,
    DispositionReturnBody,
    NotificationBody,
    PreparationBody,
    ReassignmentBody,
    ReportBody,
    ReportReturnBody,
    ReschedulingBody,
    StaffReviewBody,
)

CaseId = Annotated[str, PathParam(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:-]+$")]
CLOCK_SKEW = timedelta(minutes=5)

router = APIRouter(prefix="/cases", tags=["cases"])


def may(step: str):
    """The caller holds one of the roles of `step` (403 otherwise)."""
    return Annotated[Principal, Depends(require_roles(*ROLES[step]))]


def invalid(field: str, id_text: str, en_text: str) -> Invalid:
    return Invalid(Text(id_text, en_text), errors=[field_error(field, en_text)])


def person(org: Org, user_id: str, roles: tuple[str, ...], caller: str) -> User:
    """A user of the organisation holding one of `roles` (or the caller themself)."""
    try:
        user = org.user(user_id)
    except KeyError:
        raise invalid("officer_id", f"Pegawai {user_id} tidak dikenal",
                      f"unknown staff member {user_id}") from None
    if user.id != caller and not set(user.roles) & set(roles):
        raise invalid("officer_id", f"{user_id} bukan petugas", f"{user_id} is not an officer")
    if not user.active:
        raise invalid("officer_id", f"{user_id} tidak aktif", f"{user_id} is not active")
    return user


def not_in_past(clock: Now, scheduled_for) -> None:
    if scheduled_for is not None and scheduled_for < clock.now() - CLOCK_SKEW:
        raise invalid("scheduled_for", "Jadwal audiensi sudah lewat",
                      "the audience schedule is in the past")


@router.post("/{case_id}/disposition", summary="Kadis disposes the request to a division")
async def dispose(case_id: CaseId, body: DispositionBody, principal: may("disposition"),
                  org: Organisation, cases: Cases) -> JSONResponse:
    known = org.division_ids()
    if body.division not in known:
        raise invalid("division", f"Bidang {body.division} tidak dikenal",
                      f"unknown division {body.division}")
    for i, copy in enumerate(body.copies):
        if copy not in known:
            raise Invalid(Text(f"Bidang tembusan {copy} tidak dikenal",
                               f"unknown copy division {copy}"),
                          errors=[field_error(f"copies.{i}", f"unknown division {copy}")])
    payload = {**body.payload(), "division_has_head": bool(org.heads(body.division))}
    return await cases.submit(principal, case_id, "disposition", payload)


@router.post("/{case_id}/receipt", summary="The division head receives the disposition")
async def receive(case_id: CaseId, principal: may("receipt"), cases: Cases) -> JSONResponse:
    return await cases.submit(principal, case_id, "receipt", {})


@router.post("/{case_id}/assignment", summary="The division head assigns an officer (or self)")
async def assign(case_id: CaseId, body: AssignmentBody, principal: may("assignment"),
                 org: Organisation, cases: Cases) -> JSONResponse:
    user = person(org, body.officer_id, ("officer",), principal.sub)
    payload = {**body.payload(), "officer_division": user.division}
    return await cases.submit(principal, case_id, "assignment", payload)


@router.post("/{case_id}/preparation", summary="The assigned officer records the preparation")
async def prepare(case_id: CaseId, body: PreparationBody, principal: may("preparation"),
                  cases: Cases) -> JSONResponse:
    return await cases.submit(principal, case_id, "preparation", body.payload())


@router.post("/{case_id}/staff-review", summary="The assigned officer submits a staff review")
async def staff_review(case_id: CaseId, body: StaffReviewBody, principal: may("staff-review"),
                       cases: Cases) -> JSONResponse:
    return await cases.submit(principal, case_id, "staff-review", body.payload())


@router.post("/{case_id}/notification", summary="The assigned officer informs the applicant")
async def notify(case_id: CaseId, body: NotificationBody, principal: may("notification"),
                 cases: Cases, clock: Now) -> JSONResponse:
    not_in_past(clock, body.scheduled_for)
    return await cases.submit(principal, case_id, "notification", body.payload())


@router.post("/{case_id}/direction", summary="An urgent walk-in is directed to an officer")
async def direct(case_id: CaseId, body: DirectionBody, principal: may("direction"),
                 org: Organisation, cases: Cases) -> JSONResponse:
    user = person(org, body.officer_id, ("officer", "division_head"), "")
    payload = {**body.payload(), "officer_division": user.division}
    return await cases.submit(principal, case_id, "direction", payload)


@router.post("/{case_id}/audience", summary="The officer records the audience held")
async def hold(case_id: CaseId, body: AudienceBody, principal: may("audience"), cases: Cases,
               clock: Now) -> JSONResponse:
    if body.held_at > clock.now() + CLOCK_SKEW:
        raise invalid("held_at", "Waktu audiensi tidak boleh di masa depan",
                      "an audience cannot be recorded as held in the future")
    # who attended are private persons: their names leave sealed under the case's key
    return await cases.submit(principal, case_id, "audience", body.payload(),
                              sealed=("attendees",))


@router.post("/{case_id}/report", summary="The officer submits the result report")
async def report(case_id: CaseId, body: ReportBody, principal: may("report"),
                 cases: Cases) -> JSONResponse:
    return await cases.submit(principal, case_id, "report", body.payload())


@router.post("/{case_id}/report/forwarding", summary="The division head forwards the report")
async def forward(case_id: CaseId, principal: may("report-forwarding"),
                  cases: Cases) -> JSONResponse:
    return await cases.submit(principal, case_id, "report-forwarding", {})


@router.post("/{case_id}/closure", summary="Kadis closes the case")
async def close(case_id: CaseId, principal: may("closure"), cases: Cases,
                body: ClosureBody | None = None) -> JSONResponse:
    return await cases.submit(principal, case_id, "closure", (body or ClosureBody()).payload())


@router.post("/{case_id}/cancellation", summary="Kadis cancels the case")
async def cancel(case_id: CaseId, body: CancellationBody, principal: may("cancellation"),
                 cases: Cases) -> JSONResponse:
    return await cases.submit(principal, case_id, "cancellation", body.payload())


@router.post("/{case_id}/reassignment", summary="The division head reassigns the case")
async def reassign(case_id: CaseId, body: ReassignmentBody, principal: may("reassignment"),
                   org: Organisation, cases: Cases) -> JSONResponse:
    user = person(org, body.officer_id, ("officer",), principal.sub)
    payload = {**body.payload(), "officer_division": user.division}
    return await cases.submit(principal, case_id, "reassignment", payload)


@router.post("/{case_id}/rescheduling", summary="The officer moves the audience to a new date")
async def reschedule(case_id: CaseId, body: ReschedulingBody, principal: may("rescheduling"),
                     cases: Cases, clock: Now) -> JSONResponse:
    not_in_past(clock, body.scheduled_for)
    return await cases.submit(principal, case_id, "rescheduling", body.payload())


@router.post("/{case_id}/declination",
             summary="The officer or the division head declines the audience, with an answer")
async def decline(case_id: CaseId, body: DeclinationBody, principal: may("declination"),
                  cases: Cases) -> JSONResponse:
    return await cases.submit(principal, case_id, "declination", body.payload())


@router.post("/{case_id}/report/return", summary="The report goes back to the officer")
async def return_report(case_id: CaseId, body: ReportReturnBody, principal: may("report-return"),
                        cases: Cases) -> JSONResponse:
    return await cases.submit(principal, case_id, "report-return", body.payload())


@router.post("/{case_id}/disposition/return",
             summary="The division head returns the disposition to the Head of Office")
async def return_disposition(case_id: CaseId, body: DispositionReturnBody,
                             principal: may("disposition-return"),
                             cases: Cases) -> JSONResponse:
    return await cases.submit(principal, case_id, "disposition-return", body.payload())


@router.get("/{case_id}", summary="The case: status, division, officer, allowed next steps")
async def get_case(case_id: CaseId, principal: Annotated[Principal, Depends(require_staff())],
                   cases: Cases) -> JSONResponse:
    return await cases.query(principal, case_id)
