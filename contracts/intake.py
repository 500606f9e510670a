"""Events of `audiensi.intake.v1` (writer: intake). SOP requirements 1-3, steps 1, 2, 8."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, Field

from .base import Event, Model
from .topics import INTAKE

IdentityKind = Literal["KTP", "SIM", "PASPOR", "KITAS"]
Channel = Literal["letter", "walk_in"]


class Identity(Model):
    """An identity document, never in clear: masked, keyed HMAC ref, sealed (AES-GCM)."""

    kind: IdentityKind
    masked: str = Field(description="e.g. 1971**********01")
    ref: str = Field(description="keyed HMAC of the number, for look-up and de-duplication")
    sealed: str = Field(description="base64 AES-GCM ciphertext under the person's data key")
    key_id: str = Field(description="id of the per-person data key in the key store")
    valid_until: date | None = None


class Applicant(Model):
    name: str
    organization: str | None = None
    contact: str | None = None
    identity: Identity | None = None


class RequestForm(Model):
    subject: str
    topics: list[str] = Field(default_factory=list)
    participants: int = Field(ge=1)
    preferred_date: date | None = None


class Letter(Model):
    number: str
    dated: date
    addressed_to: str
    sender: str
    referral_from: str | None = None


class VisitorCheckedIn(Event):
    TOPIC = INTAKE
    type: Literal["VisitorCheckedIn"] = "VisitorCheckedIn"
    visit_id: str
    name: str
    organization: str | None = None
    phone: str | None = None
    purpose: str
    identity: Identity
    checked_in_at: AwareDatetime


class AudienceRequested(Event):
    TOPIC = INTAKE
    type: Literal["AudienceRequested"] = "AudienceRequested"
    case_id: str
    channel: Channel
    urgent: bool = False
    visit_id: str | None = None
    applicant: Applicant
    purpose: str
    form: RequestForm
    letter: Letter | None = None
    requested_at: AwareDatetime


class RequestRegistered(Event):
    TOPIC = INTAKE
    type: Literal["RequestRegistered"] = "RequestRegistered"
    case_id: str
    agenda_number: str = Field(pattern=r"^AUD/\d{4}/\d{6}$")
    registered_at: AwareDatetime


class RequestWithdrawn(Event):
    TOPIC = INTAKE
    type: Literal["RequestWithdrawn"] = "RequestWithdrawn"
    case_id: str
    reason: str
    withdrawn_at: AwareDatetime


INTAKE_EVENTS = (VisitorCheckedIn, AudienceRequested, RequestRegistered, RequestWithdrawn)
