"""Events of `audiensi.disposition.v1` (writer: disposition). SOP steps 3-9, and the
office's own steps around them (reassignment, rescheduling, declination, returns)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field

from .base import Event
from .sealed import Sealed
from .topics import DISPOSITION
from .upcasting import upcaster

Priority = Literal["biasa", "segera", "sangat_segera"]
DocumentRef = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


class CaseDisposed(Event):
    TOPIC = DISPOSITION
    type: Literal["CaseDisposed"] = "CaseDisposed"
    case_id: str
    division: str
    instructions: str
    priority: Priority | None = None
    disposed_by: str
    #: tembusan: divisions whose heads may read the case (not act on it)
    copies: list[str] = Field(default_factory=list)


class DispositionReceived(Event):
    TOPIC = DISPOSITION
    type: Literal["DispositionReceived"] = "DispositionReceived"
    case_id: str
    division: str
    received_by: str


class OfficerAssigned(Event):
    TOPIC = DISPOSITION
    type: Literal["OfficerAssigned"] = "OfficerAssigned"
    case_id: str
    officer_id: str
    assigned_by: str
    self_assigned: bool = False


class PreparationRecorded(Event):
    TOPIC = DISPOSITION
    type: Literal["PreparationRecorded"] = "PreparationRecorded"
    case_id: str
    administration: str
    materials: str
    equipment: str
    staff_review_required: bool = False


class StaffReviewSubmitted(Event):
    TOPIC = DISPOSITION
    type: Literal["StaffReviewSubmitted"] = "StaffReviewSubmitted"
    case_id: str
    summary: str
    involves_agencies: list[str] = Field(default_factory=list)
    needs_leadership_meeting: bool = False


class ApplicantInformed(Event):
    TOPIC = DISPOSITION
    type: Literal["ApplicantInformed"] = "ApplicantInformed"
    case_id: str
    channel: str
    message: str
    scheduled_for: AwareDatetime | None = None
    informed_by: str


class WalkInDirected(Event):
    TOPIC = DISPOSITION
    type: Literal["WalkInDirected"] = "WalkInDirected"
    case_id: str
    officer_id: str
    directed_by: str
    division: str | None = None  # the officer's division: its head forwards the report


class AudienceHeld(Event):
    TOPIC = DISPOSITION
    type: Literal["AudienceHeld"] = "AudienceHeld"
    case_id: str
    held_at: AwareDatetime
    #: private persons' names: sealed under the case's key (`contracts.sealed`)
    attendees: list[Sealed] = Field(default_factory=list)
    accompanied_by: list[str] = Field(default_factory=list)
    documents_complete: bool = True
    missing_documents: list[str] = Field(default_factory=list)
    #: the attached documents (ids of audiensi.documents.v1) the file check looked at
    checked_documents: list[DocumentRef] = Field(default_factory=list)


class ResultReportSubmitted(Event):
    """The product of the standard: saran, masukan, pertimbangan, solusi, rekomendasi.

    Version 2 gives each part its own field (`input`, `considerations`, `solutions`);
    version 1 had `summary`, `advice` and `recommendations` only (upcast below)."""

    TOPIC = DISPOSITION
    SCHEMA_VERSION = 2
    type: Literal["ResultReportSubmitted"] = "ResultReportSubmitted"
    case_id: str
    summary: str
    advice: str  # saran
    input: str = ""  # masukan
    considerations: str = ""  # pertimbangan
    solutions: str = ""  # solusi
    recommendations: list[str] = Field(default_factory=list)  # rekomendasi
    submitted_by: str


@upcaster("ResultReportSubmitted", 1)
def _report_v1_to_v2(data: dict[str, Any]) -> dict[str, Any]:
    """A v1 report recorded no masukan, pertimbangan or solusi of their own: they are empty
    (whatever the officer wrote is in `summary` and `advice`, kept as they were)."""
    return {"input": "", "considerations": "", "solutions": "", **data}


class ResultReportForwarded(Event):
    TOPIC = DISPOSITION
    type: Literal["ResultReportForwarded"] = "ResultReportForwarded"
    case_id: str
    forwarded_by: str


class CaseClosed(Event):
    TOPIC = DISPOSITION
    type: Literal["CaseClosed"] = "CaseClosed"
    case_id: str
    closed_by: str
    outcome: str


class CaseCancelled(Event):
    TOPIC = DISPOSITION
    type: Literal["CaseCancelled"] = "CaseCancelled"
    case_id: str
    reason: str
    cancelled_by: str


class OfficerReassigned(Event):
    """The division head hands an assigned case to another officer (illness, workload)."""

    TOPIC = DISPOSITION
    type: Literal["OfficerReassigned"] = "OfficerReassigned"
    case_id: str
    officer_id: str  # the new officer
    previous_officer_id: str
    reason: str
    reassigned_by: str
    self_assigned: bool = False  # the division head took the case themself


class AudienceRescheduled(Event):
    """The applicant was told of a new date for the audience (after being informed)."""

    TOPIC = DISPOSITION
    type: Literal["AudienceRescheduled"] = "AudienceRescheduled"
    case_id: str
    scheduled_for: AwareDatetime
    previous_scheduled_for: AwareDatetime | None = None
    channel: str
    message: str
    rescheduled_by: str


class AudienceDeclined(Event):
    """The audience will not take place; the applicant was answered with the reason.
    Status `declined`: the Head of Office may close the case."""

    TOPIC = DISPOSITION
    type: Literal["AudienceDeclined"] = "AudienceDeclined"
    case_id: str
    reason: str
    channel: str
    message: str
    declined_by: str


class ResultReportReturned(Event):
    """The report goes back to the officer (status `held`): by the division head before
    forwarding (`from_status: reported`) or the Head of Office before closure (`forwarded`)."""

    TOPIC = DISPOSITION
    type: Literal["ResultReportReturned"] = "ResultReportReturned"
    case_id: str
    note: str
    from_status: Literal["reported", "forwarded"]
    returned_by: str


class DispositionReturned(Event):
    """The division head sends a disposition back (wrong division) before an officer is
    assigned: status `registered`, the Head of Office disposes again."""

    TOPIC = DISPOSITION
    type: Literal["DispositionReturned"] = "DispositionReturned"
    case_id: str
    division: str  # the division that returns it
    reason: str
    returned_by: str


DISPOSITION_EVENTS = (
    CaseDisposed,
    DispositionReceived,
    OfficerAssigned,
    PreparationRecorded,
    StaffReviewSubmitted,
    ApplicantInformed,
    WalkInDirected,
    AudienceHeld,
    ResultReportSubmitted,
    ResultReportForwarded,
    CaseClosed,
    CaseCancelled,
    OfficerReassigned,
    AudienceRescheduled,
    AudienceDeclined,
    ResultReportReturned,
    DispositionReturned,
)
