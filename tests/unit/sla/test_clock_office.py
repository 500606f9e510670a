"""The clocks of the office's workflow (issue 12) with the default policy file: a declined
audience stops the 1-day clock (met if in time), a returned disposition cancels it and the
next receipt starts a fresh one, the office targets (dispose, receive, report) escalate as
written, and escalations carry the case's division (none after a return)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chassis.settings import Settings
from services.sla.app import load_config
from services.sla.clocks import clock_id_for
from services.sla.domain import Tick
from tests.unit.sla.clock_support import CASE, fact, given

DEFAULTS = load_config(Settings()).policies
MON_9 = datetime(2026, 4, 6, 2, 0, tzinfo=UTC)  # Monday 09:00 WIB, a working day
WORKING_DAY = timedelta(hours=7, minutes=30)


def on(event_type: str, when: datetime, source: str = "disposition", **data):
    f = fact(event_type, 0, source=source, event_id=f"{event_type}@{when.isoformat()}", **data)
    return f.model_copy(update={"time": when})


def tick(when: datetime) -> Tick:
    return Tick(command_id=f"tick@{when.isoformat()}", at=when)


def office(*inputs):
    return given(*inputs, policy_set=DEFAULTS)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def registered(when=MON_9):
    return on("RequestRegistered", when, source="intake", agenda_number="005/1/2026",
              registered_at=when.isoformat())


def disposed(when, division="rehsos"):
    return on("CaseDisposed", when, division=division)


def received(when, division="rehsos"):
    return on("DispositionReceived", when, division=division)


def returned(when, division="rehsos"):
    return on("DispositionReturned", when, division=division, reason="salah bidang")


def stopped(run, policy_id):
    return [e for e in run.all("ClockStopped") if e.policy_id == policy_id]


def started(run, policy_id):
    return [e for e in run.all("ClockStarted") if e.policy_id == policy_id]


# --- the standard's 1-day clock ------------------------------------------------------------
def test_a_declined_audience_in_time_stops_the_one_day_clock_as_met():
    run = office(received(MON_9), on("AudienceDeclined", MON_9 + hours(1), reason="x",
                                     channel="letter", message="maaf"))
    [stop] = stopped(run, "inform-applicant")
    assert (stop.outcome, stop.stopped_at) == ("met", MON_9 + hours(1))
    assert run.all("EscalationRaised") == []


def test_a_declined_audience_after_the_day_is_breached():
    run = office(received(MON_9), on("AudienceDeclined", MON_9 + timedelta(days=1, hours=1)))
    [stop] = stopped(run, "inform-applicant")
    assert stop.outcome == "breached"


def test_a_returned_disposition_cancels_the_clock_and_the_next_receipt_starts_a_fresh_one():
    later = MON_9 + timedelta(days=1)  # Tuesday 09:00
    run = office(registered(), disposed(MON_9 + hours(0.5)), received(MON_9 + hours(1)),
                 returned(MON_9 + hours(2)))
    [cancel] = stopped(run, "inform-applicant")
    assert (cancel.outcome, cancel.clock_id) == (
        "cancelled", clock_id_for(CASE, "inform-applicant", 1))
    run.when(disposed(later, "linjamsos"), received(later + hours(1), "linjamsos"))
    first, fresh = started(run, "inform-applicant")
    assert fresh.clock_id == clock_id_for(CASE, "inform-applicant", 2)
    assert fresh.started_at == later + hours(1)
    assert fresh.due_at == run.policies.schedule("inform-applicant", later + hours(1)).due
    assert first.due_at != fresh.due_at
    assert [k.state for k in run.state.clocks if k.policy_id == "inform-applicant"] == [
        "cancelled", "running"]


def test_a_tick_after_the_cancelled_clocks_due_raises_nothing_for_it():
    run = office(received(MON_9), returned(MON_9 + hours(1)))
    run.when(tick(MON_9 + timedelta(days=2)))
    assert [e.policy_id for e in run.events("EscalationRaised")] == ["dispose-request",
                                                                      "dispose-request"]


# --- the office's targets ------------------------------------------------------------------
def test_a_registered_request_not_disposed_within_a_working_day_goes_to_the_secretariat():
    run = office(registered())
    [clock] = started(run, "dispose-request")
    assert clock.due_at == MON_9 + timedelta(days=1)  # 7h30 of office time later
    run.when(tick(clock.due_at - timedelta(seconds=1)))
    assert run.events("EscalationRaised") == []
    run.when(tick(clock.due_at))
    [esc] = run.events("EscalationRaised")
    assert (esc.policy_id, esc.to_role, esc.to_division, esc.division) == (
        "dispose-request", "secretariat", None, None)
    run.when(tick(clock.due_at + hours(2)))
    assert [e.to_role for e in run.events("EscalationRaised")] == ["head_of_office"]


def test_disposing_in_time_meets_the_target_and_starts_the_receipt_clock():
    run = office(registered(), disposed(MON_9 + hours(3)))
    assert [s.outcome for s in stopped(run, "dispose-request")] == ["met"]
    [receipt] = started(run, "receive-disposition")
    # from Monday 12:00 WIB: 13:00-16:00 (the lunch hour not counted), Tuesday 07:30-08:30
    assert receipt.due_at == MON_9 + hours(23.5)


def test_a_disposition_not_received_in_four_hours_goes_to_the_head_of_office_with_division():
    run = office(registered(), disposed(MON_9, "pmd"))
    [receipt] = started(run, "receive-disposition")
    run.when(tick(receipt.due_at))
    [esc] = run.events("EscalationRaised")
    assert (esc.policy_id, esc.to_role, esc.to_division, esc.division) == (
        "receive-disposition", "head_of_office", None, "pmd")


def test_a_returned_disposition_cancels_the_receipt_clock_and_restarts_the_dispose_clock():
    run = office(registered(), disposed(MON_9 + hours(1)), returned(MON_9 + hours(2)))
    assert [s.outcome for s in stopped(run, "receive-disposition")] == ["cancelled"]
    first, again = started(run, "dispose-request")
    assert again.started_at == MON_9 + hours(2)
    assert again.clock_id == clock_id_for(CASE, "dispose-request", 2)


def test_after_a_return_the_case_has_no_division_even_if_an_older_fact_arrives_late():
    run = office(registered(), returned(MON_9 + hours(2)), disposed(MON_9 + hours(1)))
    assert run.state.division is None
    [clock] = [k for k in run.state.clocks if k.policy_id == "dispose-request" and k.is_open]
    run.when(tick(clock.due_at))
    assert {e.division for e in run.events("EscalationRaised")} == {None}


def test_the_report_is_due_three_working_days_after_the_audience_and_again_after_a_return():
    run = office(received(MON_9 - timedelta(days=3)), on("AudienceHeld", MON_9))
    [clock] = started(run, "submit-report")
    assert clock.due_at == MON_9 + timedelta(days=3)
    run.when(tick(clock.due_at))
    [esc] = [e for e in run.events("EscalationRaised") if e.policy_id == "submit-report"]
    assert (esc.to_role, esc.to_division, esc.division) == (
        "division_head", "rehsos", "rehsos")
    run.when(on("ResultReportSubmitted", clock.due_at + hours(1)),
             on("ResultReportReturned", clock.due_at + hours(2), from_status="reported"))
    assert [s.outcome for s in stopped(run, "submit-report")] == ["breached"]
    assert len(started(run, "submit-report")) == 2


@pytest.mark.parametrize("event_type", ["CaseCancelled", "RequestWithdrawn"])
def test_cancelling_the_case_cancels_every_office_target(event_type):
    run = office(registered(), disposed(MON_9 + hours(1)),
                 on(event_type, MON_9 + hours(2),
                    source="intake" if event_type == "RequestWithdrawn" else "disposition"))
    assert [k.state for k in run.state.clocks] == ["met", "cancelled"]


# --- the read model's escalation indexes -----------------------------------------------------
class RecordingPipe:
    def __init__(self) -> None:
        self.hashes: dict[str, dict] = {}
        self.sets: set[str] = set()

    def hset(self, key, mapping):
        self.hashes[key] = mapping

    def zadd(self, key, members):
        self.sets.add(key)

    def zrem(self, key, member):
        pass


def test_escalations_are_indexed_by_the_cases_division_and_by_the_role_addressed():
    from services.sla.readmodel import NEW, PREFIX, write_changes

    run = office(registered(), disposed(MON_9, "pmd"))
    [receipt] = started(run, "receive-disposition")
    run.when(tick(receipt.due_at))
    pipe = RecordingPipe()
    write_changes(pipe, NEW, run.state)
    [view] = [v for k, v in pipe.hashes.items() if k.startswith(f"{PREFIX}esc:")]
    assert (view["to_role"], view["to_division"], view["division"]) == (
        "head_of_office", "", "pmd")
    assert {f"{PREFIX}escs:div:pmd:open", f"{PREFIX}escs:to:head_of_office:open",
            f"{PREFIX}escs:open"} <= pipe.sets
    assert not any(key.startswith(f"{PREFIX}escs:to:secretariat") for key in pipe.sets)


def test_every_step_of_a_letter_case_is_watched_by_some_clock_until_the_closure():
    """Walk a letter case through the standard (with a return of the report): after each
    step but the notification (the audience's date is the applicant's), a clock runs."""
    steps = [registered(), disposed(MON_9 + hours(1)), received(MON_9 + hours(2)),
             on("OfficerAssigned", MON_9 + hours(3), officer_id="p"),
             on("ApplicantInformed", MON_9 + hours(4)),
             on("AudienceHeld", MON_9 + hours(5)),
             on("ResultReportSubmitted", MON_9 + hours(6)),
             on("ResultReportForwarded", MON_9 + hours(7)),
             on("ResultReportReturned", MON_9 + hours(8), from_status="forwarded"),
             on("ResultReportSubmitted", MON_9 + hours(9)),
             on("ResultReportForwarded", MON_9 + hours(10)),
             on("CaseClosed", MON_9 + hours(11))]
    run = office()
    running = []
    for step in steps:
        run.when(step)
        running.append((step.event_type, sorted(k.policy_id for k in run.state.clocks
                                                if k.is_open)))
    assert running == [
        ("RequestRegistered", ["dispose-request"]),
        ("CaseDisposed", ["receive-disposition"]),
        ("DispositionReceived", ["inform-applicant"]),
        ("OfficerAssigned", ["inform-applicant"]),
        ("ApplicantInformed", []),
        ("AudienceHeld", ["submit-report"]),
        ("ResultReportSubmitted", ["forward-report"]),
        ("ResultReportForwarded", ["close-case"]),
        ("ResultReportReturned", ["submit-report"]),
        ("ResultReportSubmitted", ["forward-report"]),
        ("ResultReportForwarded", ["close-case"]),
        ("CaseClosed", []),
    ]
    assert {k.state for k in run.state.clocks} == {"met", "cancelled"}


def test_a_declined_audience_waits_for_its_closure_under_a_clock():
    run = office(received(MON_9), on("AudienceDeclined", MON_9 + hours(1)))
    [clock] = [k for k in run.state.clocks if k.is_open]
    assert clock.policy_id == "close-case"
    run.when(tick(clock.due_at))
    assert [(e.policy_id, e.to_role) for e in run.events("EscalationRaised")] == [
        ("close-case", "secretariat")]
