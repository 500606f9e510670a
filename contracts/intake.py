"""Events of `audiensi.intake.v1` (writer: intake). SOP requirements 1-3, steps 1, 2, 8."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, Field

from .base import Event, Model
from .sealed import Sealed
from .topics import INTAKE

IdentityKind = Literal["KTP", "SIM", "PASPOR", "KITAS"]
Channel = Literal["letter", "walk_in"]


class Identity(Model):
    """An identity document, never in clear: masked and sealed, keyed HMAC ref."""

    kind: IdentityKind
    masked: Sealed = Field(description="the masked number (e.g. 1971**********01), sealed")
    ref: str = Field(description="keyed HMAC of the number, for look-up and de-duplication")
    sealed: Sealed = Field(description="the number, sealed under the record's data key")
    key_id: str = Field(description="the record's data key (visit:, case: or complaint:<id>)")
    valid_until: date | None = None


class Applicant(Model):
    name: Sealed
    organization: Sealed | None = None
    contact: Sealed | None = None
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
    sender: Sealed
    referral_from: str | None = None


class VisitorCheckedIn(Event):
    TOPIC = INTAKE
    type: Literal["VisitorCheckedIn"] = "VisitorCheckedIn"
    visit_id: str
    name: Sealed
    organization: Sealed | None = None
    phone: Sealed | None = None
    purpose: Sealed
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
    purpose: Sealed
    form: RequestForm
    letter: Letter | None = None
    requested_at: AwareDatetime
    #: keyed digest of the citizen's status code (`chassis.status_codes`); the code is not kept
    status_digest: str | None = None


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


ErasureScope = Literal["identity", "case", "complaint"]


class PersonalDataErased(Event):
    """A record's personal data was erased (its data key deleted): every derived copy must
    go. Names no personal data: the record ids and who ordered it. One event per record,
    keyed by it (so it follows the record's other events in its partition)."""

    TOPIC = INTAKE
    type: Literal["PersonalDataErased"] = "PersonalDataErased"
    erasure_id: str
    scope: ErasureScope
    case_ids: list[str] = Field(default_factory=list)
    complaint_ids: list[str] = Field(default_factory=list)
    visit_ids: list[str] = Field(default_factory=list)
    erased_by: str
    erased_at: AwareDatetime

    def subject_id(self) -> str:
        for ids in (self.case_ids, self.complaint_ids, self.visit_ids):
            if ids:
                return ids[0]
        raise ValueError("PersonalDataErased names no record")


INTAKE_EVENTS = (VisitorCheckedIn, AudienceRequested, RequestRegistered, RequestWithdrawn,
                 PersonalDataErased)
