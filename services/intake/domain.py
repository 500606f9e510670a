"""The case owner's decider: everything that happens to a request or a complaint after it was
created. `decide(state, command) -> events`, `evolve(state, event) -> state`,
`initial_state(subject)`, and `read(state, name)` for the GETs answered from the state.
Pure: no I/O, no clock (the command carries its time), no HTTP status, no envelope.

The registrar (`registrar.py`) is intake's second decider, on purpose apart: the guest book
and the agenda book live on ONE partition with ONE writer, so the counter is gap-free; its
decisions (`check_in`, `register`) are pure in the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chassis.auth import Principal
from chassis.i18n import Text
from chassis.scope import CaseAccess, may_read_case, may_read_confidential
from contracts.base import Event
from contracts.intake import PersonalDataErased
from contracts.topics import COMPLAINTS

from . import cases, complaints, privacy
from . import commands as c
from .errors import DomainError, OutOfScope, TrackingTaken

State = cases.RequestCase | complaints.Complaint | None

#: reads answered from a case's state (no event, no change)
READS = (c.GET_REQUEST, c.GET_COMPLAINT)


@dataclass(frozen=True)
class Command:
    """A command as the decider sees it: what, with which payload, by whom, when."""

    name: str
    payload: dict[str, Any]
    actor: str
    at: datetime
    #: who asked, with roles and division (the rules that depend on them: a complaint's
    #: response by the head of the division it was routed to)
    by: Principal | None = None


def initial_state(subject: str) -> State:  # noqa: ARG001 - the same signature everywhere
    """Nothing is known of a subject before its first event."""
    return None


def _request(state: State) -> cases.RequestCase | None:
    return state if isinstance(state, cases.RequestCase) else None


def _complaint(state: State) -> complaints.Complaint | None:
    return state if isinstance(state, complaints.Complaint) else None


def decide(state: State, command: Command, access: CaseAccess | None = None) -> list[Event]:
    """The events `command` produces on `state`, or the `DomainError` saying why not;
    `access`: what intake learnt of the case from the disposition service."""
    p, at = command.payload, command.at
    match command.name:
        case c.WITHDRAW_REQUEST:
            return cases.withdraw(_request(state), c.WithdrawRequest.model_validate(p), at,
                                  getattr(access, "ended", None))
        case c.FILE_COMPLAINT:
            if state is not None and _complaint(state) is None:  # a request has this id
                raise TrackingTaken(Text("Nomor pelacakan sudah dipakai",
                                         "Tracking id already taken"))
            return complaints.file(_complaint(state), c.FileComplaint.model_validate(p), at)
        case c.VERIFY_COMPLAINT:
            return complaints.verify(_complaint(state), command.actor, at)
        case c.RESPOND_COMPLAINT:
            complaint = _complaint(state)
            if complaint is not None and not may_respond(command.by, complaint):
                raise OutOfScope(NOT_ROUTED_HERE)
            return complaints.respond(complaint, c.RespondComplaint.model_validate(p),
                                      command.actor, at)
        case c.ROUTE_COMPLAINT:
            return complaints.route(_complaint(state), c.RouteComplaint.model_validate(p),
                                    command.actor, at)
        case c.REJECT_COMPLAINT:
            return complaints.reject(_complaint(state), c.RejectComplaint.model_validate(p),
                                     command.actor, at)
        case c.CLOSE_COMPLAINT:
            return complaints.close(_complaint(state), c.CloseComplaint.model_validate(p), at)
        case c.ERASE:
            return privacy.erase(state, c.ErasePersonalData.model_validate(p), command.actor, at)
    raise DomainError(Text("Perintah tidak dikenal", "Unknown command"))


def evolve(state: State, event: Event, command_id: str | None = None) -> State:
    """`state` with one event applied (`command_id`: the command behind it, which a
    complaint remembers as the one that filed it)."""
    if isinstance(event, PersonalDataErased):  # either kind: it remembers when
        return None if state is None else state.model_copy(
            update={"erased_at": event.erased_at})
    if event.TOPIC == COMPLAINTS:
        return complaints.evolve(_complaint(state), event, command_id)
    return cases.evolve(_request(state), event)


#: who responds to a complaint wherever it is; a division head only to one routed to them
RESPONDERS = frozenset({"secretariat", "head_of_office"})
NOT_ROUTED_HERE = Text("Pengaduan ini tidak diteruskan ke bidang Anda",
                       "This complaint was not routed to your division")


def may_respond(by: Principal | None, complaint: complaints.Complaint) -> bool:
    if by is None or by.has_any(RESPONDERS):
        return True
    return ("division_head" in by.roles and by.division is not None
            and by.division == complaint.division)


CASE_OUT_OF_SCOPE = Text(
    "Permohonan ini bukan bagian dari bidang atau tugas Anda",
    "This request is not one of your division's or assigned to you")
COMPLAINT_OUT_OF_SCOPE = Text("Pengaduan ini tidak dapat Anda lihat",
                              "You may not read this complaint")


def read(state: State, name: str, reader: Principal,
         access: CaseAccess | None = None) -> dict[str, Any]:
    """The answer to a GET: the case's or complaint's view as `reader` may see it (scoped
    by `access`, what is known of where the case went: `chassis.scope`), or NotFound /
    NotReady / OutOfScope."""
    if name == c.GET_REQUEST:
        case = cases.known(_request(state))
        if not may_read_case(reader, access):
            raise OutOfScope(CASE_OUT_OF_SCOPE)
        # how it ended at the disposition service (declined, closed, cancelled), if it did
        return {**cases.view(case), "ended": getattr(access, "ended", None)}
    complaint = complaints.known(_complaint(state))
    # the roles that read every case, and the head of the division it was routed to
    if not may_read_case(reader, CaseAccess(division=complaint.division)):
        raise OutOfScope(COMPLAINT_OUT_OF_SCOPE)
    return complaints.view(complaint, content=may_read_confidential(reader))
