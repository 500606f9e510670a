"""Every status x every command: given a case in that status, when the rightful person for
that step gives the command, then either the step's event or the specific refusal."""

from __future__ import annotations

import pytest

from contracts import disposition as ev
from services.disposition import errors as e

from .scenario import (
    assign,
    assigned,
    cancel,
    cancelled,
    close,
    closed,
    direct,
    directed,
    dispose,
    disposed,
    forward,
    forwarded,
    given,
    held,
    hold,
    inform,
    informed,
    prepare,
    prepared,
    receive,
    received,
    registered,
    report,
    reported,
    requested,
    review,
    withdrawn,
)

LETTER = [requested(), registered(), disposed(), received(), assigned(), prepared(), informed(),
          held(), reported(), forwarded(), closed()]
URGENT = [requested(urgent=True), directed(), held(), reported(), forwarded(), closed()]

#: status -> how a case gets there
STATUSES = {
    "requested": LETTER[:1],
    "registered": LETTER[:2],
    "disposed": LETTER[:3],
    "received": LETTER[:4],
    "assigned": LETTER[:5],
    "prepared": LETTER[:6],
    "informed": LETTER[:7],
    "held": LETTER[:8],
    "reported": LETTER[:9],
    "forwarded": LETTER[:10],
    "closed": LETTER[:11],
    "withdrawn": [*LETTER[:4], withdrawn()],
    "cancelled": [*LETTER[:5], cancelled()],
    "urgent/requested": URGENT[:1],
    "urgent/directed": URGENT[:2],
    "urgent/held": URGENT[:3],
    "urgent/reported": URGENT[:4],
    "urgent/forwarded": URGENT[:5],
    "urgent/closed": URGENT[:6],
    "urgent/withdrawn": [*URGENT[:1], withdrawn()],
}

#: command name -> (the command given by the rightful person, the event it writes)
COMMANDS = {
    "disposition": (dispose("linjamsos"), ev.CaseDisposed),
    "receipt": (receive(), ev.DispositionReceived),
    "assignment": (assign(), ev.OfficerAssigned),
    "preparation": (prepare(), ev.PreparationRecorded),
    "staff-review": (review(), ev.StaffReviewSubmitted),
    "notification": (inform(), ev.ApplicantInformed),
    "direction": (direct(), ev.WalkInDirected),
    "audience": (hold(), ev.AudienceHeld),
    "report": (report(), ev.ResultReportSubmitted),
    "report-forwarding": (forward(), ev.ResultReportForwarded),
    "closure": (close(), ev.CaseClosed),
    "cancellation": (cancel(), ev.CaseCancelled),
}
ORDER = list(COMMANDS)

OK = "ok"
Done, Early, Urgent = e.StepAlreadyDone, e.StepOutOfOrder, e.UrgentWalkInPath
NotReg, NotDisp, NotRecv = e.NotRegistered, e.NotDisposed, e.NotReceived
NoOff, NotInf, NotHeld = e.NoOfficer, e.NotInformed, e.NotHeld
NotRep, NotFwd, NotUrg = e.NotReported, e.NotForwarded, e.NotUrgentWalkIn
Recv, Fin = e.AlreadyReceived, e.CaseFinished

# columns:  disposition, receipt, assignment, preparation, staff-review, notification,
#           direction, audience, report, report-forwarding, closure, cancellation
EXPECTED = {
    "requested":  [NotReg, NotDisp, NotDisp, NotDisp, NotDisp, NotDisp,
                   NotUrg, NotDisp, NotDisp, NotRep, NotFwd, OK],
    "registered": [OK, NotDisp, NotDisp, NotDisp, NotDisp, NotDisp,
                   NotUrg, NotDisp, NotDisp, NotRep, NotFwd, OK],
    "disposed":   [OK, OK, NotRecv, NotRecv, NotRecv, NotRecv,
                   NotUrg, NotRecv, NotRecv, NotRep, NotFwd, OK],
    "received":   [Recv, Done, OK, NoOff, NoOff, NoOff,
                   NotUrg, NoOff, NoOff, NotRep, NotFwd, OK],
    "assigned":   [Recv, Done, Done, OK, OK, OK,
                   NotUrg, NotInf, NotHeld, NotRep, NotFwd, OK],
    "prepared":   [Recv, Done, Done, Done, OK, OK,
                   NotUrg, NotInf, NotHeld, NotRep, NotFwd, OK],
    "informed":   [Recv, Done, Done, Done, Done, Done,
                   NotUrg, OK, NotHeld, NotRep, NotFwd, OK],
    "held":       [Recv, Done, Done, Done, Done, Done,
                   NotUrg, Done, OK, NotRep, NotFwd, OK],
    "reported":   [Recv, Done, Done, Done, Done, Done,
                   NotUrg, Done, Done, OK, NotFwd, OK],
    "forwarded":  [Recv, Done, Done, Done, Done, Done,
                   NotUrg, Done, Done, Done, OK, OK],
    "closed":     [Fin] * 12,
    "withdrawn":  [Fin] * 12,
    "cancelled":  [Fin] * 12,
    "urgent/requested": [Urgent, Urgent, Urgent, Urgent, Urgent, Urgent,
                         OK, NoOff, NoOff, NotRep, NotFwd, OK],
    "urgent/directed":  [Urgent, Urgent, Urgent, Urgent, Urgent, Urgent,
                         Done, OK, NotHeld, NotRep, NotFwd, OK],
    "urgent/held":      [Urgent, Urgent, Urgent, Urgent, Urgent, Urgent,
                         Done, Done, OK, NotRep, NotFwd, OK],
    "urgent/reported":  [Urgent, Urgent, Urgent, Urgent, Urgent, Urgent,
                         Done, Done, Done, OK, NotFwd, OK],
    "urgent/forwarded": [Urgent, Urgent, Urgent, Urgent, Urgent, Urgent,
                         Done, Done, Done, Done, OK, OK],
    "urgent/closed":    [Fin] * 12,
    "urgent/withdrawn": [Fin] * 12,
}

CASES = [(status, name, EXPECTED[status][i]) for status in STATUSES
         for i, name in enumerate(ORDER)]


def test_the_table_covers_every_status_and_every_command():
    assert set(EXPECTED) == set(STATUSES)
    assert all(len(row) == len(ORDER) for row in EXPECTED.values())
    assert {s.split("/")[-1] for s in STATUSES} >= {
        "requested", "registered", "disposed", "received", "assigned", "prepared", "informed",
        "directed", "held", "reported", "forwarded", "closed", "withdrawn", "cancelled"}


@pytest.mark.parametrize(("status", "command", "expected"), CASES,
                         ids=[f"{s}-{c}" for s, c, _ in CASES])
def test_status_x_command(status, command, expected):
    history = STATUSES[status]
    cmd, event_type = COMMANDS[command]
    if expected == OK:
        state = given(history).when(cmd).then([_expected_event(cmd, event_type)])
        assert state.status != given(history).state.status or command in (
            "disposition", "staff-review")
    else:
        err = given(history).when(cmd).refused(expected)
        assert err.kind == "refused"


def _expected_event(cmd, event_type):
    """The one event the rightful command writes (built independently of the decider)."""
    by = cmd.actor.id
    fields = cmd.model_dump(exclude={"case_id", "actor", "at", "officer_division",
                                    "division_has_head"})
    by_field = {
        ev.CaseDisposed: "disposed_by", ev.DispositionReceived: "received_by",
        ev.OfficerAssigned: "assigned_by", ev.ApplicantInformed: "informed_by",
        ev.WalkInDirected: "directed_by", ev.ResultReportSubmitted: "submitted_by",
        ev.ResultReportForwarded: "forwarded_by", ev.CaseClosed: "closed_by",
        ev.CaseCancelled: "cancelled_by",
    }.get(event_type)
    if by_field:
        fields[by_field] = by
    if event_type is ev.DispositionReceived:
        fields["division"] = "rehsos"
    if event_type is ev.OfficerAssigned:
        fields["self_assigned"] = False
    if event_type is ev.WalkInDirected:
        fields["division"] = "rehsos"
    return event_type(case_id=cmd.case_id, **fields)
