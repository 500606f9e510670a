"""A clock whose state lost the ticks that raised its escalations (a lost table write),
folded with the events those ticks published, raises nothing again: every ladder step
stays fired, each escalation is known once, an acknowledgement is answered as before."""

from __future__ import annotations

from collections import Counter

from services.sla.domain import decide, evolve, fold_own

from .clock_support import POLICIES, ack, given, received, tick


def fold_all(state, envelopes):
    for env in envelopes:
        state = fold_own(state, env) or state
    return state


def test_a_state_behind_its_escalations_raises_none_of_them_again():
    run = given(received(0))
    before_ticks = run.state.model_copy(deep=True)
    run.when(tick(45), tick(60), tick(90))
    raised = [e for e in run.history if e.type == "EscalationRaised"]
    assert len(raised) == 3
    caught_up = fold_all(before_ticks, run.history[1:])
    assert caught_up.sequences == run.state.sequences
    assert [s.fired_at is not None for s in caught_up.clocks[0].steps] == [True, True, True]
    again = decide(caught_up, tick(95).model_copy(), POLICIES)
    assert again.events == []
    assert Counter(e.escalation_id for e in caught_up.escalations) == Counter(
        e.data.escalation_id for e in raised)


def test_without_the_fold_the_same_tick_raises_again():
    """What the fold prevents (so the test above can fail)."""
    run = given(received(0))
    before = run.state.model_copy(deep=True)
    run.when(tick(45))
    assert [e.type for e in decide(before, tick(46), POLICIES).events] == [
        "ClockAtRisk", "EscalationRaised"]


def test_an_acknowledgement_is_folded_with_its_reply():
    run = given(received(0), tick(45))
    esc = run.state.escalations[0].escalation_id
    before = run.state.model_copy(deep=True)
    run.when(ack(esc, command_id="cmd-ack"))
    caught_up = fold_all(before, run.last_batch)
    assert caught_up.escalation(esc).state == "acknowledged"
    assert caught_up.escalation(esc).acknowledged_by == "kabid-rehsos"
    replay = decide(caught_up, ack(esc, command_id="cmd-ack"), POLICIES)
    assert replay.events == [] and replay.reply == run.last.reply


def test_an_event_the_state_holds_changes_nothing():
    run = given(received(0), tick(45), tick(60))
    for env in run.history:
        assert fold_own(run.state, env) is None


def test_the_fold_does_not_change_the_state_it_is_given():
    run = given(received(0))
    before = run.state.model_copy(deep=True)
    dumped = before.model_dump()
    run.when(tick(45), tick(90))
    state = before
    for env in run.history[1:]:
        new = fold_own(state, env)
        assert new is not None and new is not state
        assert state.model_dump() == dumped
        state, dumped = new, new.model_dump()
    assert evolve(before, run.history[0]) is before  # held already
