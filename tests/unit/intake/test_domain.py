"""The case owner's decider: one entry point for every command on a request or a complaint."""

from datetime import timedelta

import pytest

from chassis.auth import Principal
from contracts.complaints import ComplaintFiled, ComplaintVerified
from contracts.intake import RequestWithdrawn
from contracts.sealed import sample as sealed
from services.intake import commands as c
from services.intake import domain
from services.intake import registrar as books
from services.intake.errors import DomainError, NotFound, TrackingTaken

from .builders import AT, IDENTITY, letter_cmd

LATER = AT + timedelta(hours=1)
FILING = dict(complaint_id="cp-1", tracking_id="ADU-2026-7KQ3M9", channel="sp4n_lapor",
              identity=IDENTITY.model_dump(mode="json"), subject="layanan",
              content=sealed("lambat"))


def command(name, payload=None, actor="sekretariat"):
    return domain.Command(name, payload or {}, actor, LATER)


def given(*events, command_id="cmd-1"):
    state = domain.initial_state("s")
    for event in events:
        state = domain.evolve(state, event, command_id)
    return state


def registered_request():
    return given(*books.register(None, None, letter_cmd("c-1"), "cmd-1", AT).events)


def test_nothing_is_known_of_a_subject_before_its_first_event():
    assert domain.initial_state("c-1") is None


def test_a_request_is_withdrawn_through_the_decider():
    events = domain.decide(registered_request(), command(c.WITHDRAW_REQUEST, {"reason": "batal"}))
    assert events == [RequestWithdrawn(case_id="c-1", reason="batal", withdrawn_at=LATER)]


def test_a_complaint_is_filed_then_verified_by_the_actor_of_the_command():
    [filed] = domain.decide(None, command(c.FILE_COMPLAINT, FILING))
    assert isinstance(filed, ComplaintFiled) and filed.complaint_id == "cp-1"
    state = given(filed, command_id="cmd-file")
    assert state.filed_by_command == "cmd-file"  # evolve routed by the event's topic
    [verified] = domain.decide(state, command(c.VERIFY_COMPLAINT, actor="tim-pkd"))
    assert isinstance(verified, ComplaintVerified) and verified.verified_by == "tim-pkd"


def test_a_complaint_cannot_take_the_id_of_a_request():
    with pytest.raises(TrackingTaken) as err:
        domain.decide(registered_request(), command(c.FILE_COMPLAINT, FILING))
    assert err.value.status == 409


def test_a_complaint_command_on_a_request_is_not_found():
    with pytest.raises(NotFound):
        domain.decide(registered_request(), command(c.VERIFY_COMPLAINT))


def test_an_unknown_command_is_refused():
    with pytest.raises(DomainError) as err:
        domain.decide(None, command("launch_rocket"))
    assert "tidak dikenal" in str(err.value.text.id)


def test_deciding_does_not_change_the_state_given():
    state = registered_request()
    before = state.model_dump()
    domain.decide(state, command(c.WITHDRAW_REQUEST, {"reason": "batal"}))
    assert state.model_dump() == before


def test_reads_answer_from_the_state_or_say_not_found():
    front = Principal(sub="frontdesk", roles=("front_office",))
    assert (domain.read(registered_request(), c.GET_REQUEST, front)["agenda_number"]
            == "AUD/2026/000001")
    with pytest.raises(NotFound):
        domain.read(registered_request(), c.GET_COMPLAINT, front)
    with pytest.raises(NotFound):
        domain.read(None, c.GET_REQUEST, front)
    assert set(domain.READS) == {c.GET_REQUEST, c.GET_COMPLAINT}
