"""HTTP request bodies. Shapes only; the rules of the standard are in `rules.py`."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chassis.text import Bounded
from contracts.complaints import ComplaintChannel
from contracts.intake import Channel, IdentityKind

# every free text: bounded, no control or bidi characters (chassis.text)
Short = Bounded(200)
Long = Bounded(4000, multiline=True)
Content = Bounded(20000, multiline=True)
LaporId = Bounded(64, min_length=3, pattern=r"^[A-Za-z0-9\-/]+$")
IdentityNumber = Bounded(32)
Phone = Bounded(32, min_length=3, pattern=r"^\+?[0-9 ()\-]+$")


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class IdentityIn(Body):
    kind: IdentityKind
    number: IdentityNumber
    valid_until: date | None = None


class VisitIn(Body):
    name: Short
    organization: Short | None = None
    phone: Phone | None = None
    purpose: Long
    identity: IdentityIn


class ApplicantIn(Body):
    name: Short
    organization: Short | None = None
    contact: Short | None = None
    identity: IdentityIn | None = None


class FormIn(Body):
    subject: Short
    topics: list[Short] = Field(default_factory=list, max_length=20)
    participants: int = Field(ge=1, le=500)
    preferred_date: date | None = None


class LetterIn(Body):
    number: Short
    dated: date
    addressed_to: Short
    sender: Short
    referral_from: Short | None = None


class RequestIn(Body):
    channel: Channel
    urgent: bool = False
    visit_id: Short | None = None
    applicant: ApplicantIn | None = None
    purpose: Long
    form: FormIn
    letter: LetterIn | None = None


class WithdrawalIn(Body):
    reason: Long


class ComplaintIn(Body):
    channel: ComplaintChannel
    identity: IdentityIn | None = None
    anonymous: bool = False
    confidential: bool = False
    subject: Short
    content: Content
    about_case_id: Short | None = None
    lapor_tracking_id: LaporId | None = None


class VerificationIn(Body):
    note: Long | None = None


class ResponseIn(Body):
    response: Content
    channel: Short = Field(description="how the response was sent: letter, phone, email, "
                                       "SP4N-LAPOR!, ...")


class RoutingIn(Body):
    division: Short = Field(description="the division whose head may then respond "
                                        "(config/org.yaml)")


class RejectionIn(Body):
    reason: Long


class ClosureIn(Body):
    resolution: Long


UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class ErasureIn(Body):
    """Exactly one of: an identity (`kind` + `number`), a `case_id`, a `complaint_id`."""

    kind: IdentityKind | None = None
    number: IdentityNumber | None = None
    case_id: str | None = Field(default=None, max_length=36, pattern=UUID_PATTERN)
    complaint_id: str | None = Field(default=None, max_length=36, pattern=UUID_PATTERN)

    @model_validator(mode="after")
    def _one_target(self):
        targets = [self.number is not None, self.case_id is not None,
                   self.complaint_id is not None]
        if sum(targets) != 1 or (self.number is None) != (self.kind is None):
            raise ValueError("give exactly one of: kind + number, case_id, complaint_id")
        return self


Lang = Literal["id", "en"]
