"""What the HTTP side asks the agents to do: the payloads of `chassis.commands.CommandMessage`.

Identity numbers are already protected (`contracts.intake.Identity`) when a command is built,
so no command, topic or table ever holds one in clear."""

from __future__ import annotations

from typing import Literal

from contracts.base import Model
from contracts.complaints import ComplaintChannel
from contracts.intake import Applicant, Channel, ErasureScope, Identity, Letter, RequestForm
from contracts.sealed import Sealed

# registrar (single partition): the guest book and the agenda book
CHECK_IN = "check_in"
REQUEST_AUDIENCE = "request_audience"
# per case / complaint (partition of the case)
WITHDRAW_REQUEST = "withdraw_request"
GET_REQUEST = "get_request"
FILE_COMPLAINT = "file_complaint"
VERIFY_COMPLAINT = "verify_complaint"
RESPOND_COMPLAINT = "respond_complaint"
CLOSE_COMPLAINT = "close_complaint"
ROUTE_COMPLAINT = "route_complaint"
REJECT_COMPLAINT = "reject_complaint"
GET_COMPLAINT = "get_complaint"
ERASE = "erase_personal_data"


class CheckIn(Model):
    visit_id: str
    name: Sealed
    organization: Sealed | None = None
    phone: Sealed | None = None
    purpose: Sealed
    identity: Identity


class RequestAudience(Model):
    case_id: str
    channel: Channel
    urgent: bool = False
    visit_id: str | None = None
    applicant: Applicant | None = None  # walk-ins: taken from the guest-book visit
    purpose: Sealed
    form: RequestForm
    letter: Letter | None = None
    status_digest: str | None = None


class WithdrawRequest(Model):
    reason: str


class FileComplaint(Model):
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
    status_digest: str | None = None


class VerifyComplaint(Model):
    pass


class RespondComplaint(Model):
    response: str
    channel: str | None = None


class RouteComplaint(Model):
    division: str


class RejectComplaint(Model):
    reason: str


class CloseComplaint(Model):
    resolution: str


class Get(Model):
    kind: Literal["request", "complaint"] = "request"


class ErasePersonalData(Model):
    """Erase one record (the command's subject): a case, a complaint or a guest-book visit."""

    erasure_id: str
    scope: ErasureScope
    record_kind: Literal["case", "complaint", "visit"]
    record_id: str
