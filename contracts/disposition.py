"""Events of `audiensi.disposition.v1` (writer: disposition). SOP steps 3-9."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from .base import Event
from .topics import DISPOSITION

Priority = Literal["biasa", "segera", "sangat_segera"]


class CaseDisposed(Event):
    TOPIC = DISPOSITION
    type: Literal["CaseDisposed"] = "CaseDisposed"
    case_id: str
    division: str
    instructions: str
    priority: Priority | None = None
    disposed_by: str


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
    attendees: list[str] = Field(default_factory=list)
    accompanied_by: list[str] = Field(default_factory=list)
    documents_complete: bool = True
    missing_documents: list[str] = Field(default_factory=list)


class ResultReportSubmitted(Event):
    TOPIC = DISPOSITION
    type: Literal["ResultReportSubmitted"] = "ResultReportSubmitted"
    case_id: str
    summary: str
    advice: str
    recommendations: list[str] = Field(default_factory=list)
    submitted_by: str


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
)
