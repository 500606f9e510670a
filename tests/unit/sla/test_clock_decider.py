"""The clock decider, one behaviour per test: given facts, when an input, then events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from contracts import Envelope, deterministic_id
from contracts.base import Event
from contracts.topics import ESCALATIONS, SLA
from services.sla.clocks import clock_id_for
from services.sla.domain import (
    AlreadyAcknowledged,
    AlreadyResolved,
    CommandRecord,
    DomainError,
    Emitted,
    EscalationNotFound,
    SubjectState,
    decide,
)
from tests.unit.sla.clock_support import (
    CASE,
    T0,
    ack,
    at,
    cancelled,
    directed,
    fact,
    given,
    informed,
    paused,
    received,
    resumed,
    tick,
    walk_in,
    withdrawn,
)

INFORM_CLOCK = clock_id_for(CASE, "inform", 1)


def escalation_id(level: int, reason: str, clock_id: str = INFORM_CLOCK) -> str:
    return deterministic_id("escalation", clock_id, level, reason)


# --- start -----------------------------------------------------------------------------


def test_disposition_received_starts_the_inform_clock():
    run = given(received(0))
    assert run.types() == ["ClockStarted"]
    started = run.events()[0]
    assert started.clock_id == INFORM_CLOCK
    assert (started.started_at, started.due_at) == (at(0), at(60))
    assert started.calendar_id == "wall"
    assert run.clock.state == "running"
    assert run.state.next_due() == at(45)


def test_a_redelivered_start_changes_nothing():
    start = received(0, seq=1)
    run = given(start)
    before = run.state.model_dump()
    assert run.when(start).types() == []
    assert run.state.model_dump() == before


def test_a_second_start_while_running_is_absorbed():
    run = given(received(0, seq=1), received(10, seq=2, event_id="again"))
    assert [e.type for e in run.history] == ["ClockStarted"]


def test_only_an_urgent_walk_in_starts_the_walk_in_clock():
    assert given(walk_in(0, urgent=False)).types() == []
    run = given(walk_in(0))
    assert run.types() == ["ClockStarted"]
    assert run.events()[0].due_at == at(30)


def test_a_working_time_policy_is_due_in_working_time():
    # Tuesday 16:00 WIB + 1 working day (8 h), Wednesday a holiday -> Thursday 16:00 WIB
    filed = fact("ComplaintFiled", 0, complaint_id="cp-1").model_copy(
        update={"time": datetime(2026, 4, 7, 9, 0, tzinfo=UTC)})
    run = given(filed, subject="cp-1")
    assert run.events()[0].due_at == datetime(2026, 4, 9, 9, 0, tzinfo=UTC)
    assert run.events()[0].calendar_id == "test"


# --- stop --------------------------------------------------------------------------------


def test_informing_before_the_due_stops_the_clock_as_met():
    run = given(received(0)).when(informed(20))
    assert run.types() == ["ClockStopped"]
    stopped = run.events()[0]
    assert (stopped.outcome, stopped.stopped_at) == ("met", at(20))
    assert stopped.elapsed_working_seconds == 20 * 60
    assert run.clock.state == "met" and run.state.next_due() is None


def test_a_met_clock_raises_nothing_on_later_ticks():
    run = given(received(0), informed(20)).when(tick(45), tick(60), tick(200))
    assert run.types() == []


def test_elapsed_working_seconds_count_only_working_time():
    # filed Tuesday 16:00 WIB, verified Thursday 09:00 WIB: 1 h Tue + 0 Wed (holiday) + 1 h Thu
    filed = fact("ComplaintFiled", 0, complaint_id="cp-1").model_copy(
        update={"time": datetime(2026, 4, 7, 9, 0, tzinfo=UTC)})
    verified = fact("ComplaintVerified", 0, complaint_id="cp-1").model_copy(
        update={"time": datetime(2026, 4, 9, 2, 0, tzinfo=UTC)})
    run = given(filed, subject="cp-1").when(verified)
    assert run.events("ClockStopped")[0].elapsed_working_seconds == 2 * 3600
    assert run.events("ClockStopped")[0].outcome == "met"


def test_a_stop_exactly_at_the_due_is_met_and_one_after_is_breached():
    assert given(received(0)).when(informed(60)).events()[0].outcome == "met"
    late = given(received(0)).when(informed(61))
    assert late.types() == ["ClockBreached", "ClockStopped"]
    assert late.events("ClockStopped")[0].outcome == "breached"


def test_cancelling_stops_the_clock_as_cancelled():
    run = given(received(0)).when(cancelled(10))
    assert run.types() == ["ClockStopped"]
    assert run.events()[0].outcome == "cancelled"


def test_a_withdrawal_cancels_both_clocks_it_names():
    run = given(walk_in(0)).when(withdrawn(5))
    assert [e.outcome for e in run.events("ClockStopped")] == ["cancelled"]


# --- pause and resume --------------------------------------------------------------------


def test_pausing_stops_the_ladder_and_resuming_pushes_the_due():
    run = given(received(0)).when(paused(30))
    assert run.types() == ["ClockPaused"]
    assert run.clock.state == "paused" and run.state.next_due() is None
    assert run.when(tick(50)).types() == []
    run.when(resumed(90))
    assert run.types() == ["ClockResumed"]
    assert run.events()[0].due_at == at(120)  # 30 min used, 30 left from 90
    assert run.state.next_due() == at(105)  # the 75 % step: 45 min of use


def test_time_paused_does_not_count_as_elapsed():
    run = given(received(0), paused(30), resumed(90)).when(informed(100))
    stopped = run.events("ClockStopped")[0]
    assert stopped.outcome == "met" and stopped.elapsed_working_seconds == 40 * 60


def test_stopping_a_paused_clock_uses_the_time_before_the_pause():
    run = given(received(0), paused(30)).when(informed(200))
    stopped = run.events("ClockStopped")[0]
    assert (stopped.outcome, stopped.elapsed_working_seconds) == ("met", 30 * 60)


# --- ladder ------------------------------------------------------------------------------


def test_nothing_fires_before_the_first_step():
    assert given(received(0)).when(tick(44.9)).types() == []


def test_at_risk_raises_level_one_to_the_division_head_of_the_case():
    run = given(received(0, division="rehsos")).when(tick(45))
    assert run.types() == ["ClockAtRisk", "EscalationRaised"]
    risk, raised = run.events()
    assert risk.threshold_pct == 75
    assert (raised.level, raised.reason, raised.to_role) == (1, "at_risk", "division_head")
    assert raised.to_division == "rehsos"
    assert raised.escalation_id == escalation_id(1, "at_risk")
    assert (raised.scheduled_at, raised.raised_at, raised.due_at) == (at(45), at(45), at(60))


def test_breach_raises_level_two_and_announces_the_breach():
    run = given(received(0), tick(45)).when(tick(60.01))
    assert run.types() == ["ClockBreached", "EscalationRaised"]
    breached, raised = run.events()
    assert breached.due_at == at(60) and breached.breached_at == at(60.01)
    assert (raised.level, raised.reason, raised.to_role) == (2, "breached", "division_head")


def test_level_three_goes_to_the_head_of_office_past_the_breach():
    run = given(received(0)).when(tick(45), tick(60), tick(89))
    assert run.when(tick(90)).types() == ["EscalationRaised"]
    raised = run.events()[0]
    assert (raised.level, raised.to_role, raised.to_division) == (3, "head_of_office", None)


def test_every_step_fires_exactly_once_however_many_ticks():
    run = given(received(0)).when(*(tick(m) for m in range(0, 200, 5)), tick(45), tick(90))
    raised = run.all("EscalationRaised")
    assert [r.level for r in raised] == [1, 2, 3]
    assert len(run.all("ClockBreached")) == 1 and len(run.all("ClockAtRisk")) == 1


def test_a_late_tick_fires_every_passed_step_once_in_ladder_order():
    run = given(received(0)).when(tick(500))
    assert run.types() == ["ClockAtRisk", "EscalationRaised", "ClockBreached",
                           "EscalationRaised", "EscalationRaised"]
    assert [e.level for e in run.events("EscalationRaised")] == [1, 2, 3]
    assert {e.raised_at for e in run.events("EscalationRaised")} == {at(500)}


def test_a_clock_without_a_division_escalates_without_one():
    run = given(walk_in(0)).when(tick(15), tick(30))
    first, second = run.all("EscalationRaised")
    assert (first.to_role, first.to_division) == ("secretariat", None)
    assert (second.to_role, second.reason) == ("head_of_office", "breached")


def test_a_division_learned_after_the_start_is_used_for_later_escalations():
    run = given(received(0, division=""), fact("CaseDisposed", 1, division="linjamsos"))
    assert run.when(tick(45)).events("EscalationRaised")[0].to_division == "linjamsos"


def test_stopping_after_a_breach_resolves_open_escalations_as_met_late():
    run = given(received(0), tick(45), tick(60)).when(informed(70))
    assert run.types() == ["ClockStopped", "EscalationResolved", "EscalationResolved"]
    assert run.events("ClockStopped")[0].outcome == "breached"
    assert {e.resolution for e in run.events("EscalationResolved")} == {"clock_met_late"}


def test_stopping_after_at_risk_resolves_it_as_stopped():
    run = given(received(0), tick(45)).when(informed(50))
    assert run.types() == ["ClockStopped", "EscalationResolved"]
    assert run.events("EscalationResolved")[0].resolution == "clock_stopped"


def test_cancelling_resolves_open_escalations_as_cancelled():
    run = given(received(0), tick(45)).when(cancelled(50))
    assert run.events("EscalationResolved")[0].resolution == "cancelled"


def test_a_stop_after_the_due_without_any_tick_still_announces_the_breach():
    run = given(received(0)).when(informed(300))
    assert run.types() == ["ClockBreached", "ClockStopped"]
    assert run.all("EscalationRaised") == []


# --- arrival order -----------------------------------------------------------------------


def test_a_stop_delivered_before_its_start_waits_for_it():
    run = given(informed(20))
    assert run.types() == [] and run.state.clocks == []
    run.when(received(0))
    assert run.types() == ["ClockStarted", "ClockStopped"]
    assert run.events("ClockStopped")[0].outcome == "met"


def test_a_cancel_delivered_before_its_start_cancels_it():
    run = given(withdrawn(10)).when(walk_in(0))
    assert run.types() == ["ClockStarted", "ClockStopped"]
    assert run.events("ClockStopped")[0].outcome == "cancelled"


def test_a_stop_from_before_the_start_does_not_stop_it():
    run = given(informed(-5)).when(received(0))
    assert run.types() == ["ClockStarted"]
    assert run.clock.state == "running"


def test_a_resume_delivered_before_its_pause_is_applied_after_it():
    run = given(received(0), resumed(90)).when(paused(30))
    assert run.types() == ["ClockPaused", "ClockResumed"]
    assert run.clock.due_at == at(120)


def test_an_earlier_stop_delivered_after_a_later_cancel_corrects_the_outcome():
    run = given(walk_in(0), withdrawn(40)).when(directed(10))
    stops = run.all("ClockStopped")
    assert [(s.outcome, s.stopped_at) for s in stops] == [("cancelled", at(40)), ("met", at(10))]
    assert run.clock.state == "met" and run.clock.stopped_at == at(10)


def test_a_late_pause_corrects_the_elapsed_time_of_a_stopped_clock():
    run = given(received(0), informed(100)).when(paused(30), resumed(90))
    stops = run.all("ClockStopped")  # each late fact publishes a corrected stop
    assert [(s.outcome, s.elapsed_working_seconds) for s in stops] == [
        ("breached", 100 * 60), ("met", 30 * 60), ("met", 40 * 60)]
    assert run.clock.elapsed_seconds == 40 * 60 and run.clock.state == "met"
    assert len({e.id for e in run.history}) == len(run.history)


def test_a_later_start_after_a_stop_is_a_new_cycle():
    run = given(received(0, seq=1), informed(10, seq=2)).when(received(30, seq=3, event_id="x"))
    assert run.types() == ["ClockStarted"]
    assert run.events()[0].clock_id == clock_id_for(CASE, "inform", 2)
    assert [k.state for k in run.state.clocks] == ["met", "running"]


# --- acknowledgement ---------------------------------------------------------------------


def test_an_open_escalation_can_be_acknowledged_once():
    esc = escalation_id(1, "at_risk")
    run = given(received(0), tick(45)).when(ack(esc, note="sedang ditangani"))
    assert run.types() == ["EscalationAcknowledged"]
    event = run.events()[0]
    assert (event.escalation_id, event.acknowledged_by, event.note) == (
        esc, "kabid-rehsos", "sedang ditangani")
    assert run.last.reply.command_id == "cmd-1"
    assert run.last.reply.body == {"escalation_id": esc, "case_id": CASE,
                                   "status": "acknowledged",
                                   "events": [{"id": run.last_batch[0].id,
                                               "type": "EscalationAcknowledged"}]}
    with pytest.raises(AlreadyAcknowledged):
        decide(run.state, ack(esc, command_id="cmd-2"), run.policies)


def test_the_same_acknowledge_command_again_answers_the_same_and_writes_nothing():
    esc = escalation_id(1, "at_risk")
    run = given(received(0), tick(45), ack(esc))
    first = run.last.reply
    assert run.when(ack(esc)).types() == [] and run.last.reply == first


def test_an_unknown_escalation_cannot_be_acknowledged():
    run = given(received(0))
    with pytest.raises(EscalationNotFound):
        decide(run.state, ack("nope"), run.policies)


def test_a_resolved_escalation_cannot_be_acknowledged():
    esc = escalation_id(1, "at_risk")
    run = given(received(0), tick(45), informed(50))
    with pytest.raises(AlreadyResolved):
        decide(run.state, ack(esc), run.policies)


def test_acknowledged_escalations_are_resolved_when_the_clock_stops():
    esc = escalation_id(1, "at_risk")
    run = given(received(0), tick(45), ack(esc)).when(informed(50))
    assert run.types() == ["ClockStopped", "EscalationResolved"]
    assert run.state.escalation(esc).state == "resolved"


# --- envelopes ---------------------------------------------------------------------------


def test_sequences_count_per_output_topic_with_one_source_each():
    run = given(received(0), tick(45), tick(60))
    by_topic: dict[str, list] = {}
    for env in run.history:
        by_topic.setdefault(env.topic, []).append(env)
    assert [e.sequence for e in by_topic[SLA]] == [1, 2, 3]
    assert [e.sequence for e in by_topic[ESCALATIONS]] == [1, 2]
    assert {e.source for e in by_topic[SLA]} == {"sla"}
    assert {e.source for e in by_topic[ESCALATIONS]} == {"sla/escalations"}
    assert all(e.subject == CASE for e in run.history)


def test_the_same_inputs_give_identical_envelopes():
    inputs = [received(0, seq=1), tick(45), tick(61), informed(70, seq=2)]
    first, second = given(*inputs).history, given(*inputs).history
    assert first == second
    assert len({e.id for e in first}) == len(first)


def test_events_carry_their_cause():
    start = received(0)
    run = given(start).when(tick(45))
    assert run.history[0].causationid == start.event_id
    assert run.history[1].causationid == "tick-45"


def test_the_decider_does_not_touch_the_state_it_is_given():
    run = given(received(0))
    before = run.state.model_dump()
    decide(run.state, tick(500), run.policies)
    assert run.state.model_dump() == before


@pytest.mark.parametrize("inputs, then", [
    ([], received(0, seq=1)),  # a start
    ([received(0, seq=1)], received(0, seq=1)),  # redelivered
    ([received(0)], paused(10)),  # a pause
    ([received(0)], tick(45)),  # a ladder step fires
    ([received(0)], tick(90)),  # steps and the breach
    ([received(0)], tick(5)),  # nothing due
    ([received(0), tick(45)], informed(50)),  # stop, escalation resolved
    ([received(0), tick(45)], ack(escalation_id(1, "at_risk"))),  # acknowledged
    ([received(0), tick(45), ack(escalation_id(1, "at_risk"))],
     ack(escalation_id(1, "at_risk"))),  # the same command again
])
def test_no_input_changes_the_state_given_to_the_decider(inputs, then):
    run = given(*inputs)
    before = run.state.model_dump()
    decision = decide(run.state, then, run.policies)
    assert run.state.model_dump() == before
    again = decide(run.state, then, run.policies)
    assert again.state == decision.state and again.events == decision.events


@pytest.mark.parametrize("refused", [ack("nope", command_id="cmd-3"),
                                     ack(escalation_id(1, "at_risk"), command_id="cmd-2")])
def test_a_refused_command_changes_nothing_either(refused):
    run = given(received(0), tick(45), ack(escalation_id(1, "at_risk")))
    before = run.state.model_dump()
    with pytest.raises(DomainError):
        decide(run.state, refused, run.policies)
    assert run.state.model_dump() == before


def test_the_decider_returns_events_not_envelopes():
    run = given(received(0))
    decision = decide(run.state, tick(90), run.policies)
    assert [e.type for e in decision.events] == [
        "ClockAtRisk", "EscalationRaised", "ClockBreached", "EscalationRaised",
        "EscalationRaised"][:len(decision.events)]
    for emitted in decision.events:
        assert isinstance(emitted, Emitted) and isinstance(emitted.event, Event)
        assert not isinstance(emitted.event, Envelope)
        assert emitted.id == deterministic_id("sla-event", *emitted.id_parts)
    assert isinstance(decision.state, SubjectState) and decision.state is not run.state


def test_the_decided_state_counts_the_sequences_the_envelopes_carry():
    run = given(received(0), tick(45), tick(61), paused(62), resumed(70), informed(80))
    last: dict[str, int] = {}
    for env in run.history:
        assert env.sequence == last.get(env.topic, 0) + 1
        last[env.topic] = env.sequence
    assert run.state.sequences == last


def test_a_stored_answer_with_an_http_status_still_loads():
    """Table values written when the record kept its HTTP status."""
    record = CommandRecord.model_validate({"command_id": "c", "status": 200, "body": {"a": 1}})
    assert record == CommandRecord(command_id="c", body={"a": 1})


def test_state_survives_a_json_round_trip():
    from services.sla.domain import SubjectState

    run = given(received(0), paused(10), resumed(20), tick(60))
    again = SubjectState.model_validate_json(run.state.model_dump_json())
    assert again == run.state
    assert decide(again, tick(500), run.policies).events == decide(
        run.state, tick(500), run.policies).events


def test_due_is_in_utc():
    assert given(received(0)).clock.due_at.utcoffset() == timedelta(0)
    assert T0.tzinfo is UTC


# --- the default policy file -------------------------------------------------------------


def test_the_default_policies_give_the_sop_deadlines():
    from chassis.settings import Settings
    from services.sla.app import load_config

    defaults = load_config(Settings()).policies
    monday_9 = datetime(2026, 4, 6, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB
    start = received(0).model_copy(update={"time": monday_9})
    run = given(start, policy_set=defaults)
    (started,) = run.events("ClockStarted")
    assert (started.policy_id, started.calendar_id) == ("inform-applicant", "office")
    # 7 h 30 of office time: Mon 09:00-12:00, 13:00-16:00, then Tue 07:30-09:00 WIB
    assert started.due_at == datetime(2026, 4, 7, 2, 0, tzinfo=UTC)
    walk = given(walk_in(0), policy_set=defaults)
    (started,) = walk.events("ClockStarted")
    assert (started.policy_id, started.due_at) == ("direct-walk-in", at(30))
    walk.when(tick(15), tick(30))
    assert [(e.level, e.to_role) for e in walk.all("EscalationRaised")] == [
        (1, "secretariat"), (2, "head_of_office")]
