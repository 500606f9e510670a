"""A complaint (*pengaduan*): filed -> verified -> responded -> closed, each step in order.
Pure: `evolve(state, event)` and one decision per command."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from chassis.i18n import Text
from contracts.base import Event
from contracts.complaints import (
    ComplaintClosed,
    ComplaintFiled,
    ComplaintResponded,
    ComplaintVerified,
)

from .commands import CloseComplaint, FileComplaint, RespondComplaint
from .errors import AlreadyDone, NotFound, StepOutOfOrder, TrackingTaken
from .state import IdentityView, Tracked

Status = Literal["filed", "verified", "responded", "closed"]
ORDER: tuple[Status, ...] = ("filed", "verified", "responded", "closed")
STEP_TEXT = {
    "verified": Text("verifikasi", "verification"),
    "responded": Text("tanggapan", "response"),
    "closed": Text("penutupan", "closure"),
}


class Complaint(Tracked):
    kind: Literal["complaint"] = "complaint"
    complaint_id: str
    tracking_id: str
    filed_by_command: str
    status: Status = "filed"
    channel: str
    identity: IdentityView | None = None
    anonymous: bool = False
    confidential: bool = False
    subject: str
    content: str
    about_case_id: str | None = None
    lapor_tracking_id: str | None = None
    filed_at: datetime
    verified_by: str | None = None
    verified_at: datetime | None = None
    response: str | None = None
    responded_at: datetime | None = None
    resolution: str | None = None
    closed_at: datetime | None = None
    erased_at: datetime | None = None  # its personal data was erased (privacy.erase)


def evolve(state: Complaint | None, event: Event, command_id: str | None = None):
    match event:
        case ComplaintFiled() if state is None:
            return Complaint(
                complaint_id=event.complaint_id, tracking_id=event.tracking_id,
                filed_by_command=command_id or "", channel=event.channel,
                identity=IdentityView.of(event.identity), anonymous=event.anonymous,
                confidential=event.confidential, subject=event.subject, content=event.content,
                about_case_id=event.about_case_id, lapor_tracking_id=event.lapor_tracking_id,
                filed_at=event.filed_at)
        case ComplaintVerified() if state is not None:
            return state.model_copy(update={"status": "verified", "verified_by": event.verified_by,
                                            "verified_at": event.verified_at})
        case ComplaintResponded() if state is not None:
            return state.model_copy(update={"status": "responded", "response": event.response,
                                            "responded_at": event.responded_at})
        case ComplaintClosed() if state is not None:
            return state.model_copy(update={"status": "closed", "resolution": event.resolution,
                                            "closed_at": event.closed_at})
    return state


def file(state: Complaint | None, cmd: FileComplaint, at: datetime) -> list[Event]:
    if state is not None:  # the same command is answered from `processed` before this
        raise TrackingTaken(Text("Nomor pelacakan sudah dipakai", "Tracking id already taken"))
    return [ComplaintFiled(
        complaint_id=cmd.complaint_id, tracking_id=cmd.tracking_id, channel=cmd.channel,
        identity=None if cmd.anonymous else cmd.identity, anonymous=cmd.anonymous,
        confidential=cmd.confidential, subject=cmd.subject, content=cmd.content,
        about_case_id=cmd.about_case_id, lapor_tracking_id=cmd.lapor_tracking_id, filed_at=at)]


def known(state: Complaint | None) -> Complaint:
    if state is None:
        raise NotFound(Text("Pengaduan tidak ditemukan", "Complaint not found"))
    return state


def _step(state: Complaint | None, to: Status) -> Complaint:
    complaint = known(state)
    have, want = ORDER.index(complaint.status), ORDER.index(to)
    step = STEP_TEXT[to]
    if have >= want:
        raise AlreadyDone(Text(f"Langkah {step.id} pengaduan ini sudah dilakukan",
                               f"The {step.en} of this complaint was already done"))
    if have != want - 1:
        need = STEP_TEXT[ORDER[want - 1]]
        raise StepOutOfOrder(Text(
            f"Langkah {step.id} belum dapat dilakukan: {need.id} harus dilakukan lebih dulu",
            f"The {step.en} cannot be done yet: the {need.en} must come first"))
    return complaint


def verify(state: Complaint | None, actor: str, at: datetime) -> list[Event]:
    c = _step(state, "verified")
    return [ComplaintVerified(complaint_id=c.complaint_id, verified_by=actor, verified_at=at)]


def respond(state: Complaint | None, cmd: RespondComplaint, at: datetime) -> list[Event]:
    c = _step(state, "responded")
    return [ComplaintResponded(complaint_id=c.complaint_id, response=cmd.response,
                               responded_at=at)]


def close(state: Complaint | None, cmd: CloseComplaint, at: datetime) -> list[Event]:
    c = _step(state, "closed")
    return [ComplaintClosed(complaint_id=c.complaint_id, resolution=cmd.resolution, closed_at=at)]


def view(c: Complaint, content: bool = True) -> dict:
    """What staff see: a confidential complainant's identity is not shown, and a
    confidential complaint's `content` only when `content` (the reader may read it)."""
    body = c.model_dump(mode="json", exclude={"processed", "kind", "filed_by_command"})
    if c.confidential:
        body["identity"] = None
        if not content:
            del body["content"]
    return body
