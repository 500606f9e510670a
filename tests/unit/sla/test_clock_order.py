"""Arrival order: each topic delivers its own events in order, but the topics interleave
arbitrarily (more so when the service catches up after a restart). Whatever the
interleaving, the clocks end up the same and the ladder raises the same escalations."""

from __future__ import annotations

from hypothesis import given as hgiven
from hypothesis import settings
from hypothesis import strategies as st

from tests.unit.sla.clock_support import (
    cancelled,
    directed,
    given,
    informed,
    paused,
    received,
    resumed,
    tick,
    walk_in,
    withdrawn,
)

minutes = st.integers(min_value=0, max_value=150)


@st.composite
def topic_streams(draw):
    """Facts of one case on the intake and disposition topics, each topic in time order."""
    intake, disposition = [], []
    start = draw(minutes)
    disposition.append(received(start, source="disposition"))
    if draw(st.booleans()):
        p = draw(st.integers(min_value=start, max_value=200))
        disposition.append(paused(p, source="disposition"))
        if draw(st.booleans()):
            disposition.append(resumed(draw(st.integers(min_value=p, max_value=250)),
                                       source="disposition"))
    end = draw(st.sampled_from(["none", "informed", "cancelled"]))
    if end != "none":
        last = max(f.time for f in disposition)
        t = draw(st.integers(min_value=0, max_value=300))
        fact = informed(t, source="disposition") if end == "informed" else cancelled(
            t, source="disposition")
        if fact.time >= last:
            disposition.append(fact)
    w = draw(minutes)
    if draw(st.booleans()):
        intake.append(walk_in(w, source="intake"))
        if draw(st.booleans()):
            disposition.append(directed(draw(st.integers(min_value=0, max_value=100)),
                                        source="disposition"))
    if draw(st.booleans()):
        intake.append(withdrawn(draw(st.integers(min_value=0, max_value=300)), source="intake"))
    disposition.sort(key=lambda f: f.time)
    intake.sort(key=lambda f: f.time)
    for seq, f in enumerate(disposition, 1):
        f.sequence = seq
    for seq, f in enumerate(intake, 1):
        f.sequence = seq
    return intake, disposition


def interleave(a: list, b: list, picks: list[bool]) -> list:
    out, i, j = [], 0, 0
    for pick in picks:
        if pick and i < len(a):
            out.append(a[i])
            i += 1
        elif j < len(b):
            out.append(b[j])
            j += 1
    return out + a[i:] + b[j:]


def outcome(facts: list) -> tuple:
    run = given(*facts).when(tick(10_000))
    clocks = sorted(
        (k.policy_id, k.started_at, k.state, k.stopped_at, k.elapsed_seconds,
         k.due_at if k.is_open else None)
        for k in run.state.clocks)
    raised_last = sorted((e.policy_id, e.level) for e in run.events("EscalationRaised"))
    return tuple(clocks), tuple(raised_last)


@settings(max_examples=300, deadline=None)
@hgiven(streams=topic_streams(), picks=st.lists(st.booleans(), max_size=12))
def test_any_interleaving_of_the_topics_gives_the_same_clocks(streams, picks):
    intake, disposition = streams
    in_order = sorted(intake + disposition, key=lambda f: (f.time, f.source == "intake"))
    assert outcome(interleave(intake, disposition, picks)) == outcome(in_order)


@settings(max_examples=200, deadline=None)
@hgiven(streams=topic_streams(), picks=st.lists(st.booleans(), max_size=12))
def test_redelivering_everything_again_changes_nothing(streams, picks):
    intake, disposition = streams
    facts = interleave(intake, disposition, picks)
    run = given(*facts)
    before = run.state.model_dump()
    assert run.when(*facts).types() == []
    assert run.state.model_dump() == before


def test_every_order_of_start_stop_and_cancel_from_two_topics_agrees():
    a = [walk_in(0, source="intake", seq=1), withdrawn(40, source="intake", seq=2)]
    b = [directed(10, source="disposition", seq=1)]
    orders = [a + b, [a[0], b[0], a[1]], [b[0], *a]]
    results = {outcome(order) for order in orders}
    assert len(results) == 1
    ((policy, _, state, stopped_at, _, _),), _ = results.pop()
    assert (policy, state) == ("walk-in", "met")
