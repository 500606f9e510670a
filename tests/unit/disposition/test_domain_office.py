"""The office's own steps (issue 12), one behaviour per test: who may take them, what they
change, and the tembusan (copies) and the organisation's rule that a division has a head."""

from __future__ import annotations

from contracts import disposition as ev
from services.disposition import errors as e
from services.disposition import model as m
from services.disposition.domain import allowed_steps, decide, fold

from .scenario import (
    AT,
    CASE,
    KABID_OTHER,
    KADIS,
    OFFICER,
    OFFICER_2,
    assigned,
    decline,
    declined,
    disposed,
    forwarded,
    given,
    held,
    hold,
    inform,
    informed,
    reassign,
    reassigned,
    received,
    registered,
    report,
    report_returned,
    reported,
    requested,
    rescheduled,
    withdrawn,
)

ASSIGNED = [requested(), registered(), disposed(), received(), assigned()]


def test_after_a_reassignment_the_new_officer_acts_and_the_previous_one_is_refused():
    state = given(ASSIGNED).when(reassign()).then([reassigned()])
    assert state.officer_id == "petugas-rehsos-2"
    assert state.previous_officers == ("petugas-rehsos-1",)
    with_new = [*ASSIGNED, reassigned()]
    given(with_new).when(inform(OFFICER)).refused(e.NotTheAssignedOfficer)
    assert decide(fold(with_new), inform(OFFICER_2))[0].informed_by == "petugas-rehsos-2"
    assert allowed_steps(fold(with_new), OFFICER) == []
    assert "notification" in allowed_steps(fold(with_new), OFFICER_2)


def test_a_reassignment_needs_an_officer_of_the_division_and_another_one():
    given(ASSIGNED).when(reassign("petugas-linjamsos-1", "linjamsos")).refused(
        e.OfficerNotInDivision)
    given(ASSIGNED).when(reassign("petugas-rehsos-1")).refused(e.SameOfficer)
    given(ASSIGNED).when(reassign(by=KABID_OTHER)).refused(e.NotYourDivision)


def test_the_division_head_may_take_the_case_themself():
    [event] = decide(fold(ASSIGNED), reassign("kabid-rehsos", officer_division="rehsos"))
    assert event.self_assigned and event.officer_id == "kabid-rehsos"


def test_an_audience_held_then_reassigned_is_reported_by_the_new_officer():
    history = [*ASSIGNED, informed(), held(), reassigned()]
    given(history).when(report(OFFICER)).refused(e.NotTheAssignedOfficer)
    [event] = decide(fold(history), report(OFFICER_2))
    assert event.submitted_by == "petugas-rehsos-2"


def test_rescheduling_moves_the_schedule_and_keeps_the_status():
    state = fold([*ASSIGNED, informed(), rescheduled()])
    assert state.status == "informed"
    assert state.scheduled_for == rescheduled().scheduled_for
    given([*ASSIGNED, informed()]).when(
        m.Reschedule(case_id=CASE, actor=OFFICER_2, at=AT, scheduled_for=AT, channel="phone",
                     message="x")).refused(e.NotTheAssignedOfficer)
    assert decide(fold([*ASSIGNED, informed(), rescheduled()]), hold())[0].type == "AudienceHeld"


def test_the_head_of_another_division_may_not_decline():
    given(ASSIGNED).when(decline(KABID_OTHER)).refused(e.NotYourDivision)
    given(ASSIGNED).when(decline(OFFICER_2)).refused(e.NotTheAssignedOfficer)


def test_a_declined_case_is_closed_by_the_head_of_office_and_is_not_withdrawn():
    state = fold([*ASSIGNED, declined()])
    assert state.status == "declined" and not state.final
    assert allowed_steps(state, KADIS) == ["closure", "cancellation"]
    assert allowed_steps(state, OFFICER) == []
    assert fold([withdrawn()], state).status == "declined"


def test_a_returned_report_is_submitted_again():
    state = fold([*ASSIGNED, informed(), held(), reported(), report_returned()])
    assert state.status == "held"
    assert decide(state, report(OFFICER))[0].type == "ResultReportSubmitted"
    kadis_back = fold([*ASSIGNED, informed(), held(), reported(), forwarded(),
                       report_returned("forwarded", "kadis")])
    assert kadis_back.status == "held"


def test_a_disposition_to_a_division_without_an_active_head_is_refused():
    cmd = m.Dispose(case_id=CASE, actor=KADIS, at=AT, division="dayasos", instructions="x",
                    division_has_head=False)
    err = given([requested(), registered()]).when(cmd).refused(e.DivisionWithoutHead)
    assert "dayasos" in err.text.id and "dayasos" in err.text.en


def test_copies_are_kept_and_their_heads_may_not_act():
    cmd = m.Dispose(case_id=CASE, actor=KADIS, at=AT, division="rehsos", instructions="x",
                    copies=("linjamsos",))
    [event] = decide(fold([requested(), registered()]), cmd)
    assert event.copies == ["linjamsos"]
    state = fold([requested(), registered(), event])
    assert state.copies == ("linjamsos",)
    assert allowed_steps(state, KABID_OTHER) == []
    given([requested(), registered(), event]).when(
        m.Receive(case_id=CASE, actor=KABID_OTHER, at=AT)).refused(e.NotYourDivision)
    # the same disposition again is already done; new copies are a new disposition
    given([requested(), registered(), event]).when(cmd).refused(e.StepAlreadyDone)
    again = cmd.model_copy(update={"copies": ("linjamsos", "pmd")})
    assert decide(state, again)[0].copies == ["linjamsos", "pmd"]


def test_every_new_refusal_speaks_indonesian_and_english():
    samples = [e.CaseDeclined(), e.DivisionWithoutHead("pmd"), e.SameOfficer("p"),
               e.AlreadyAssigned(), e.AlreadyInformed(), e.AlreadyHeld(), e.AlreadyReported(),
               e.ReportWaitsForDivisionHead("rehsos"), e.ReportWaitsForHeadOfOffice()]
    for err in samples:
        assert err.text.id and err.text.en and err.text.id != err.text.en
    assert len({type(err).code for err in samples}) == len(samples)


def test_the_report_carries_every_part_of_the_product():
    cmd = m.SubmitReport(case_id=CASE, actor=OFFICER, at=AT, summary="s", advice="saran",
                         input="masukan", considerations="pertimbangan", solutions="solusi",
                         recommendations=("r1", "r2"))
    [event] = decide(fold([*ASSIGNED, informed(), held()]), cmd)
    assert event == ev.ResultReportSubmitted(
        case_id=CASE, summary="s", advice="saran", input="masukan",
        considerations="pertimbangan", solutions="solusi", recommendations=["r1", "r2"],
        submitted_by="petugas-rehsos-1")
