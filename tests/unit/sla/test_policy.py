"""The SLA policy file: loading, validation with line numbers, matching, schedules."""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from services.sla.calendar import load_calendars
from services.sla.durations import ConfigError
from services.sla.policy import load_policies, parse_policies

ROOT = Path(__file__).resolve().parents[3]
CALENDARS = load_calendars(ROOT / "config" / "calendar")
POLICIES = load_policies(ROOT / "config" / "sla-policies.yaml", CALENDARS)
WIB = ZoneInfo("Asia/Jakarta")
SOURCE = "config/sla-policies.yaml"


def wib(y, m, d, hh=0, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=WIB).astimezone(UTC)


# --- the default file --------------------------------------------------------------------


def test_the_default_file_has_the_standards_four_and_the_offices_three_targets():
    assert POLICIES.ids == (
        "inform-applicant", "direct-walk-in", "complaint-verify", "complaint-respond",
        "dispose-request", "receive-disposition", "submit-report", "forward-report",
        "close-case",
    )  # fmt: skip
    assert [p.kind for p in POLICIES] == ["standard"] * 4 + ["office_target"] * 5


def test_the_office_targets_are_one_day_four_hours_three_days_with_their_ladders():
    working_day = timedelta(hours=7, minutes=30)
    dispose, receive, report = (POLICIES[i] for i in (
        "dispose-request", "receive-disposition", "submit-report"))
    assert (dispose.duration, receive.duration, report.duration) == (
        working_day, timedelta(hours=4), 3 * working_day)
    assert all((p.time, p.calendar_id) == ("working", "office")
               for p in (dispose, receive, report))
    assert [(s.at, s.to_role) for s in dispose.escalations] == [
        ("100%", "secretariat"), ("100% + PT2H", "head_of_office")]
    assert [(s.at, s.to_role) for s in receive.escalations] == [("100%", "head_of_office")]
    assert [(s.at, s.to_role) for s in report.escalations] == [("100%", "division_head")]
    assert [t.event for t in dispose.starts_on] == ["RequestRegistered", "DispositionReturned"]
    assert [t.event for t in report.starts_on] == ["AudienceHeld", "ResultReportReturned"]


def test_a_policy_switched_off_is_checked_and_left_out():
    text = BASE.replace("  - id: direct-walk-in\n", "  - id: direct-walk-in\n    enabled: false\n")
    assert parse_policies(text, SOURCE, CALENDARS).ids == ("inform-applicant",)
    bad = text.replace("enabled: false", "enabled: maybe")
    with pytest.raises(ConfigError, match="enabled"):
        parse_policies(bad, SOURCE, CALENDARS)
    with pytest.raises(ConfigError, match="kind"):
        parse_policies(BASE.replace("  - id: direct-walk-in\n",
                                    "  - id: direct-walk-in\n    kind: wish\n"),
                       SOURCE, CALENDARS)


def test_the_default_file_loads_its_calendars_from_the_folder_next_to_it():
    policies = load_policies(ROOT / "config" / "sla-policies.yaml")
    assert policies.calendar_for("inform-applicant").id == "office"
    assert policies.calendar_for("direct-walk-in").id == "wall"


def test_inform_applicant_is_one_working_day_with_a_three_step_ladder():
    policy = POLICIES["inform-applicant"]
    assert (policy.duration_text, policy.time, policy.calendar_id) == ("P1D", "working", "office")
    assert policy.duration == timedelta(hours=7, minutes=30)  # one working day of the office
    ladder = [(s.level, s.at_fraction, s.delay, s.reason, s.to_role) for s in policy.escalations]
    assert ladder == [
        (1, 0.75, timedelta(0), "at_risk", "division_head"),
        (2, 1.0, timedelta(0), "breached", "division_head"),
        (3, 1.0, timedelta(hours=2), "breached", "head_of_office"),
    ]


def test_direct_walk_in_is_thirty_wall_clock_minutes():
    policy = POLICIES["direct-walk-in"]
    assert (policy.duration, policy.time, policy.calendar_id) == (
        timedelta(minutes=30), "calendar", "wall",
    )  # fmt: skip
    ladder = [(s.at_fraction, s.reason, s.to_role) for s in policy.escalations]
    assert ladder == [(0.5, "at_risk", "secretariat"), (1.0, "breached", "head_of_office")]


def test_complaints_get_three_then_five_working_days():
    verify, respond = POLICIES["complaint-verify"], POLICIES["complaint-respond"]
    assert verify.duration == 3 * timedelta(hours=7, minutes=30)
    assert respond.duration == 5 * timedelta(hours=7, minutes=30)
    assert [t.event for t in respond.starts_on] == ["ComplaintVerified"]
    assert [t.event for t in verify.cancels_on] == ["ComplaintClosed"]


# --- matching ----------------------------------------------------------------------------


def roles(event_type, data=None):
    return [(m.policy.id, m.role) for m in POLICIES.matching(event_type, data or {})]


def test_only_an_urgent_walk_in_starts_the_thirty_minute_clock():
    assert roles("AudienceRequested", {"channel": "walk_in", "urgent": True}) == [
        ("direct-walk-in", "start")
    ]
    assert roles("AudienceRequested", {"channel": "walk_in", "urgent": False}) == []
    assert roles("AudienceRequested", {"channel": "letter"}) == []
    assert roles("AudienceRequested", {"channel": "walk_in", "urgent": 1}) == []  # not a bool


def test_each_event_plays_its_role_for_its_policies():
    assert roles("DispositionReceived") == [("inform-applicant", "start"),
                                            ("receive-disposition", "stop")]
    assert roles("ApplicantInformed") == [("inform-applicant", "stop")]
    assert roles("DispositionReturned") == [
        ("inform-applicant", "cancel"), ("dispose-request", "start"),
        ("receive-disposition", "cancel")]
    assert roles("CaseDisposed") == [("dispose-request", "stop"),
                                     ("receive-disposition", "start")]
    assert roles("CaseCancelled") == [
        ("inform-applicant", "cancel"), ("direct-walk-in", "cancel"),
        ("dispose-request", "cancel"), ("receive-disposition", "cancel"),
        ("submit-report", "cancel"), ("forward-report", "cancel"), ("close-case", "cancel")]
    assert roles("AudienceDeclined") == [("inform-applicant", "stop"), ("close-case", "start")]
    assert roles("ResultReportReturned") == [("submit-report", "start"),
                                             ("forward-report", "cancel"),
                                             ("close-case", "cancel")]
    assert roles("ComplaintVerified") == [
        ("complaint-verify", "stop"), ("complaint-respond", "start"),
    ]  # fmt: skip
    assert roles("ComplaintClosed") == [
        ("complaint-verify", "cancel"), ("complaint-respond", "cancel"),
    ]  # fmt: skip
    assert roles("OfficerAssigned") == []
    assert "OfficerAssigned" not in POLICIES.event_types
    assert "OfficerReassigned" not in POLICIES.event_types
    assert "AudienceRescheduled" not in POLICIES.event_types  # no clock restarts on it


@pytest.mark.parametrize("data", [{}, {"channel": "walk_in", "urgent": True},
                                  {"channel": "walk_in", "urgent": False}, {"channel": "letter"}])
def test_the_index_by_event_type_matches_what_each_policy_says(data):
    from contracts.envelope import EVENT_TYPES
    from tests.unit.sla.clock_support import POLICIES as TEST_POLICIES

    for policies in (POLICIES, TEST_POLICIES):
        for event_type in EVENT_TYPES:
            expected = [(p.id, role) for p in policies for role in p.roles_of(event_type, data)]
            assert [(m.policy.id, m.role) for m in policies.matching(event_type, data)] == \
                expected, event_type


def test_conditions_can_use_lists_and_dotted_fields():
    text = BASE.replace(
        "starts_on: [DispositionReceived]",
        "starts_on: [{event: AudienceRequested, when: {channel: [letter, walk_in],"
        " letter.referral_from: Dinsos Bangka}}]",
    )
    policies = parse_policies(text, SOURCE, CALENDARS)
    referral = {"channel": "letter", "letter": {"referral_from": "Dinsos Bangka"}}
    assert [m.role for m in policies.matching("AudienceRequested", referral)] == ["start"]
    assert policies.matching("AudienceRequested", {"channel": "letter"}) == ()


# --- schedules ---------------------------------------------------------------------------


def test_the_ladder_of_a_clock_started_on_friday_afternoon():
    plan = POLICIES.schedule("inform-applicant", wib(2026, 7, 10, 15))
    assert plan.due == wib(2026, 7, 13, 14, 30)
    assert [s.at for s in plan.steps] == [
        wib(2026, 7, 13, 11, 37) + timedelta(seconds=30),  # 75%: 5h37m30s of working time
        wib(2026, 7, 13, 14, 30),  # breach
        wib(2026, 7, 14, 8, 0),  # 2 working hours past the breach: 1h30 Monday, 30 min Tuesday
    ]


def test_a_wall_clock_ladder():
    start = wib(2026, 3, 21, 23, 50)  # Idul Fitri, late at night: wall time still runs
    plan = POLICIES.schedule("direct-walk-in", start)
    assert plan.due == start + timedelta(minutes=30)
    assert [s.at for s in plan.steps] == [start + timedelta(minutes=15), plan.due]


def test_a_resumed_clock_counts_only_what_is_left():
    resumed = wib(2026, 7, 14, 9)
    plan = POLICIES.schedule("inform-applicant", resumed, consumed=timedelta(hours=6))
    assert plan.due == wib(2026, 7, 14, 10, 30)  # 1h30 left
    assert plan.steps[0].at == resumed  # the 75% point had already passed


# --- invalid files -----------------------------------------------------------------------

BASE = """\
policies:
  - id: inform-applicant
    starts_on: [DispositionReceived]
    stops_on: [ApplicantInformed]
    cancels_on: [CaseCancelled]
    duration: P1D
    time: working
    calendar: office
    escalations:
      - {at: "75%", reason: at_risk, to_role: division_head}
      - {at: "100%", reason: breached, to_role: division_head}
      - {at: "100% + PT2H", reason: breached, to_role: head_of_office}
  - id: direct-walk-in
    starts_on:
      - {event: AudienceRequested, when: {urgent: true}}
    stops_on: [WalkInDirected]
    duration: PT30M
    time: calendar
"""


def test_the_base_of_the_invalid_files_is_valid():
    assert parse_policies(BASE, SOURCE, CALENDARS).ids == ("inform-applicant", "direct-walk-in")


def test_the_wall_clock_is_always_there():
    policies = parse_policies(BASE, SOURCE, {"office": CALENDARS["office"]})
    assert policies.calendar_for("direct-walk-in").id == "wall"


INVALID = [
    # (what is wrong, replace this, with that, line, problem)
    ("bad duration", "duration: P1D", "duration: P1X", 6,
     "duration 'P1X' is not an ISO 8601 duration"),
    ("bad delay", "100% + PT2H", "100% + 2H", 12, "is not an ISO 8601 duration"),
    ("unknown reason", "reason: at_risk", "reason: late", 10,
     "unknown reason 'late' (expected 'at_risk' or 'breached')"),
    ("threshold over 100%", '"75%"', '"150%"', 10, "thresholds run from above 0% up to 100%"),
    ("ladder out of order", '{at: "75%", reason: at_risk', '{at: "100% + PT3H", reason: breached',
     11, "escalation 2 at '100%' comes before escalation 1 at '100% + PT3H'"),
    ("missing id", "  - id: direct-walk-in\n    starts_on:", "  - starts_on:", 13, "missing 'id'"),
    ("unknown calendar", "calendar: office", "calendar: kantor", 8,
     "unknown calendar 'kantor' (known: office)"),
    ("unknown event", "[ApplicantInformed]", "[ApplicantInfromed]", 4, "unknown event"),
    ("unknown field", "when: {urgent: true}", "when: {urgnet: true}", 15,
     "event AudienceRequested has no field 'urgnet'"),
    ("unknown role", "to_role: head_of_office", "to_role: kadis", 12, "unknown to_role 'kadis'"),
    ("misspelt key", "stops_on: [WalkInDirected]", "stop_on: [WalkInDirected]", 16,
     "unknown key 'stop_on' (did you mean 'stops_on'?)"),
    ("duplicate id", "id: direct-walk-in", "id: inform-applicant", 13,
     "policy id 'inform-applicant' is used twice"),
    ("duplicate key", "    time: calendar\n", "    time: calendar\n    time: working\n", 19,
     "duplicate key 'time'"),
    ("breach before 100%", '{at: "75%", reason: at_risk', '{at: "75%", reason: breached', 10,
     "a breach is at '100%' or later"),
    ("zero duration", "PT30M", "PT0S", 17, "must be longer than zero"),
    ("no calendar", "    calendar: office\n", "", 7, "time: working needs a calendar"),
    ("wall calendar", "time: calendar", "time: calendar\n    calendar: office", 19,
     "time: calendar runs on the wall clock"),
    ("pause without resume", "cancels_on: [CaseCancelled]", "pauses_on: [CaseCancelled]", 5,
     "pauses_on and resumes_on go together"),
    ("start and stop", "stops_on: [ApplicantInformed]", "stops_on: [DispositionReceived]", 4,
     "DispositionReceived is in both starts_on and stops_on"),
    ("no stop", "    stops_on: [WalkInDirected]\n", "", 13, "missing 'stops_on'"),
    ("not YAML", "    time: calendar\n", "    time: [calendar\n", 19, "not valid YAML"),
    ("unknown time mode", "time: calendar", "time: wallclock", 18,
     "unknown time 'wallclock' (expected 'working' or 'calendar')"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("old", "new", "line", "problem"),
    [case[1:] for case in INVALID],
    ids=[case[0] for case in INVALID],
)
def test_an_invalid_file_names_the_line_and_the_problem(old, new, line, problem):
    text = BASE.replace(old, new, 1)
    assert text != BASE
    with pytest.raises(ConfigError) as caught:
        parse_policies(text, SOURCE, CALENDARS)
    assert caught.value.line == line, str(caught.value)
    assert str(caught.value).startswith(f"{SOURCE} line {line}: "), str(caught.value)
    assert problem in str(caught.value)


def test_a_policy_file_needs_policies():
    with pytest.raises(ConfigError, match=r"line 1: policies: .* at least 1 item"):
        parse_policies("policies: []\n", SOURCE, CALENDARS)
    with pytest.raises(ConfigError, match="line 1: a policy file is a mapping"):
        parse_policies("- id: x\n", SOURCE, CALENDARS)


def test_a_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read the policy file"):
        load_policies(tmp_path / "nope.yaml", CALENDARS)


def test_the_error_reads_like_the_issue_asks():
    text = BASE.replace("duration: P1D", "duration: P1X")
    with pytest.raises(ConfigError) as caught:
        parse_policies(text, SOURCE, CALENDARS)
    assert str(caught.value).startswith(
        "config/sla-policies.yaml line 6: duration 'P1X' is not an ISO 8601 duration"
    )
