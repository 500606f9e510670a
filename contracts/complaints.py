"""Events of `audiensi.complaints.v1` (writer: intake). Pengaduan."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime

from .base import Event
from .intake import Identity
from .sealed import Sealed
from .topics import COMPLAINTS

ComplaintChannel = Literal["in_person", "letter", "website", "sp4n_lapor"]


class ComplaintFiled(Event):
    TOPIC = COMPLAINTS
    type: Literal["ComplaintFiled"] = "ComplaintFiled"
    complaint_id: str
    tracking_id: str
    channel: ComplaintChannel
    identity: Identity | None = None
    anonymous: bool = False
    confidential: bool = False
    subject: str
    content: Sealed
    about_case_id: str | None = None
    lapor_tracking_id: str | None = None
    filed_at: AwareDatetime
    #: keyed digest of the citizen's status code (`chassis.status_codes`); the code is not kept
    status_digest: str | None = None


class ComplaintVerified(Event):
    TOPIC = COMPLAINTS
    type: Literal["ComplaintVerified"] = "ComplaintVerified"
    complaint_id: str
    verified_by: str
    verified_at: AwareDatetime


class ComplaintRouted(Event):
    """The secretariat hands a complaint to a division: its head may then respond. A later
    routing replaces the division."""

    TOPIC = COMPLAINTS
    type: Literal["ComplaintRouted"] = "ComplaintRouted"
    complaint_id: str
    division: str
    routed_by: str
    routed_at: AwareDatetime


class ComplaintResponded(Event):
    TOPIC = COMPLAINTS
    type: Literal["ComplaintResponded"] = "ComplaintResponded"
    complaint_id: str
    response: str
    responded_at: AwareDatetime
    #: how the response was sent (letter, phone, email, SP4N-LAPOR!, ...); None before v1.1
    channel: str | None = None
    responded_by: str | None = None


class ComplaintRejected(Event):
    """An invalid or spam complaint is closed as rejected, with its reason (before it was
    responded to); its clocks stop."""

    TOPIC = COMPLAINTS
    type: Literal["ComplaintRejected"] = "ComplaintRejected"
    complaint_id: str
    reason: str
    rejected_by: str
    rejected_at: AwareDatetime


class ComplaintClosed(Event):
    TOPIC = COMPLAINTS
    type: Literal["ComplaintClosed"] = "ComplaintClosed"
    complaint_id: str
    closed_at: AwareDatetime
    resolution: str


COMPLAINT_EVENTS = (ComplaintFiled, ComplaintVerified, ComplaintResponded, ComplaintClosed,
                    ComplaintRouted, ComplaintRejected)
