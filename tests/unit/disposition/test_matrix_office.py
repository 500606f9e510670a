"""Every status x every new command of issue 12 (reassignment, rescheduling, declination,
report return, disposition return): given a case in that status, when a person gives the
command, then either its event or the specific refusal. Declination and the report's return
have two rightful people (columns for each); a declined case takes no step but closure or
cancellation (last test)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contracts import disposition as ev
from services.disposition import errors as e

from .scenario import (
    KABID,
    KADIS,
    OFFICER,
    T0,
    assigned,
    decline,
    declined,
    disposition_returned,
    given,
    reassign,
    received,
    registered,
    report_returned,
    requested,
    reschedule,
    return_disposition,
    return_report,
)
from .test_matrix import COMMANDS as STEPS
from .test_matrix import LETTER, STATUSES

#: every status of test_matrix, plus the new `declined` and the states a return leads back to
OFFICE_STATUSES = {
    **STATUSES,
    "declined": [*LETTER[:5], declined()],
    "registered/disposition-returned": [*LETTER[:4], disposition_returned()],
    "held/report-returned": [*LETTER[:9], report_returned()],
    "held/returned-by-kadis": [*LETTER[:10], report_returned("forwarded", "kadis")],
}

#: column -> the command
COMMANDS = {
    "reassignment": reassign(),
    "rescheduling": reschedule(),
    "declination/officer": decline(OFFICER),
    "declination/head": decline(KABID),
    "report-return/head": return_report(KABID),
    "report-return/kadis": return_report(KADIS),
    "disposition-return": return_disposition(),
}
ORDER = list(COMMANDS)

OK = "ok"
NotDisp, NotRecv, NoOff = e.NotDisposed, e.NotReceived, e.NoOfficer
NotInf, NotRep, Urgent = e.NotInformed, e.NotReported, e.UrgentWalkInPath
Rep, Held, Inf, Asg = e.AlreadyReported, e.AlreadyHeld, e.AlreadyInformed, e.AlreadyAssigned
ForHead, ForKadis = e.ReportWaitsForDivisionHead, e.ReportWaitsForHeadOfOffice
Fin, Decl = e.CaseFinished, e.CaseDeclined

# columns: reassignment, rescheduling, declination/officer, declination/head,
#          report-return/head, report-return/kadis, disposition-return
BEFORE_DISPOSITION = [NotDisp, NotDisp, NotDisp, NotDisp, NotRep, NotRep, NotDisp]
EXPECTED = {
    "requested":  BEFORE_DISPOSITION,
    "registered": BEFORE_DISPOSITION,
    "disposed":   [NotRecv, NotRecv, NotRecv, NotRecv, NotRep, NotRep, OK],
    "received":   [NoOff, NoOff, NoOff, OK, NotRep, NotRep, OK],
    "assigned":   [OK, NotInf, OK, OK, NotRep, NotRep, Asg],
    "prepared":   [OK, NotInf, OK, OK, NotRep, NotRep, Asg],
    "informed":   [OK, OK, Inf, Inf, NotRep, NotRep, Asg],
    "held":       [OK, Held, Inf, Inf, NotRep, NotRep, Asg],
    "reported":   [Rep, Held, Inf, Inf, OK, ForHead, Asg],
    "forwarded":  [Rep, Held, Inf, Inf, ForKadis, OK, Asg],
    "closed":     [Fin] * 7,
    "withdrawn":  [Fin] * 7,
    "cancelled":  [Fin] * 7,
    "declined":   [Decl] * 7,
    "registered/disposition-returned": BEFORE_DISPOSITION,
    "held/report-returned":   [OK, Held, Inf, Inf, NotRep, NotRep, Asg],
    "held/returned-by-kadis": [OK, Held, Inf, Inf, NotRep, NotRep, Asg],
    "urgent/requested": [NoOff, Urgent, Urgent, Urgent, NotRep, NotRep, Urgent],
    "urgent/directed":  [OK, Urgent, Urgent, Urgent, NotRep, NotRep, Urgent],
    "urgent/held":      [OK, Urgent, Urgent, Urgent, NotRep, NotRep, Urgent],
    "urgent/reported":  [Rep, Urgent, Urgent, Urgent, OK, ForHead, Urgent],
    "urgent/forwarded": [Rep, Urgent, Urgent, Urgent, ForKadis, OK, Urgent],
    "urgent/closed":    [Fin] * 7,
    "urgent/withdrawn": [Fin] * 7,
}
#: the status each accepted command leaves the case in (None: the status does not change)
STATUS_AFTER = {"reassignment": None, "rescheduling": None, "declination/officer": "declined",
                "declination/head": "declined", "report-return/head": "held",
                "report-return/kadis": "held", "disposition-return": "registered"}

CASES = [(status, name, EXPECTED[status][i]) for status in OFFICE_STATUSES
         for i, name in enumerate(ORDER)]


def test_the_table_covers_every_status_and_every_new_command():
    assert set(EXPECTED) == set(OFFICE_STATUSES)
    assert all(len(row) == len(ORDER) for row in EXPECTED.values())
    assert {given(h).state.status for h in OFFICE_STATUSES.values()} >= {
        "requested", "registered", "disposed", "received", "assigned", "prepared", "informed",
        "directed", "held", "reported", "forwarded", "closed", "withdrawn", "cancelled",
        "declined"}


@pytest.mark.parametrize(("status", "column", "expected"), CASES,
                         ids=[f"{s}-{c}" for s, c, _ in CASES])
def test_status_x_new_command(status, column, expected):
    history = OFFICE_STATUSES[status]
    cmd = COMMANDS[column]
    before = given(history).state
    if expected == OK:
        after = given(history).when(cmd).then([_expected_event(before, cmd)])
        assert after.status == (STATUS_AFTER[column] or before.status)
    else:
        err = given(history).when(cmd).refused(expected)
        assert err.kind == ("forbidden" if expected in (ForHead, ForKadis) else "refused")


def _expected_event(before, cmd):
    """The one event the command writes (built from the case before, not by the decider)."""
    by, cid = cmd.actor.id, cmd.case_id
    if cmd.STEP == "reassignment":
        return ev.OfficerReassigned(case_id=cid, officer_id=cmd.officer_id,
                                    previous_officer_id=before.officer_id, reason="sakit",
                                    reassigned_by=by)
    if cmd.STEP == "rescheduling":
        return ev.AudienceRescheduled(case_id=cid, scheduled_for=T0 + timedelta(days=4),
                                      previous_scheduled_for=T0 + timedelta(days=2),
                                      channel="phone", message="jadwal Kamis", rescheduled_by=by)
    if cmd.STEP == "declination":
        return ev.AudienceDeclined(case_id=cid, reason="bukan kewenangan Dinas",
                                   channel="letter", message="mohon maaf", declined_by=by)
    if cmd.STEP == "report-return":
        return ev.ResultReportReturned(case_id=cid, note="lengkapi rekomendasi",
                                       from_status=before.status, returned_by=by)
    return ev.DispositionReturned(case_id=cid, division="rehsos", reason="salah bidang",
                                  returned_by=by)


DECLINED = OFFICE_STATUSES["declined"]


AFTER_DECLINED = {
    "closure": ev.CaseClosed(case_id="c-unit-1", closed_by="kadis", outcome="selesai"),
    "cancellation": ev.CaseCancelled(case_id="c-unit-1", reason="duplikat", cancelled_by="kadis"),
}


@pytest.mark.parametrize("step", list(STEPS))
def test_a_declined_case_takes_only_closure_or_cancellation(step):
    cmd, _ = STEPS[step]
    if step in AFTER_DECLINED:
        after = given(DECLINED).when(cmd).then([AFTER_DECLINED[step]])
        assert after.status == ("closed" if step == "closure" else "cancelled")
    else:
        given(DECLINED).when(cmd).refused(e.CaseDeclined)


def test_a_returned_disposition_is_disposed_again_and_received_afresh():
    state = given([requested(), registered(), *LETTER[2:4], disposition_returned()]).state
    assert (state.status, state.division, state.copies) == ("registered", None, ())
    assert state.returned_by_divisions == ("rehsos",)
    again = given([*LETTER[:4], disposition_returned(), LETTER[2], received()]).state
    assert again.status == "received" and again.division == "rehsos"
    assert given([*LETTER[:5], assigned()]).state.status == "assigned"
