"""HTTP request bodies: the `data` fields of the event each command writes, minus what the
server fills in (ids, `*_by`). Unknown fields and blank texts are refused (422)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)

from chassis.text import Bounded

# every free text: bounded, no control or bidi characters (chassis.text)
Text = Bounded(4000, multiline=True)
OptionalText = Bounded(4000, min_length=0, multiline=True)
Name = Bounded(200)
#: an attached document's id (the documents service's)
DocumentRef = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$", max_length=64)]
Names = Annotated[list[Name], Field(max_length=100)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def payload(self) -> dict:
        return self.model_dump(mode="json", exclude_none=True)


class DispositionBody(Body):
    division: Name
    instructions: Text
    priority: Literal["biasa", "segera", "sangat_segera"] | None = None
    copies: Annotated[list[Name], Field(max_length=10, description=(
        "tembusan: divisions whose heads may read the case, not act on it"))] = []

    @field_validator("copies")
    @classmethod
    def _distinct(cls, copies: list[str], info: ValidationInfo) -> list[str]:
        if len(set(copies)) != len(copies):
            raise ValueError("a division is listed twice")
        if info.data.get("division") in copies:
            raise ValueError("the division the case is disposed to is not a copy")
        return copies


class AssignmentBody(Body):
    officer_id: Name


class PreparationBody(Body):
    administration: Text
    materials: Text
    equipment: Text
    staff_review_required: bool = False


class StaffReviewBody(Body):
    summary: Text
    involves_agencies: Names = []
    needs_leadership_meeting: bool = False


class NotificationBody(Body):
    channel: Name = Field(description="how the applicant was told: phone, letter, email, ...")
    message: Text
    scheduled_for: AwareDatetime | None = None


class DirectionBody(Body):
    officer_id: Name


class AudienceBody(Body):
    held_at: AwareDatetime
    attendees: Annotated[list[Name], Field(min_length=1, max_length=100)]
    accompanied_by: Names = []
    documents_complete: bool | None = Field(
        default=None, description="the file-completeness check; default: no missing documents")
    missing_documents: Names = Field(default=[], validate_default=True)
    checked_documents: Annotated[list[DocumentRef], Field(max_length=50)] = Field(
        default=[], description="ids of the attached documents (documents service) checked")

    @field_validator("missing_documents")
    @classmethod
    def _files_consistent(cls, missing: list[str], info: ValidationInfo) -> list[str]:
        complete = info.data.get("documents_complete")
        if complete and missing:
            raise ValueError("documents_complete is true but documents are listed as missing")
        if complete is False and not missing:
            raise ValueError("documents_complete is false: list the missing documents")
        return missing

    def payload(self) -> dict:
        data = super().payload()
        data["documents_complete"] = not self.missing_documents
        return data


class ReportBody(Body):
    """The product of the standard: saran, masukan, pertimbangan, solusi, rekomendasi."""

    summary: Text
    advice: Text = Field(description="saran")
    input: OptionalText = Field(default="", description="masukan")
    considerations: OptionalText = Field(default="", description="pertimbangan")
    solutions: OptionalText = Field(default="", description="solusi")
    recommendations: Annotated[list[Text], Field(max_length=100, description="rekomendasi")] = []


class ClosureBody(Body):
    outcome: Text = "selesai"


class CancellationBody(Body):
    reason: Text


class ReassignmentBody(Body):
    officer_id: Name
    reason: Text


class ReschedulingBody(Body):
    scheduled_for: AwareDatetime
    channel: Name = Field(description="how the applicant was told: phone, letter, email, ...")
    message: Text


class DeclinationBody(Body):
    reason: Text
    channel: Name = Field(description="how the applicant was answered: phone, letter, ...")
    message: Text


class ReportReturnBody(Body):
    note: Text


class DispositionReturnBody(Body):
    reason: Text
