"""The case workflow as a decider: `decide(state, command) -> events`, `evolve(state, event)`,
`allowed_steps(state, actor)`. Pure: no I/O, no clock, no logging.

Letter path: requested -> registered -> disposed (re-disposition allowed until received) ->
received -> assigned -> [prepared] -> [staff review] -> informed -> held -> reported ->
forwarded -> closed. Urgent walk-in: requested -> directed -> held -> reported -> forwarded ->
closed. Any non-final case can be withdrawn (intake) or cancelled (head of office).

The office's own steps around them: the division head returns a disposition before an
officer is assigned (-> registered) and reassigns the case to another officer until the
report; the officer reschedules an audience after informing the applicant and before it is
held; the officer or the division head declines the audience before the applicant was
informed (-> declined; then only closure or cancellation); the division head (before
forwarding) or the Head of Office (before closure) returns the report (-> held).
"""

from __future__ import annotations

from collections.abc import Callable

from contracts import Event, intake
from contracts import disposition as ev

from . import errors as e
from .model import (
    RANK,
    STEPS,
    Actor,
    Assign,
    Cancel,
    Case,
    Close,
    Command,
    Decline,
    DirectWalkIn,
    Dispose,
    ForwardReport,
    HoldAudience,
    InformApplicant,
    Prepare,
    Reassign,
    Receive,
    Reschedule,
    ReturnDisposition,
    ReturnReport,
    SubmitReport,
    SubmitStaffReview,
)

OFFICER_ROLES = ("officer", "division_head")

#: roles that may ask for each step at all (the rest of the rule needs the case)
ROLES: dict[str, tuple[str, ...]] = {
    "disposition": ("head_of_office",),
    "receipt": ("division_head",),
    "assignment": ("division_head",),
    "preparation": OFFICER_ROLES,
    "staff-review": OFFICER_ROLES,
    "notification": OFFICER_ROLES,
    "direction": ("front_office", "secretariat"),
    "audience": OFFICER_ROLES,
    "report": OFFICER_ROLES,
    "report-forwarding": ("division_head",),
    "closure": ("head_of_office",),
    "cancellation": ("head_of_office",),
    "reassignment": ("division_head",),
    "rescheduling": OFFICER_ROLES,
    "declination": OFFICER_ROLES,
    "report-return": ("division_head", "head_of_office"),
    "disposition-return": ("division_head",),
}
#: the steps a declined case still takes (the applicant has been answered)
AFTER_DECLINED = frozenset({"closure", "cancellation"})


def _rank(state: Case) -> int:
    return RANK[state.status]


def _done(step: str) -> e.StepAlreadyDone:
    return e.StepAlreadyDone(*STEPS[step])


# --- guards: may `actor` take `step` on `state` now? (raise the reason if not) -------------
def _common(state: Case | None, actor: Actor, step: str) -> Case:
    if not actor.has(*ROLES[step]):
        raise e.WrongRole(ROLES[step])
    if state is None:
        raise e.CaseUnknown("?")
    if state.final:
        raise e.CaseFinished(state.status)
    if state.status == "declined" and step not in AFTER_DECLINED:
        raise e.CaseDeclined()
    return state


def _letter_path(state: Case) -> None:
    if state.urgent:
        raise e.UrgentWalkInPath()


def _head_of_its_division(state: Case, actor: Actor) -> None:
    if state.division is not None and actor.division != state.division:
        raise e.NotYourDivision(state.division)


def _its_officer(state: Case, actor: Actor) -> None:
    if state.officer_id is None:
        if state.urgent or state.status == "received":
            raise e.NoOfficer()
        raise e.NotDisposed() if _rank(state) < RANK["disposed"] else e.NotReceived()
    if actor.id != state.officer_id:
        raise e.NotTheAssignedOfficer()


def guard_disposition(state: Case | None, actor: Actor) -> None:
    s = _common(state, actor, "disposition")
    _letter_path(s)
    if s.status == "requested":
        raise e.NotRegistered()
    if _rank(s) > RANK["disposed"]:
        raise e.AlreadyReceived()


def guard_receipt(state: Case | None, actor: Actor) -> None:
    s = _common(state, actor, "receipt")
    _letter_path(s)
    if _rank(s) < RANK["disposed"]:
        raise e.NotDisposed()
    _head_of_its_division(s, actor)
    if s.status != "disposed":
        raise _done("receipt")


def guard_assignment(state: Case | None, actor: Actor) -> None:
    s = _common(state, actor, "assignment")
    _letter_path(s)
    if _rank(s) < RANK["disposed"]:
        raise e.NotDisposed()
    _head_of_its_division(s, actor)
    if s.status == "disposed":
        raise e.NotReceived()
    if s.status != "received":
        raise _done("assignment")


def guard_preparation(state: Case | None, actor: Actor) -> None:
    s = _common(state, actor, "preparation")
    _letter_path(s)
    _its_officer(s, actor)
    if s.status != "assigned":
        raise _done("preparation")


def guard_staff_review(state: Case | None, actor: Actor) -> None:
    s = _common(state, actor, "staff-review")
    _letter_path(s)
    _its_officer(s, actor)
    if s.staff_review_submitted or _rank(s) > RANK["prepared"]:
        raise _done("staff-review")


def guard_notification(state: Case | None, actor: Actor) -> None:
    s = _common(state, actor, "notification")
    _letter_path(s)
    _its_officer(s, actor)
    if _rank(s) >= RANK["informed"]:
        raise _done("notification")
    if s.staff_review_required and not s.staff_review_submitted:
        raise e.StaffReviewMissing()


def guard_direction(state: Case | None, actor: Actor) -> None:
    s = _common(state, actor, "direction")
    if not s.urgent:
        raise e.NotUrgentWalkIn()
    if s.status != "requested":
        raise _done("direction")


def guard_audience(state: Case | None, actor: Actor) -> None:
    s = _common(state, actor, "audience")
    _its_officer(s, actor)
    if _rank(s) < RANK["informed"]:
        raise e.NotInformed()
    if _rank(s) > RANK["informed"]:
        raise _done("audience")


def guard_report(state: Case | None, actor: Actor) -> None:
    s = _common(state, actor, "report")
    _its_officer(s, actor)
    if _rank(s) < RANK["held"]:
        raise e.NotHeld()
    if s.status != "held":
        raise _done("report")


def guard_report_forwarding(state: Case | None, actor: Actor) -> None:
    s = _common(state, actor, "report-forwarding")
    _head_of_its_division(s, actor)
    if _rank(s) < RANK["reported"]:
        raise e.NotReported()
    if s.status != "reported":
        raise _done("report-forwarding")


def guard_closure(state: Case | None, actor: Actor) -> None:
    s = _common(state, actor, "closure")
    if s.status not in ("forwarded", "declined"):
        raise e.NotForwarded()


def guard_cancellation(state: Case | None, actor: Actor) -> None:
    _common(state, actor, "cancellation")


def guard_reassignment(state: Case | None, actor: Actor) -> None:
    """The head of the case's division, once an officer has the case and until the report."""
    s = _common(state, actor, "reassignment")
    _head_of_its_division(s, actor)
    if s.officer_id is None:
        if s.urgent or s.status == "received":
            raise e.NoOfficer()
        raise e.NotDisposed() if _rank(s) < RANK["disposed"] else e.NotReceived()
    if _rank(s) >= RANK["reported"]:
        raise e.AlreadyReported()


def guard_rescheduling(state: Case | None, actor: Actor) -> None:
    """The case's officer, after the applicant was informed and before the audience."""
    s = _common(state, actor, "rescheduling")
    _letter_path(s)
    _its_officer(s, actor)
    if _rank(s) < RANK["informed"]:
        raise e.NotInformed()
    if s.status != "informed":
        raise e.AlreadyHeld()


def guard_declination(state: Case | None, actor: Actor) -> None:
    """The case's officer or the head of its division, after the receipt and before the
    applicant was informed."""
    s = _common(state, actor, "declination")
    _letter_path(s)
    if _rank(s) < RANK["disposed"]:
        raise e.NotDisposed()
    if not (actor.has("division_head") and actor.division == s.division):
        if actor.has("division_head") and actor.id != s.officer_id:
            raise e.NotYourDivision(s.division)
        _its_officer(s, actor)
    if s.status == "disposed":
        raise e.NotReceived()
    if _rank(s) >= RANK["informed"]:
        raise e.AlreadyInformed()


def guard_report_return(state: Case | None, actor: Actor) -> None:
    """The division head while the report waits for forwarding, the Head of Office while
    it waits for closure."""
    s = _common(state, actor, "report-return")
    if _rank(s) < RANK["reported"]:
        raise e.NotReported()
    if s.status == "reported":
        if not actor.has("division_head"):
            raise e.ReportWaitsForDivisionHead(s.division)
        _head_of_its_division(s, actor)
    elif not actor.has("head_of_office"):
        raise e.ReportWaitsForHeadOfOffice()


def guard_disposition_return(state: Case | None, actor: Actor) -> None:
    """The head of the division it was disposed to, before an officer is assigned."""
    s = _common(state, actor, "disposition-return")
    _letter_path(s)
    if _rank(s) < RANK["disposed"]:
        raise e.NotDisposed()
    _head_of_its_division(s, actor)
    if _rank(s) > RANK["received"]:
        raise e.AlreadyAssigned()


GUARDS: dict[str, Callable[[Case | None, Actor], None]] = {
    "disposition": guard_disposition,
    "receipt": guard_receipt,
    "assignment": guard_assignment,
    "preparation": guard_preparation,
    "staff-review": guard_staff_review,
    "notification": guard_notification,
    "direction": guard_direction,
    "audience": guard_audience,
    "report": guard_report,
    "report-forwarding": guard_report_forwarding,
    "closure": guard_closure,
    "cancellation": guard_cancellation,
    "reassignment": guard_reassignment,
    "rescheduling": guard_rescheduling,
    "declination": guard_declination,
    "report-return": guard_report_return,
    "disposition-return": guard_disposition_return,
}


def allowed_steps(state: Case | None, actor: Actor) -> list[str]:
    """The steps `actor` may take next on this case (for `GET /cases/{id}`)."""
    allowed = []
    for step, guard in GUARDS.items():
        try:
            guard(state, actor)
        except e.DomainError:
            continue
        allowed.append(step)
    return allowed


# --- decide ------------------------------------------------------------------------------
def decide(state: Case | None, command: Command) -> list[Event]:
    """The events `command` produces on `state`, or the `DomainError` saying why not."""
    if state is None and command.actor.has(*ROLES[command.STEP]):
        raise e.CaseUnknown(command.case_id)
    GUARDS[command.STEP](state, command.actor)
    assert state is not None
    return [_event(state, command)]


def _event(s: Case, c: Command) -> Event:
    by, cid = c.actor.id, s.case_id
    match c:
        case Dispose():
            if s.status == "disposed" and s.division == c.division \
                    and tuple(s.copies) == tuple(c.copies):
                raise _done("disposition")
            if not c.division_has_head:
                raise e.DivisionWithoutHead(c.division)
            return ev.CaseDisposed(case_id=cid, division=c.division, instructions=c.instructions,
                                   priority=c.priority, disposed_by=by, copies=list(c.copies))
        case Receive():
            return ev.DispositionReceived(case_id=cid, division=s.division or "", received_by=by)
        case Assign():
            self_assigned = c.officer_id == by
            if not self_assigned and c.officer_division != s.division:
                raise e.OfficerNotInDivision(c.officer_id, s.division)
            return ev.OfficerAssigned(case_id=cid, officer_id=c.officer_id, assigned_by=by,
                                      self_assigned=self_assigned)
        case Prepare():
            return ev.PreparationRecorded(
                case_id=cid, administration=c.administration, materials=c.materials,
                equipment=c.equipment, staff_review_required=c.staff_review_required)
        case SubmitStaffReview():
            return ev.StaffReviewSubmitted(
                case_id=cid, summary=c.summary, involves_agencies=list(c.involves_agencies),
                needs_leadership_meeting=c.needs_leadership_meeting)
        case InformApplicant():
            return ev.ApplicantInformed(case_id=cid, channel=c.channel, message=c.message,
                                        scheduled_for=c.scheduled_for, informed_by=by)
        case DirectWalkIn():
            return ev.WalkInDirected(case_id=cid, officer_id=c.officer_id, directed_by=by,
                                     division=c.officer_division)
        case HoldAudience():
            return ev.AudienceHeld(
                case_id=cid, held_at=c.held_at, attendees=list(c.attendees),
                accompanied_by=list(c.accompanied_by), documents_complete=c.documents_complete,
                missing_documents=list(c.missing_documents),
                checked_documents=list(c.checked_documents))
        case SubmitReport():
            return ev.ResultReportSubmitted(
                case_id=cid, summary=c.summary, advice=c.advice, input=c.input,
                considerations=c.considerations, solutions=c.solutions,
                recommendations=list(c.recommendations), submitted_by=by)
        case ForwardReport():
            return ev.ResultReportForwarded(case_id=cid, forwarded_by=by)
        case Close():
            return ev.CaseClosed(case_id=cid, closed_by=by, outcome=c.outcome)
        case Cancel():
            return ev.CaseCancelled(case_id=cid, reason=c.reason, cancelled_by=by)
        case Reassign():
            return _reassigned(s, c)
        case Reschedule():
            return ev.AudienceRescheduled(
                case_id=cid, scheduled_for=c.scheduled_for, previous_scheduled_for=s.scheduled_for,
                channel=c.channel, message=c.message, rescheduled_by=by)
        case Decline():
            return ev.AudienceDeclined(case_id=cid, reason=c.reason, channel=c.channel,
                                       message=c.message, declined_by=by)
        case ReturnReport():
            return ev.ResultReportReturned(case_id=cid, note=c.note, returned_by=by,
                                           from_status=s.status)
        case ReturnDisposition():
            return ev.DispositionReturned(case_id=cid, division=s.division or "",
                                          reason=c.reason, returned_by=by)
    raise TypeError(f"unknown command {type(c).__name__}")


def _reassigned(s: Case, c: Reassign) -> Event:
    by = c.actor.id
    if c.officer_id == s.officer_id:
        raise e.SameOfficer(c.officer_id)
    self_assigned = c.officer_id == by
    if not self_assigned and c.officer_division != s.division:
        raise e.OfficerNotInDivision(c.officer_id, s.division)
    return ev.OfficerReassigned(case_id=s.case_id, officer_id=c.officer_id,
                                previous_officer_id=s.officer_id or "", reason=c.reason,
                                reassigned_by=by, self_assigned=self_assigned)


# --- evolve ------------------------------------------------------------------------------
def evolve(state: Case | None, event: Event) -> Case | None:
    """The state after `event` (intake's or ours). Unknown or irrelevant events change
    nothing; so does a withdrawal of a finished case."""
    match event:
        case intake.AudienceRequested():
            if state is not None:
                return state
            return Case(case_id=event.case_id, status="requested", channel=event.channel,
                        urgent=event.channel == "walk_in" and event.urgent)
        case intake.RequestRegistered() if state is not None:
            status = "registered" if state.status == "requested" and not state.urgent \
                else state.status
            return _with(state, agenda_number=event.agenda_number, status=status)
        case intake.RequestWithdrawn() if state is not None:
            # a declined audience was answered: intake refuses its withdrawal (as a final one)
            if state.final or state.status == "declined":
                return state
            return _with(state, status="withdrawn")
    if state is None:
        return None
    return _evolve_own(state, event)


def _evolve_own(s: Case, event: Event) -> Case:
    match event:
        case ev.CaseDisposed():
            return _with(s, status="disposed", division=event.division, priority=event.priority,
                         copies=tuple(event.copies))
        case ev.DispositionReceived():
            return _with(s, status="received")
        case ev.OfficerAssigned():
            return _with(s, status="assigned", officer_id=event.officer_id,
                         self_assigned=event.self_assigned)
        case ev.PreparationRecorded():
            return _with(s, status="prepared", prepared=True,
                         staff_review_required=event.staff_review_required)
        case ev.StaffReviewSubmitted():
            return _with(s, staff_review_submitted=True)
        case ev.ApplicantInformed():
            return _with(s, status="informed", scheduled_for=event.scheduled_for)
        case ev.WalkInDirected():
            return _with(s, status="directed", officer_id=event.officer_id, directed=True,
                         division=event.division)
        case ev.AudienceHeld():
            return _with(s, status="held", documents_complete=event.documents_complete,
                         missing_documents=tuple(event.missing_documents))
        case ev.ResultReportSubmitted():
            return _with(s, status="reported")
        case ev.ResultReportForwarded():
            return _with(s, status="forwarded")
        case ev.CaseClosed():
            return _with(s, status="closed")
        case ev.CaseCancelled():
            return _with(s, status="cancelled")
        case ev.OfficerReassigned():
            return _with(s, officer_id=event.officer_id, self_assigned=event.self_assigned,
                         previous_officers=(*s.previous_officers, event.previous_officer_id))
        case ev.AudienceRescheduled():
            return _with(s, scheduled_for=event.scheduled_for)
        case ev.AudienceDeclined():
            return _with(s, status="declined")
        case ev.ResultReportReturned():
            return _with(s, status="held")
        case ev.DispositionReturned():
            return _with(s, status="registered", division=None, priority=None, copies=(),
                         returned_by_divisions=(*s.returned_by_divisions, event.division))
    return s


def _with(state: Case, **changes) -> Case:
    return state.model_copy(update=changes)


def fold(events: list[Event], state: Case | None = None) -> Case | None:
    for event in events:
        state = evolve(state, event)
    return state
