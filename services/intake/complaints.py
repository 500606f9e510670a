"""A complaint (*pengaduan*): filed -> verified -> responded -> closed, each step in order.
Before the response the secretariat may route it to a division (whose head may then
respond) and may reject it (invalid or spam: `rejected`, nothing follows).
Pure: `evolve(state, event)` and one decision per command."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from chassis.i18n import Text
from contracts.base import Event
from contracts.complaints import (
    ComplaintClosed,
    ComplaintFiled,
    ComplaintRejected,
    ComplaintResponded,
    ComplaintRouted,
    ComplaintVerified,
)

from .commands import (
    CloseComplaint,
    FileComplaint,
    RejectComplaint,
    RespondComplaint,
    RouteComplaint,
)
from .errors import AlreadyDone, NotFound, StepOutOfOrder, TrackingTaken
from .state import IdentityView, Tracked

Status = Literal["filed", "verified", "responded", "closed", "rejected"]
ORDER: tuple[Status, ...] = ("filed", "verified", "responded", "closed")
STEP_TEXT = {
    "verified": Text("verifikasi", "verification"),
    "responded": Text("tanggapan", "response"),
    "closed": Text("penutupan", "closure"),
}
REJECTED = Text("Pengaduan ini sudah ditolak", "This complaint was already rejected")


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
    division: str | None = None  # routed to it: its head may respond
    routed_by: str | None = None
    response: str | None = None
    response_channel: str | None = None
    responded_by: str | None = None
    responded_at: datetime | None = None
    rejection_reason: str | None = None
    rejected_by: str | None = None
    rejected_at: datetime | None = None
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
        case ComplaintRouted() if state is not None:
            return state.model_copy(update={"division": event.division,
                                            "routed_by": event.routed_by})
        case ComplaintResponded() if state is not None:
            return state.model_copy(update={"status": "responded", "response": event.response,
                                            "response_channel": event.channel,
                                            "responded_by": event.responded_by,
                                            "responded_at": event.responded_at})
        case ComplaintRejected() if state is not None:
            return state.model_copy(update={"status": "rejected",
                                            "rejection_reason": event.reason,
                                            "rejected_by": event.rejected_by,
                                            "rejected_at": event.rejected_at})
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
        about_case_id=cmd.about_case_id, lapor_tracking_id=cmd.lapor_tracking_id, filed_at=at,
        status_digest=cmd.status_digest)]


def known(state: Complaint | None) -> Complaint:
    if state is None:
        raise NotFound(Text("Pengaduan tidak ditemukan", "Complaint not found"))
    return state


def _open(state: Complaint | None) -> Complaint:
    complaint = known(state)
    if complaint.status == "rejected":
        raise AlreadyDone(REJECTED)
    return complaint


def _step(state: Complaint | None, to: Status) -> Complaint:
    complaint = _open(state)
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


def respond(state: Complaint | None, cmd: RespondComplaint, actor: str,
            at: datetime) -> list[Event]:
    c = _step(state, "responded")
    return [ComplaintResponded(complaint_id=c.complaint_id, response=cmd.response,
                               channel=cmd.channel, responded_by=actor, responded_at=at)]


def _before_response(state: Complaint | None, what: Text) -> Complaint:
    c = _open(state)
    if ORDER.index(c.status) >= ORDER.index("responded"):
        raise AlreadyDone(Text(f"Pengaduan ini sudah ditanggapi: {what.id} tidak dapat lagi",
                               f"This complaint was already responded to: no {what.en} now"))
    return c


def route(state: Complaint | None, cmd: RouteComplaint, actor: str,
          at: datetime) -> list[Event]:
    c = _before_response(state, Text("penerusan ke bidang", "routing"))
    if c.division == cmd.division:
        raise AlreadyDone(Text("Pengaduan ini sudah diteruskan ke bidang tersebut",
                               "This complaint was already routed to that division"))
    return [ComplaintRouted(complaint_id=c.complaint_id, division=cmd.division,
                            routed_by=actor, routed_at=at)]


def reject(state: Complaint | None, cmd: RejectComplaint, actor: str,
           at: datetime) -> list[Event]:
    c = _before_response(state, Text("penolakan", "rejection"))
    return [ComplaintRejected(complaint_id=c.complaint_id, reason=cmd.reason,
                              rejected_by=actor, rejected_at=at)]


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
