"""An audience request as intake sees it: requested, registered (agenda number), withdrawn.
Pure: `evolve(state, event)`, `withdraw(state, command, at)`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from chassis.i18n import Text
from contracts.base import Event, Model
from contracts.intake import (
    AudienceRequested,
    Letter,
    RequestForm,
    RequestRegistered,
    RequestWithdrawn,
)

from .commands import WithdrawRequest
from .errors import AlreadyDone, NotFound, NotReady
from .state import IdentityView, Tracked

Status = Literal["requested", "registered", "withdrawn"]


class ApplicantView(Model):
    name: str
    organization: str | None = None
    contact: str | None = None
    identity: IdentityView | None = None


class RequestCase(Tracked):
    kind: Literal["request"] = "request"
    case_id: str
    status: Status = "requested"
    channel: str
    urgent: bool = False
    visit_id: str | None = None
    agenda_number: str | None = None
    applicant: ApplicantView
    purpose: str
    form: RequestForm
    letter: Letter | None = None
    requested_at: datetime
    registered_at: datetime | None = None
    withdrawn_at: datetime | None = None
    withdrawal_reason: str | None = None
    erased_at: datetime | None = None  # its personal data was erased (privacy.erase)

    @property
    def awaiting_registration(self) -> bool:
        """Requested, and the registrar's RequestRegistered has not been seen yet."""
        return self.status == "requested" and not self.urgent


def evolve(state: RequestCase | None, event: Event) -> RequestCase | None:
    match event:
        case AudienceRequested():
            a = event.applicant
            return RequestCase(
                case_id=event.case_id, channel=event.channel, urgent=event.urgent,
                visit_id=event.visit_id, purpose=event.purpose, form=event.form,
                letter=event.letter, requested_at=event.requested_at,
                applicant=ApplicantView(name=a.name, organization=a.organization,
                                        contact=a.contact, identity=IdentityView.of(a.identity)),
            )
        case RequestRegistered() if state is not None:
            return state.model_copy(update={"status": "registered",
                                            "agenda_number": event.agenda_number,
                                            "registered_at": event.registered_at})
        case RequestWithdrawn() if state is not None:
            return state.model_copy(update={"status": "withdrawn",
                                            "withdrawn_at": event.withdrawn_at,
                                            "withdrawal_reason": event.reason})
    return state


def known(state: RequestCase | None) -> RequestCase:
    """The case, fully created, or a (retryable) NotFound / NotReady."""
    if state is None:
        raise NotFound(Text("Permohonan tidak ditemukan", "Request not found"))
    if state.awaiting_registration:
        raise NotReady(Text("Permohonan sedang dicatat, coba lagi",
                            "The request is still being registered, try again"))
    return state


ENDED_TEXT = {"closed": Text("sudah ditutup", "was already closed"),
              "cancelled": Text("sudah dibatalkan", "was already cancelled"),
              "declined": Text("sudah ditolak dan pemohon sudah diberi jawaban",
                               "was already declined and the applicant answered")}


def withdraw(state: RequestCase | None, cmd: WithdrawRequest, at: datetime,
             ended: str | None = None) -> list[Event]:
    """`ended`: how the case ended at the disposition service, if it did (`access.Access`)."""
    case = known(state)
    if case.status == "withdrawn":
        raise AlreadyDone(Text("Permohonan sudah ditarik sebelumnya",
                               "The request was already withdrawn"))
    if ended is not None:
        why = ENDED_TEXT[ended]
        raise AlreadyDone(Text(f"Permohonan tidak dapat ditarik: {why.id}",
                               f"The request cannot be withdrawn: it {why.en}"))
    return [RequestWithdrawn(case_id=case.case_id, reason=cmd.reason, withdrawn_at=at)]


def view(case: RequestCase) -> dict:
    return case.model_dump(mode="json", exclude={"processed", "kind"})
