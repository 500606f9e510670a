from datetime import timedelta

import pytest

from chassis.auth import Principal
from contracts.sealed import sample as sealed
from services.intake import complaints, domain
from services.intake.commands import (
    CloseComplaint,
    FileComplaint,
    RejectComplaint,
    RespondComplaint,
    RouteComplaint,
)
from services.intake.errors import AlreadyDone, NotFound, OutOfScope, StepOutOfOrder, TrackingTaken

from .builders import AT, IDENTITY

T1, T2, T3 = (AT + timedelta(hours=h) for h in (1, 2, 3))


def filing(**update) -> FileComplaint:
    base = dict(complaint_id="cp-1", tracking_id="ADU-2026-7KQ3M9", channel="sp4n_lapor",
                identity=IDENTITY, subject="layanan", content=sealed("lambat"),
                lapor_tracking_id="LAPOR-1")
    return FileComplaint(**{**base, **update})


def run(*steps):
    """Apply decisions in turn; return the final state."""
    state = None
    for step in steps:
        for event in step(state):
            state = complaints.evolve(state, event, "cmd")
    return state


def file(cmd=None):
    return lambda s: complaints.file(s, cmd or filing(), AT)


def verify(s):
    return complaints.verify(s, "sekretariat", T1)


def respond(s):
    return complaints.respond(s, RespondComplaint(response="ditindaklanjuti", channel="surat"),
                              "sekretariat", T2)


def route(division="rehsos"):
    return lambda s: complaints.route(s, RouteComplaint(division=division), "sekretariat", T1)


def reject(s):
    return complaints.reject(s, RejectComplaint(reason="spam"), "sekretariat", T2)


def close(s):
    return complaints.close(s, CloseComplaint(resolution="selesai"), T3)


def test_a_complaint_goes_filed_verified_responded_closed():
    state = run(file(), verify, respond, close)
    assert state.status == "closed" and state.verified_by == "sekretariat"
    assert (state.verified_at, state.responded_at, state.closed_at) == (T1, T2, T3)
    assert state.response == "ditindaklanjuti" and state.resolution == "selesai"
    assert (state.response_channel, state.responded_by) == ("surat", "sekretariat")


@pytest.mark.parametrize("before", [(file(),), (file(), verify), (file(), verify, route())])
def test_a_complaint_is_rejected_before_its_response_and_nothing_follows(before):
    state = run(*before, reject)
    assert (state.status, state.rejection_reason, state.rejected_by) == (
        "rejected", "spam", "sekretariat")
    for step in (verify, respond, close, reject, route("pmd")):
        with pytest.raises(AlreadyDone) as err:
            step(state)
        assert err.value.status == 409


def test_a_responded_complaint_can_no_longer_be_rejected_or_routed():
    state = run(file(), verify, respond)
    for step in (reject, route()):
        with pytest.raises(AlreadyDone, match="already responded"):
            step(state)


def test_routing_sets_the_division_a_later_one_replaces_it_the_same_one_is_refused():
    state = run(file(), verify, route("rehsos"))
    assert (state.division, state.routed_by) == ("rehsos", "sekretariat")
    assert run(file(), verify, route("rehsos"), route("pmd")).division == "pmd"
    with pytest.raises(AlreadyDone):
        route("rehsos")(state)


KABID_REHSOS = Principal(sub="kabid-rehsos", roles=("division_head",), division="rehsos")
KABID_PMD = Principal(sub="kabid-pmd", roles=("division_head",), division="pmd")


def respond_as(principal: Principal, state):
    cmd = domain.Command("respond_complaint", {"response": "ok", "channel": "telepon"},
                         principal.sub, T2, principal)
    return domain.decide(state, cmd)


def test_only_the_head_of_the_division_it_was_routed_to_responds_beside_the_secretariat():
    routed = run(file(), verify, route("rehsos"))
    [event] = respond_as(KABID_REHSOS, routed)
    assert (event.responded_by, event.channel) == ("kabid-rehsos", "telepon")
    with pytest.raises(OutOfScope) as err:
        respond_as(KABID_PMD, routed)
    assert err.value.status == 403
    with pytest.raises(OutOfScope):
        respond_as(KABID_REHSOS, run(file(), verify))  # routed nowhere
    sekretariat = Principal(sub="sekretariat", roles=("secretariat",), division="sekretariat")
    assert respond_as(sekretariat, run(file(), verify))


def test_the_routed_division_head_reads_the_complaint_and_another_does_not():
    routed = run(file(), verify, route("rehsos"))
    assert domain.read(routed, "get_complaint", KABID_REHSOS)["division"] == "rehsos"
    with pytest.raises(OutOfScope):
        domain.read(routed, "get_complaint", KABID_PMD)


@pytest.mark.parametrize("steps,bad,error", [
    ((file(),), respond, StepOutOfOrder),
    ((file(),), close, StepOutOfOrder),
    ((file(), verify), close, StepOutOfOrder),
    ((file(), verify), verify, AlreadyDone),
    ((file(), verify, respond, close), respond, AlreadyDone),
    ((file(), verify, respond, close), close, AlreadyDone),
])
def test_steps_only_in_order(steps, bad, error):
    state = run(*steps)
    with pytest.raises(error) as err:
        bad(state)
    assert err.value.status == 409


def test_a_step_on_an_unknown_complaint_is_not_found():
    with pytest.raises(NotFound):
        verify(None)


def test_a_taken_tracking_id_is_refused_so_the_next_one_is_drawn():
    with pytest.raises(TrackingTaken):
        complaints.file(run(file()), filing(), AT)


def test_an_anonymous_complaint_carries_no_identity():
    [event] = complaints.file(None, filing(anonymous=True), AT)
    assert event.identity is None and event.anonymous


def test_a_confidential_complainant_is_not_shown():
    shown = complaints.view(run(file()))
    assert shown["identity"]["masked"] == IDENTITY.masked  # sealed: opened at the HTTP edge
    hidden = complaints.view(run(file(filing(confidential=True))))
    assert hidden["identity"] is None and hidden["confidential"] is True
    assert "processed" not in hidden and "filed_by_command" not in hidden


STATES = {
    "filed": (file(),),
    "verified": (file(), verify),
    "routed": (file(), verify, route()),
    "responded": (file(), verify, respond),
    "closed": (file(), verify, respond, close),
    "rejected": (file(), reject),
}
#: state -> (may route to another division, may reject)
ALLOWED = {"filed": (True, True), "verified": (True, True), "routed": (True, True),
           "responded": (False, False), "closed": (False, False),
           "rejected": (False, False)}


@pytest.mark.parametrize("state", sorted(STATES))
def test_every_status_against_routing_and_rejection(state):
    s = run(*STATES[state])
    for step, allowed in zip((route("pmd"), reject), ALLOWED[state], strict=True):
        if allowed:
            [event] = step(s)
            assert event.complaint_id == "cp-1"
        else:
            with pytest.raises(AlreadyDone) as err:
                step(s)
            assert err.value.status == 409
