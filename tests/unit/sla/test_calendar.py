"""Working-time arithmetic on the office calendar (config/calendar/office.yaml)."""

import time as wallclock
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.sla.calendar import WallClock, load_calendars, parse_calendar
from services.sla.durations import ConfigError, parse_duration

ROOT = Path(__file__).resolve().parents[3]
CALENDARS = load_calendars(ROOT / "config" / "calendar")
OFFICE = CALENDARS["office"]
WIB = ZoneInfo("Asia/Jakarta")
DAY = OFFICE.working_day  # one working day: 7h30m


def wib(y, m, d, hh=0, mm=0) -> datetime:
    """A local office time as the UTC instant the calendar takes and returns."""
    return datetime(y, m, d, hh, mm, tzinfo=WIB).astimezone(UTC)


def national(*years):
    return holidays.country_holidays("ID", years=years, categories=("public", "government"))


# --- properties --------------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2028, 1, 31), timezones=st.just(UTC)
)
year_end = st.datetimes(
    min_value=datetime(2026, 12, 10), max_value=datetime(2027, 1, 10), timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=6))
positive = st.timedeltas(min_value=timedelta(microseconds=1), max_value=timedelta(days=6))
HOLIDAYS_2026_2027 = sorted(national(2026, 2027))


def in_working_interval(t: datetime) -> bool:
    """`t` is inside a working interval or at its end: (from, to]."""
    local = t.astimezone(WIB).date()
    days = (local - timedelta(days=1), local)
    return any(a < t <= b for day in days for a, b in OFFICE.working_intervals(day))


@settings(deadline=None)
@given(start=instants, duration=positive)
def test_a_due_time_lands_inside_or_at_the_end_of_working_hours(start, duration):
    due = OFFICE.add(start, duration)
    assert due > start
    assert in_working_interval(due)
    assert OFFICE.is_working(due - timedelta(microseconds=1))


@settings(deadline=None)
@given(start=instants | year_end, a=durations, b=durations)
def test_adding_durations_composes(start, a, b):
    assert OFFICE.add(OFFICE.add(start, a), b) == OFFICE.add(start, a + b)


@settings(deadline=None)
@given(start=instants | year_end, many=st.lists(durations, max_size=6))
def test_adding_several_durations_in_one_walk_is_adding_each(start, many):
    assert OFFICE.add_many(start, many) == [OFFICE.add(start, d) for d in many]
    assert WallClock().add_many(start, many) == [WallClock().add(start, d) for d in many]


def test_adding_several_durations_refuses_a_negative_one():
    with pytest.raises(ValueError):
        OFFICE.add_many(wib(2026, 7, 10, 9), [timedelta(hours=1), timedelta(hours=-1)])


@settings(deadline=None)
@given(start=instants | year_end, duration=durations)
def test_elapsed_working_time_up_to_the_due_time_is_the_duration(start, duration):
    assert OFFICE.elapsed(start, OFFICE.add(start, duration)) == duration


@settings(deadline=None)
@given(start=instants, end=instants)
def test_elapsed_is_antisymmetric_and_never_more_than_wall_time(start, end):
    assert OFFICE.elapsed(start, end) == -OFFICE.elapsed(end, start)
    assert abs(OFFICE.elapsed(start, end)) <= abs(end - start)


@settings(deadline=None)
@given(
    holiday=st.sampled_from(HOLIDAYS_2026_2027),
    into_day=st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=24)),
)
def test_no_working_time_is_counted_on_a_holiday(holiday, into_day):
    midnight = wib(holiday.year, holiday.month, holiday.day)
    t = midnight + into_day
    assert OFFICE.working_intervals(holiday) == ()
    assert OFFICE.elapsed(midnight, midnight + timedelta(days=1)) == timedelta(0)
    assert not OFFICE.is_working(t)
    after = OFFICE.next_working_instant(t)
    assert after > t and OFFICE.is_working(after)
    assert OFFICE.holiday(after.astimezone(WIB).date()) is None


@settings(deadline=None)
@given(start=instants, duration=positive)
def test_a_clock_never_counts_time_on_a_holiday(start, duration):
    due = OFFICE.add(start, duration)
    day = start.astimezone(WIB).date()
    while day <= due.astimezone(WIB).date():
        if OFFICE.holiday(day):
            midnight = wib(day.year, day.month, day.day)
            assert OFFICE.elapsed(midnight, midnight + timedelta(days=1)) == timedelta(0)
        day += timedelta(days=1)


@settings(deadline=None)
@given(start=year_end, duration=positive)
def test_across_the_year_end_2026_2027(start, duration):
    due = OFFICE.add(start, duration)
    assert OFFICE.elapsed(start, due) == duration
    assert in_working_interval(due)
    for closed in (date(2026, 12, 24), date(2026, 12, 25), date(2027, 1, 1)):
        assert OFFICE.working_intervals(closed) == ()


@settings(deadline=None)
@given(t=instants)
def test_the_next_working_instant_is_working_and_no_working_time_is_skipped(t):
    after = OFFICE.next_working_instant(t)
    assert after >= t
    assert OFFICE.is_working(after)
    assert OFFICE.elapsed(t, after) == timedelta(0)
    assert (after == t) == OFFICE.is_working(t)


# --- examples ----------------------------------------------------------------------------


def test_friday_afternoon_plus_one_working_day_is_monday_afternoon():
    # Fri 15:00-16:30 gives 1h30; Monday 07:30-12:00 and 13:00-14:30 give the other 6h.
    assert OFFICE.add(wib(2026, 7, 10, 15), DAY) == wib(2026, 7, 13, 14, 30)


def test_when_the_monday_is_a_holiday_it_lands_on_tuesday():
    assert OFFICE.holiday(date(2026, 8, 17)) == "Independence Day"
    assert OFFICE.add(wib(2026, 8, 14, 15), DAY) == wib(2026, 8, 18, 14, 30)


def test_a_request_received_just_before_the_idul_fitri_2026_break():
    # Tue 17 March is the last working day (Ramadan hours 08:00-15:00, break 12:00-12:30):
    # 4h30 that day; then 18 cuti Nyepi, 19 Nyepi, 20 cuti, 21-22 Idul Fitri, 23-24 cuti;
    # Wed 25 March has normal hours again: the remaining 3h end at 10:30.
    closed = [date(2026, 3, d) for d in range(18, 25)]
    assert all(OFFICE.working_intervals(d) == () for d in closed)
    assert OFFICE.add(wib(2026, 3, 17, 10), DAY) == wib(2026, 3, 25, 10, 30)


def test_a_request_received_during_the_break_starts_counting_after_it():
    nyepi = wib(2026, 3, 19, 9)
    assert not OFFICE.is_working(nyepi)
    assert OFFICE.next_working_instant(nyepi) == wib(2026, 3, 25, 7, 30)
    assert OFFICE.add(nyepi, DAY) == wib(2026, 3, 25, 16)


def test_ramadan_hours_override_the_weekly_hours():
    ramadan_monday, normal_monday = date(2026, 3, 2), date(2026, 4, 6)
    assert not OFFICE.is_working(wib(2026, 3, 2, 15, 30))
    assert OFFICE.is_working(wib(2026, 4, 6, 15, 30))
    assert not OFFICE.is_working(wib(2026, 3, 2, 7, 45))
    assert OFFICE.is_working(wib(2026, 3, 2, 12, 45))  # the Ramadan break is 12:00-12:30
    # Mon 14:00-15:00, then Tue 08:00-09:00
    assert OFFICE.add(wib(2026, 3, 2, 14), timedelta(hours=2)) == wib(2026, 3, 3, 9)
    whole = OFFICE.elapsed(wib(2026, 3, 2), wib(2026, 3, 3))
    assert whole == timedelta(hours=6, minutes=30)
    assert OFFICE.elapsed(wib(2026, 4, 6), wib(2026, 4, 7)) == timedelta(hours=7, minutes=30)
    assert OFFICE.hours_on(ramadan_monday) != OFFICE.hours_on(normal_monday)


def test_across_the_year_end():
    # Thu 31 Dec 14:00-16:00 gives 2h; Fri 1 Jan 2027 is New Year; Monday gives 5h30.
    assert OFFICE.add(wib(2026, 12, 31, 14), DAY) == wib(2027, 1, 4, 14)
    # Wed 23 Dec 15:00: 1h, then 24 (cuti) 25 (Christmas) and the weekend, Mon 7h30, Tue 6h30
    assert OFFICE.add(wib(2026, 12, 23, 15), 2 * DAY) == wib(2026, 12, 29, 15)


def test_durations_in_days_are_working_days_of_the_calendar():
    assert parse_duration("P1D").working(DAY) == timedelta(hours=7, minutes=30)
    assert parse_duration("PT24H").working(DAY) == timedelta(hours=24)
    assert parse_duration("P1W").working(DAY) == 5 * DAY
    assert parse_duration("P1DT2H").wall() == timedelta(hours=26)
    assert parse_duration("PT1.5H").wall() == timedelta(minutes=90)


@pytest.mark.parametrize("bad", ["P1X", "1D", "P", "PT", "P1M", "P1Y", "-P1D", "PT1H2D"])
def test_bad_durations_are_refused(bad):
    with pytest.raises(ValueError, match=bad):
        parse_duration(bad)


def test_the_package_holidays_for_2026_match_the_skb():
    # SKB 3 Menteri 2026: 17 national holidays and 8 days of cuti bersama.
    public = holidays.country_holidays("ID", years=2026, categories=("public",))
    cuti = holidays.country_holidays("ID", years=2026, categories=("government",))
    assert len(public) == 17 and len(cuti) == 8
    assert sorted(cuti) == [date(2026, 2, 16), date(2026, 3, 18), date(2026, 3, 20),
                            date(2026, 3, 23), date(2026, 3, 24), date(2026, 5, 15),
                            date(2026, 5, 28), date(2026, 12, 24)]  # fmt: skip


def test_the_package_knows_cuti_bersama_2027():
    cuti = holidays.country_holidays("ID", years=2027, categories=("government",))
    assert sorted(cuti) == [date(2027, 2, 5), date(2027, 3, 9), date(2027, 3, 12),
                            date(2027, 3, 15), date(2027, 3, 25), date(2027, 5, 18),
                            date(2027, 5, 19), date(2027, 12, 24)]  # fmt: skip


def test_inputs_must_be_timezone_aware():
    with pytest.raises(ValueError, match="naive"):
        OFFICE.add(datetime(2026, 7, 10, 8), DAY)
    with pytest.raises(ValueError, match="naive"):
        WallClock().elapsed(datetime(2026, 7, 10, 8), datetime(2026, 7, 10, 9))


def test_results_are_utc_whatever_zone_comes_in():
    due = OFFICE.add(datetime(2026, 7, 10, 15, tzinfo=WIB), DAY)
    assert due.tzinfo is UTC and due == wib(2026, 7, 13, 14, 30)


def test_the_wall_clock_is_plain_arithmetic():
    wall = CALENDARS["wall"]
    t = wib(2026, 3, 21, 23, 50)  # Idul Fitri, at night
    assert wall.add(t, timedelta(minutes=30)) == t + timedelta(minutes=30)
    assert wall.elapsed(t, t + timedelta(hours=3)) == timedelta(hours=3)
    assert wall.is_working(t) and wall.next_working_instant(t) == t
    assert wall.working_day == timedelta(days=1)


def test_a_hundred_thousand_clocks_are_fast():
    starts = [wib(2026, 1, 1) + timedelta(minutes=37 * i) for i in range(100_000)]
    began = wallclock.perf_counter()
    dues = [OFFICE.add(s, DAY) for s in starts]
    took = wallclock.perf_counter() - began
    assert len(dues) == 100_000
    assert took < 5, f"100k due times took {took:.2f}s"


# --- the calendar file -------------------------------------------------------------------

SMALL = """\
id: small
timezone: Asia/Jakarta
working_day: PT8H
weekly:
  mon: [["08:00", "12:00"], [13:00, 17:00]]
  fri: [["08:00", "16:00"]]
use_national_holidays: false
extra_holidays:
  - {date: 2026-07-13, name: Regional day}
working_days_added:
  - {date: 2026-07-11, name: Saturday make-up day, hours: [["08:00", "12:00"]]}
  - {date: 2026-07-18}
overrides:
  - {from: 2026-07-20, to: 2026-07-24, name: Short week, hours: [["09:00", "11:00"]]}
"""


def test_a_calendar_file_with_added_days_extra_holidays_and_overrides():
    cal = parse_calendar(SMALL, "small.yaml")
    hour = timedelta(hours=1)
    assert cal.hours_on(date(2026, 7, 6)) == ((8 * hour, 12 * hour), (13 * hour, 17 * hour))
    assert cal.hours_on(date(2026, 7, 7)) == ()  # no Tuesday hours in this calendar
    assert cal.hours_on(date(2026, 7, 11)) == ((8 * hour, 12 * hour),)  # a working Saturday
    assert cal.hours_on(date(2026, 7, 18)) == cal.hours_on(date(2026, 7, 6))  # Monday's
    assert cal.holiday(date(2026, 7, 13)) == "Regional day"
    assert cal.hours_on(date(2026, 7, 13)) == ()
    assert cal.hours_on(date(2026, 7, 20)) == ((9 * hour, 11 * hour),)  # the override
    assert cal.hours_on(date(2026, 7, 21)) == ()  # not a normal working day: stays closed
    # Fri 10 Jul 15:00 + 3h: 1h Friday, 2h on the working Saturday (ends 10:00)
    assert cal.add(wib(2026, 7, 10, 15), 3 * hour) == wib(2026, 7, 11, 10)


def test_a_cuti_bersama_made_a_working_day():
    text = SMALL.replace("use_national_holidays: false", "use_national_holidays: true")
    text = text.replace("2026-07-18}", "2026-12-24}")  # Thursday, cuti bersama Natal
    cal = parse_calendar(text, "small.yaml")
    assert cal.hours_on(date(2026, 12, 24)) != ()
    assert cal.hours_on(date(2026, 12, 25)) == ()


@pytest.mark.parametrize(
    ("change", "line", "problem"),
    [
        (('"12:00"], [13', '"12.00"], [13'), 5, "time '12.00' is not 'HH:MM'"),
        (("[13:00, 17:00]", '["11:00", "17:00"]'), 5, "overlap"),
        (("timezone: Asia/Jakarta", "timezone: Asia/Bangka"), 2, "unknown time zone"),
        (("working_day: PT8H", "working_day: P1D"), 3, "must be hours"),
        (("use_national_holidays", "use_national_holiday"), 7, "unknown key"),
        (("id: small", "id: wall"), 1, "reserved"),
        (('hours: [["09:00", "11:00"]]}', "}"), 14, "exactly one of 'hours' or 'weekly'"),
        (("  fri:", "  fry:"), 6, "unknown key 'fry'"),
        (("date: 2026-07-13", "date: 2026-13-13"), 9, "date"),
    ],
)
def test_a_bad_calendar_file_names_the_line(change, line, problem):
    text = SMALL.replace(*change)
    assert text != SMALL
    with pytest.raises(ConfigError) as caught:
        parse_calendar(text, "config/calendar/small.yaml")
    assert caught.value.line == line
    assert str(caught.value).startswith(f"config/calendar/small.yaml line {line}: ")
    assert problem in str(caught.value)


def test_calendar_ids_are_unique_in_a_directory(tmp_path):
    (tmp_path / "a.yaml").write_text(SMALL)
    (tmp_path / "b.yaml").write_text(SMALL)
    with pytest.raises(ConfigError, match="line 1: calendar id 'small' is already defined"):
        load_calendars(tmp_path)


def test_the_calendar_directory_has_the_office_and_the_wall_clock():
    assert set(CALENDARS) == {"office", "wall"}
