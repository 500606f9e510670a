"""The case workflow, one behaviour per test: given(events).when(command).then(events)."""

from __future__ import annotations

from contracts import disposition as ev
from contracts.samples import samples
from services.disposition import errors as e
from services.disposition.domain import allowed_steps, decide, evolve, fold

from .scenario import (
    CASE,
    FRONTDESK,
    KABID,
    KABID_OTHER,
    KADIS,
    OFFICER,
    OFFICER_2,
    SECRETARIAT,
    assign,
    assigned,
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
    reviewed,
    withdrawn,
)

LETTER_TO_ASSIGNED = [requested(), registered(), disposed(), received(), assigned()]


# --- the letter path ---------------------------------------------------------------------
def test_head_of_office_disposes_a_registered_request():
    state = given([requested(), registered()]).when(dispose("rehsos")).then([disposed("rehsos")])
    assert (state.status, state.division) == ("disposed", "rehsos")


def test_a_disposition_can_go_to_another_division_until_it_is_received():
    state = given([requested(), registered(), disposed("rehsos")]).when(
        dispose("linjamsos")).then([disposed("linjamsos")])
    assert (state.status, state.division) == ("disposed", "linjamsos")


def test_disposing_again_to_the_same_division_is_refused():
    given([requested(), registered(), disposed("rehsos")]).when(
        dispose("rehsos")).refused(e.StepAlreadyDone)


def test_a_received_disposition_cannot_be_redirected():
    err = given([requested(), registered(), disposed(), received()]).when(
        dispose("linjamsos")).refused(e.AlreadyReceived)
    assert "tidak dapat didisposisikan ulang" in err.text.id


def test_an_unregistered_letter_cannot_be_disposed():
    given([requested()]).when(dispose()).refused(e.NotRegistered)


def test_the_head_of_that_division_receives_the_disposition():
    state = given([requested(), registered(), disposed()]).when(receive(KABID)).then(
        [received("rehsos", "kabid-rehsos")])
    assert state.status == "received"


def test_the_head_of_another_division_may_not_receive_it():
    err = given([requested(), registered(), disposed("rehsos")]).when(
        receive(KABID_OTHER)).refused(e.NotYourDivision)
    assert err.kind == "forbidden"


def test_re_disposition_moves_the_receipt_to_the_new_division():
    history = [requested(), registered(), disposed("rehsos"), disposed("linjamsos")]
    given(history).when(receive(KABID)).refused(e.NotYourDivision)
    given(history).when(receive(KABID_OTHER)).then([received("linjamsos", "kabid-linjamsos")])


def test_assignment_before_receipt_says_the_disposition_is_not_received():
    err = given([requested(), registered(), disposed()]).when(assign()).refused(e.NotReceived)
    assert err.text.id == "Disposisi belum diterima oleh Kepala Bidang"
    assert err.text.en == "the disposition has not been received by the division head yet"


def test_the_division_head_assigns_an_officer_of_the_division():
    state = given([requested(), registered(), disposed(), received()]).when(
        assign("petugas-rehsos-2")).then([assigned("petugas-rehsos-2")])
    assert (state.status, state.officer_id, state.self_assigned) == (
        "assigned", "petugas-rehsos-2", False)


def test_the_division_head_may_hold_the_audience_personally():
    state = given([requested(), registered(), disposed(), received()]).when(
        assign("kabid-rehsos", officer_division="rehsos")).then(
        [assigned("kabid-rehsos", self_assigned=True)])
    assert state.self_assigned
    given([*LETTER_TO_ASSIGNED[:4], assigned("kabid-rehsos", self_assigned=True)]).when(
        prepare(by=KABID)).then([prepared()])


def test_an_officer_of_another_division_cannot_be_assigned():
    err = given([requested(), registered(), disposed(), received()]).when(
        assign("petugas-linjamsos-1", officer_division="linjamsos")).refused(
        e.OfficerNotInDivision)
    assert (err.kind, err.field) == ("invalid", "officer_id")


def test_only_the_assigned_officer_prepares():
    given(LETTER_TO_ASSIGNED).when(prepare(by=OFFICER_2)).refused(e.NotTheAssignedOfficer)
    given(LETTER_TO_ASSIGNED).when(prepare(by=OFFICER)).then([prepared()])


def test_preparation_and_staff_review_are_optional():
    state = given(LETTER_TO_ASSIGNED).when(inform()).then([informed()])
    assert state.status == "informed"


def test_a_required_staff_review_comes_before_informing_the_applicant():
    history = [*LETTER_TO_ASSIGNED, prepared(review=True)]
    given(history).when(inform()).refused(e.StaffReviewMissing)
    state = given(history).when(review()).then([reviewed()])
    assert (state.status, state.staff_review_submitted) == ("prepared", True)
    given([*history, reviewed()]).when(inform()).then([informed()])


def test_a_staff_review_can_be_made_without_a_preparation_record():
    state = given(LETTER_TO_ASSIGNED).when(review()).then([reviewed()])
    assert state.status == "assigned"
    given([*LETTER_TO_ASSIGNED, reviewed()]).when(review()).refused(e.StepAlreadyDone)


def test_informing_the_applicant_carries_the_schedule():
    state = given(LETTER_TO_ASSIGNED).when(inform()).then([informed()])
    assert state.scheduled_for is not None


def test_the_audience_records_attendees_and_the_file_check():
    state = given([*LETTER_TO_ASSIGNED, informed()]).when(hold()).then([held()])
    assert state.documents_complete is False
    assert state.missing_documents == ("surat rujukan",)


def test_the_audience_waits_for_the_applicant_to_be_informed():
    given([*LETTER_TO_ASSIGNED, prepared()]).when(hold()).refused(e.NotInformed)


def test_the_result_report_goes_to_the_head_of_office_through_the_division_head():
    history = [*LETTER_TO_ASSIGNED, informed(), held()]
    given(history).when(report()).then([reported()])
    given([*history, reported()]).when(forward(KABID_OTHER)).refused(e.NotYourDivision)
    given([*history, reported()]).when(forward(KABID)).then([forwarded()])


def test_the_head_of_office_closes_a_forwarded_report():
    history = [*LETTER_TO_ASSIGNED, informed(), held(), reported(), forwarded()]
    state = given(history).when(close()).then([closed()])
    assert state.status == "closed"


# --- the urgent walk-in path -------------------------------------------------------------
def test_an_urgent_walk_in_is_directed_to_an_officer_without_a_disposition():
    given([requested(urgent=True)]).when(dispose()).refused(e.UrgentWalkInPath)
    state = given([requested(urgent=True)]).when(direct()).then([directed()])
    assert (state.status, state.officer_id, state.division) == (
        "directed", "petugas-rehsos-1", "rehsos")


def test_the_secretariat_may_direct_an_urgent_walk_in_too():
    given([requested(urgent=True)]).when(direct(by=SECRETARIAT)).then(
        [directed(by="sekretariat")])


def test_only_urgent_walk_ins_are_directed():
    given([requested(), registered()]).when(direct()).refused(e.NotUrgentWalkIn)


def test_the_directed_officer_holds_and_reports_and_their_division_head_forwards():
    urgent = [requested(urgent=True), directed()]
    given(urgent).when(hold(OFFICER_2)).refused(e.NotTheAssignedOfficer)
    given(urgent).when(hold()).then([held()])
    given([*urgent, held()]).when(report()).then([reported()])
    given([*urgent, held(), reported()]).when(forward(KABID_OTHER)).refused(e.NotYourDivision)
    given([*urgent, held(), reported()]).when(forward(KABID)).then([forwarded()])


def test_an_urgent_walk_in_has_no_registration_status():
    state = fold([requested(urgent=True), registered()])
    assert state.status == "requested" and state.agenda_number == "AUD/2026/000001"


# --- roles, withdrawal, cancellation, unknown cases --------------------------------------
def test_roles_that_may_never_take_a_step_are_refused():
    given([requested(), registered()]).when(dispose(by=OFFICER)).refused(e.WrongRole)
    given([requested(urgent=True)]).when(direct(by=OFFICER)).refused(e.WrongRole)
    given([requested(), registered()]).when(dispose(by=FRONTDESK)).refused(e.WrongRole)


def test_a_command_on_an_unknown_case_is_refused():
    err = given([]).when(dispose()).refused(e.CaseUnknown)
    assert err.kind == "unknown" and CASE in err.text.id


def test_a_withdrawal_from_intake_ends_any_open_case():
    for history in ([requested()], LETTER_TO_ASSIGNED, [requested(urgent=True), directed()]):
        assert fold([*history, withdrawn()]).status == "withdrawn"


def test_a_withdrawal_after_closure_changes_nothing():
    history = [*LETTER_TO_ASSIGNED, informed(), held(), reported(), forwarded()]
    assert fold([*history, closed(), withdrawn()]).status == "closed"


def test_a_redelivered_audience_request_does_not_reset_the_case():
    state = fold(LETTER_TO_ASSIGNED)
    assert evolve(state, requested()) == state


def test_events_without_a_requested_case_or_of_other_kinds_change_nothing():
    assert evolve(None, registered()) is None
    assert evolve(None, disposed()) is None
    state = fold(LETTER_TO_ASSIGNED)
    visit = samples()[0]
    assert visit.type == "VisitorCheckedIn" and evolve(state, visit) == state


def test_decide_never_mutates_the_state():
    state = fold(LETTER_TO_ASSIGNED)
    before = state.model_dump()
    decide(state, inform())
    assert state.model_dump() == before


# --- allowed next steps ------------------------------------------------------------------
def test_allowed_steps_follow_the_role_and_the_case():
    reg = fold([requested(), registered()])
    assert allowed_steps(reg, KADIS) == ["disposition", "cancellation"]
    assert allowed_steps(reg, KABID) == []
    disp = fold([requested(), registered(), disposed("rehsos")])
    assert allowed_steps(disp, KABID) == ["receipt", "disposition-return"]
    assert allowed_steps(disp, KABID_OTHER) == []
    asg = fold(LETTER_TO_ASSIGNED)
    assert allowed_steps(asg, OFFICER) == ["preparation", "staff-review", "notification",
                                           "declination"]
    assert allowed_steps(asg, KABID) == ["reassignment", "declination"]
    assert allowed_steps(asg, OFFICER_2) == []
    urgent = fold([requested(urgent=True)])
    assert allowed_steps(urgent, FRONTDESK) == ["direction"]
    assert allowed_steps(fold([*LETTER_TO_ASSIGNED, withdrawn()]), KADIS) == []


def test_every_refusal_speaks_indonesian_and_english():
    samples = [e.NotRegistered(), e.NotDisposed(), e.NotReceived(), e.NoOfficer(),
               e.NotInformed(), e.StaffReviewMissing(), e.NotHeld(), e.NotReported(),
               e.NotForwarded(), e.AlreadyReceived(), e.UrgentWalkInPath(), e.NotUrgentWalkIn(),
               e.CaseFinished("closed"), e.NotYourDivision("rehsos"), e.NotTheAssignedOfficer(),
               e.WrongRole(("head_of_office",)), e.CaseUnknown("c-1"),
               e.OfficerNotInDivision("x", "rehsos"), e.StepAlreadyDone("a", "b")]
    for err in samples:
        assert err.text.id and err.text.en and err.text.id != err.text.en
        assert set(err.as_body()) - {"field"} == {"code", "kind", "id", "en", "retry"}
    assert len({type(err).code for err in samples}) == len(samples)


def test_event_types_are_the_contract_ones():
    got = decide(fold([requested(), registered()]), dispose())
    assert [type(x) for x in got] == [ev.CaseDisposed]


def test_the_file_check_names_the_attached_documents_it_checked():
    command = hold().model_copy(update={"checked_documents": ("doc-1", "doc-2")})
    event = held().model_copy(update={"checked_documents": ["doc-1", "doc-2"]})
    given([*LETTER_TO_ASSIGNED, informed()]).when(command).then([event])
