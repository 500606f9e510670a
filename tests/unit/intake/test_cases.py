"""given(events).when(command).then(events) for a request as intake sees it."""

from datetime import timedelta

import pytest

from contracts.intake import RequestRegistered, RequestWithdrawn
from services.intake import cases
from services.intake import registrar as books
from services.intake.commands import WithdrawRequest
from services.intake.errors import AlreadyDone, NotFound, NotReady

from .builders import AT, check_in_cmd, letter_cmd, walk_in_cmd

LATER = AT + timedelta(hours=1)


def given(*events):
    state = None
    for event in events:
        state = cases.evolve(state, event)
    return state


def requested_and_registered():
    return books.register(None, None, letter_cmd("c-1"), "cmd-1", AT).events


def test_a_registered_request_can_be_withdrawn():
    state = given(*requested_and_registered())
    assert state.status == "registered" and state.agenda_number == "AUD/2026/000001"
    assert cases.withdraw(state, WithdrawRequest(reason="batal"), LATER) == [
        RequestWithdrawn(case_id="c-1", reason="batal", withdrawn_at=LATER)]


def test_an_urgent_walk_in_is_complete_without_registration():
    visit = books.check_in(None, check_in_cmd(), "v", AT).visit
    [requested] = books.register(None, visit, walk_in_cmd("c-3", urgent=True), "cmd", AT).events
    state = given(requested)
    assert state.status == "requested" and not state.awaiting_registration
    assert cases.withdraw(state, WithdrawRequest(reason="pulang"), LATER)[0].case_id == "c-3"


def test_an_unknown_request_is_not_found_and_may_be_retried():
    with pytest.raises(NotFound) as err:
        cases.withdraw(None, WithdrawRequest(reason="x"), LATER)
    assert err.value.retry and err.value.status == 404


def test_a_request_whose_registration_is_not_seen_yet_is_not_ready():
    requested, _ = requested_and_registered()
    with pytest.raises(NotReady) as err:
        cases.withdraw(given(requested), WithdrawRequest(reason="x"), LATER)
    assert err.value.retry


def test_a_withdrawn_request_cannot_be_withdrawn_again():
    state = given(*requested_and_registered(),
                  RequestWithdrawn(case_id="c-1", reason="batal", withdrawn_at=LATER))
    assert state.status == "withdrawn" and state.withdrawal_reason == "batal"
    with pytest.raises(AlreadyDone) as err:
        cases.withdraw(state, WithdrawRequest(reason="lagi"), LATER)
    assert err.value.status == 409


def test_the_view_shows_the_identity_masked_only():
    state = given(*requested_and_registered())
    view = cases.view(state)
    assert view["status"] == "registered" and "processed" not in view
    assert set(view) >= {"case_id", "agenda_number", "channel", "applicant", "form", "letter"}


def test_events_for_another_case_or_before_creation_change_nothing():
    assert cases.evolve(None, RequestRegistered(case_id="c-1", agenda_number="AUD/2026/000001",
                                                registered_at=AT)) is None
