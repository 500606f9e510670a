"""Pure vocabulary of the case workflow: statuses, steps, the actor, the case state and the
commands. No I/O; time arrives inside the command."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

Status = Literal[
    "requested", "registered", "disposed", "received", "assigned", "prepared", "informed",
    "directed", "held", "reported", "forwarded", "closed", "withdrawn", "cancelled",
    "declined",
]
FINAL: frozenset[str] = frozenset({"closed", "withdrawn", "cancelled"})

#: how far along the standard a status is (the urgent path's `directed` sits with `informed`;
#: so does `declined`: the applicant has been answered, only closure or cancellation remain)
RANK: dict[str, int] = {
    "requested": 0, "registered": 1, "disposed": 2, "received": 3, "assigned": 4,
    "prepared": 5, "informed": 6, "directed": 6, "declined": 6, "held": 7, "reported": 8,
    "forwarded": 9, "closed": 10,
}

#: step name (the last segment of its HTTP path) -> (Bahasa Indonesia, English)
STEPS: dict[str, tuple[str, str]] = {
    "disposition": ("disposisi", "disposition"),
    "receipt": ("penerimaan disposisi", "receipt of the disposition"),
    "assignment": ("penugasan petugas", "officer assignment"),
    "preparation": ("persiapan", "preparation"),
    "staff-review": ("telaahan staf", "staff review"),
    "notification": ("pemberitahuan kepada pemohon", "informing the applicant"),
    "direction": ("pengarahan ke petugas", "directing to an officer"),
    "audience": ("pelaksanaan audiensi", "holding the audience"),
    "report": ("laporan hasil audiensi", "result report"),
    "report-forwarding": ("penerusan laporan", "forwarding the report"),
    "closure": ("penutupan kasus", "closing the case"),
    "cancellation": ("pembatalan", "cancellation"),
    "reassignment": ("penggantian petugas", "reassigning the officer"),
    "rescheduling": ("penjadwalan ulang audiensi", "rescheduling the audience"),
    "declination": ("penolakan audiensi", "declining the audience"),
    "report-return": ("pengembalian laporan", "returning the report"),
    "disposition-return": ("pengembalian disposisi", "returning the disposition"),
}


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Actor(Frozen):
    """Who gives the command (from the verified token)."""

    id: str
    roles: tuple[str, ...] = ()
    division: str | None = None

    def has(self, *roles: str) -> bool:
        return bool(set(self.roles) & set(roles))


class Case(Frozen):
    """What the workflow knows about one case."""

    case_id: str
    status: Status
    channel: Literal["letter", "walk_in"] = "letter"
    urgent: bool = False
    agenda_number: str | None = None
    division: str | None = None
    priority: str | None = None
    officer_id: str | None = None
    self_assigned: bool = False
    directed: bool = False
    prepared: bool = False
    staff_review_required: bool = False
    staff_review_submitted: bool = False
    scheduled_for: datetime | None = None
    documents_complete: bool | None = None
    missing_documents: tuple[str, ...] = ()
    #: tembusan: divisions whose heads may read the case, not act on it
    copies: tuple[str, ...] = ()
    #: the officers who had the case before (reassignment), oldest first
    previous_officers: tuple[str, ...] = ()
    #: divisions that returned a disposition (the Head of Office sees the history)
    returned_by_divisions: tuple[str, ...] = ()

    @property
    def final(self) -> bool:
        return self.status in FINAL


# --- commands ------------------------------------------------------------------------------
class Command(Frozen):
    STEP: ClassVar[str]
    case_id: str
    actor: Actor
    at: AwareDatetime


class Dispose(Command):
    STEP = "disposition"
    division: str
    instructions: str
    priority: Literal["biasa", "segera", "sangat_segera"] | None = None
    copies: tuple[str, ...] = ()  # tembusan
    #: whether the division has an active head (looked up in the organisation by the adapter)
    division_has_head: bool = True


class Receive(Command):
    STEP = "receipt"


class Assign(Command):
    STEP = "assignment"
    officer_id: str
    officer_division: str | None = None  # looked up in the organisation by the adapter


class Prepare(Command):
    STEP = "preparation"
    administration: str
    materials: str
    equipment: str
    staff_review_required: bool = False


class SubmitStaffReview(Command):
    STEP = "staff-review"
    summary: str
    involves_agencies: tuple[str, ...] = ()
    needs_leadership_meeting: bool = False


class InformApplicant(Command):
    STEP = "notification"
    channel: str
    message: str
    scheduled_for: AwareDatetime | None = None


class DirectWalkIn(Command):
    STEP = "direction"
    officer_id: str
    officer_division: str | None = None  # looked up in the organisation by the adapter


class HoldAudience(Command):
    STEP = "audience"
    held_at: AwareDatetime
    attendees: tuple[str, ...] = Field(min_length=1)
    accompanied_by: tuple[str, ...] = ()
    documents_complete: bool = True
    missing_documents: tuple[str, ...] = ()
    checked_documents: tuple[str, ...] = ()


class SubmitReport(Command):
    STEP = "report"
    summary: str
    advice: str
    input: str = ""
    considerations: str = ""
    solutions: str = ""
    recommendations: tuple[str, ...] = ()


class ForwardReport(Command):
    STEP = "report-forwarding"


class Close(Command):
    STEP = "closure"
    outcome: str = "selesai"


class Cancel(Command):
    STEP = "cancellation"
    reason: str


class Reassign(Command):
    STEP = "reassignment"
    officer_id: str
    reason: str
    officer_division: str | None = None  # looked up in the organisation by the adapter


class Reschedule(Command):
    STEP = "rescheduling"
    scheduled_for: AwareDatetime
    channel: str
    message: str


class Decline(Command):
    STEP = "declination"
    reason: str
    channel: str
    message: str


class ReturnReport(Command):
    STEP = "report-return"
    note: str


class ReturnDisposition(Command):
    STEP = "disposition-return"
    reason: str


COMMANDS: dict[str, type[Command]] = {
    cls.STEP: cls
    for cls in (Dispose, Receive, Assign, Prepare, SubmitStaffReview, InformApplicant,
                DirectWalkIn, HoldAudience, SubmitReport, ForwardReport, Close, Cancel,
                Reassign, Reschedule, Decline, ReturnReport, ReturnDisposition)
}
