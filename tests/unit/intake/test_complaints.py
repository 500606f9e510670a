from datetime import timedelta

import pytest

from contracts.sealed import sample as sealed
from services.intake import complaints
from services.intake.commands import CloseComplaint, FileComplaint, RespondComplaint
from services.intake.errors import AlreadyDone, NotFound, StepOutOfOrder, TrackingTaken

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
    return complaints.respond(s, RespondComplaint(response="ditindaklanjuti"), T2)


def close(s):
    return complaints.close(s, CloseComplaint(resolution="selesai"), T3)


def test_a_complaint_goes_filed_verified_responded_closed():
    state = run(file(), verify, respond, close)
    assert state.status == "closed" and state.verified_by == "sekretariat"
    assert (state.verified_at, state.responded_at, state.closed_at) == (T1, T2, T3)
    assert state.response == "ditindaklanjuti" and state.resolution == "selesai"


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
