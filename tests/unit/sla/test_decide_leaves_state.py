"""The decider works on its own copy of the state (`domain.working_copy`, not a deep copy):
whatever it decides, the state it was given stays as it was, including the parts it changes
in place on its copy (sequences, facts, clock steps, escalations, commands)."""

from __future__ import annotations

import contextlib

from hypothesis import given as hgiven
from hypothesis import settings
from hypothesis import strategies as st

from services.sla.domain import DomainError, decide, fold_own, working_copy
from services.sla.processor import envelopes_for
from tests.unit.sla.clock_support import (
    POLICIES,
    ack,
    given,
    informed,
    paused,
    received,
    resumed,
    tick,
)
from tests.unit.sla.test_clock_order import interleave, topic_streams


@settings(max_examples=150, deadline=None)
@hgiven(streams=topic_streams(), picks=st.lists(st.booleans(), max_size=12),
        ticks=st.lists(st.integers(min_value=0, max_value=400), max_size=4))
def test_no_decision_changes_the_state_it_was_given(streams, picks, ticks):
    intake, disposition = streams
    inputs = interleave(intake, disposition, picks) + [tick(m) for m in sorted(ticks)]
    run = given()
    for inp in [*inputs, tick(10_000)]:
        given_state, kept = run.state, run.state.model_dump()
        run.when(inp)
        assert given_state.model_dump() == kept
    for esc in run.state.escalations:  # acknowledgements change escalations and commands
        kept = run.state.model_dump()
        with contextlib.suppress(DomainError):  # refused: it must not change it either
            decide(run.state, ack(esc.escalation_id, command_id=f"c-{esc.level}"), POLICIES)
        assert run.state.model_dump() == kept


def paused_and_escalated():
    """A case whose state has every part: facts, a transition, fired steps, escalations."""
    run = given(received(0), paused(10), resumed(20), tick(200))
    acked = run.state.escalations[0].escalation_id
    return run.when(ack(acked), informed(300))


def test_a_working_copy_shares_nothing_the_decider_changes():
    state = paused_and_escalated().state
    assert state.clocks[0].transitions and state.escalations and state.commands
    copy = working_copy(state)
    assert copy == state
    assert copy.sequences is not state.sequences and copy.applied is not state.applied
    assert all(copy.facts[p] is not state.facts[p] for p in state.facts)
    for a, b in zip(copy.clocks, state.clocks, strict=True):
        assert a is not b and a.steps is not b.steps and a.transitions is not b.transitions
        assert all(x is not y for x, y in zip(a.steps, b.steps, strict=True))
    assert all(a is not b for a, b in zip(copy.escalations, state.escalations, strict=True))
    assert copy.commands is not state.commands


def test_folding_an_own_event_leaves_the_state_it_was_given():
    run = given(received(0), paused(10), resumed(20))
    decision = decide(run.state, tick(200), POLICIES)
    assert decision.events
    kept = run.state.model_dump()
    for env in envelopes_for(run.state, tick(200), decision.events):
        assert fold_own(run.state, env) is not None
    assert run.state.model_dump() == kept
