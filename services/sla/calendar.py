"""Working-time arithmetic on a business calendar, and the calendar file format.

Rules (see config/calendar/README.md):
- Instants go in and come out as timezone-aware UTC datetimes; days, hours and
  holidays are read in the calendar's time zone (Asia/Jakarta for the office).
- A day's working time is a list of half-open intervals [from, to): at 16:00 of a
  07:30-16:00 day the office is closed. `add` lands *inside or at the end* of an
  interval, so `add(s, a + b) == add(add(s, a), b)`.
- What a day's hours are, first rule that applies: a day in `working_days_added`
  (its own hours, else Monday's); a holiday (`extra_holidays`, national public
  holidays and cuti bersama from the `holidays` package) has none; the last
  `overrides` range containing the day (e.g. Ramadan hours); the `weekly` hours.
- Durations in days are converted elsewhere (`IsoDuration.working`) with the
  calendar's `working_day`; this module only adds and measures working time.

Pure: `load_calendars` is the only function that reads files.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from services.sla.durations import (
    ConfigError,
    config_error_from_validation,
    line_of,
    load_yaml_with_lines,
    parse_duration,
)

__all__ = [
    "WALL",
    "BusinessCalendar",
    "Calendar",
    "CalendarSpec",
    "WallClock",
    "load_calendars",
    "parse_calendar",
]

WALL = "wall"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_ZERO = timedelta(0)
_IDLE_DAYS_LIMIT = 400  # a calendar without working time for longer than this is broken


class Calendar(Protocol):
    """What the SLA engine needs from a calendar (business or wall clock)."""

    id: str
    working_day: timedelta

    def add(self, start: datetime, duration: timedelta) -> datetime: ...
    def add_many(self, start: datetime, durations: list[timedelta]) -> list[datetime]: ...
    def elapsed(self, start: datetime, end: datetime) -> timedelta: ...
    def is_working(self, t: datetime) -> bool: ...
    def next_working_instant(self, t: datetime) -> datetime: ...


def _utc(t: datetime) -> datetime:
    if t.tzinfo is None or t.utcoffset() is None:
        raise ValueError(f"naive datetime {t.isoformat()}: pass a timezone-aware instant")
    return t.astimezone(UTC)


class WallClock:
    """Plain timedelta arithmetic, for `time: calendar` policies (e.g. the 30-minute walk-in)."""

    id = WALL
    working_day = timedelta(days=1)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        if duration < _ZERO:
            raise ValueError("duration must not be negative")
        return _utc(start) + duration

    def add_many(self, start: datetime, durations: list[timedelta]) -> list[datetime]:
        return [self.add(start, d) for d in durations]

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        return _utc(end) - _utc(start)

    def is_working(self, t: datetime) -> bool:
        _utc(t)
        return True

    def next_working_instant(self, t: datetime) -> datetime:
        return _utc(t)

    def __repr__(self) -> str:
        return "WallClock()"


# --- the calendar file -------------------------------------------------------------------

Interval = tuple[timedelta, timedelta]  # offsets from local midnight, [from, to)


_CLOCK = re.compile(r"(\d{1,2}):([0-5]\d)(?::([0-5]\d))?")


def _offset(text: object) -> timedelta:
    """'07:30' (or '07:30:00', or '24:00' for midnight at the end of the day) -> offset."""
    match = _CLOCK.fullmatch(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"time {text!r} is not 'HH:MM'")
    offset = timedelta(hours=int(match[1]), minutes=int(match[2]), seconds=int(match[3] or 0))
    if offset > timedelta(hours=24):
        raise ValueError(f"time {text!r} is past '24:00'")
    return offset


def _hours(value: object) -> tuple[Interval, ...]:
    """`[["07:30", "12:00"], ["13:00", "16:00"]]` -> sorted, non-overlapping intervals."""
    if not isinstance(value, list | tuple):
        raise ValueError("hours must be a list of [from, to] pairs, e.g. [['07:30', '16:00']]")
    intervals = []
    for pair in value:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ValueError(f"hours entry {pair!r} must be a pair [from, to]")
        start, end = _offset(pair[0]), _offset(pair[1])
        if not start < end:
            raise ValueError(f"hours entry {pair!r}: 'from' must be before 'to'")
        intervals.append((start, end))
    intervals.sort()
    for (_, end), (start, _) in zip(intervals, intervals[1:], strict=False):
        if start < end:
            raise ValueError(f"hours {value!r} overlap")
    return tuple(intervals)


Hours = Annotated[tuple[Interval, ...], BeforeValidator(_hours)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class Holiday(_Model):
    date: date
    name: str = ""


class AddedWorkingDay(_Model):
    date: date
    name: str = ""
    hours: Hours | None = None  # default: Monday's hours in effect that day


class Override(_Model):
    """A date range with different hours: `hours` for every normal working day, or `weekly`."""

    from_: date = Field(alias="from")
    to: date
    name: str = ""
    hours: Hours | None = None
    weekly: dict[Weekday, Hours] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Override:
        if self.to < self.from_:
            problem = f"'to' {self.to} is before 'from' {self.from_}"
            raise ValueError(f"override {self.name!r}: {problem}")
        if (self.hours is None) == (self.weekly is None):
            raise ValueError(f"override {self.name!r}: give exactly one of 'hours' or 'weekly'")
        return self


class NationalHolidays(_Model):
    country: str = "ID"
    subdiv: str | None = None
    categories: tuple[str, ...] = ("public", "government")


class CalendarSpec(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    timezone: str = "Asia/Jakarta"
    working_day: timedelta
    weekly: dict[Weekday, Hours]
    use_national_holidays: bool = True
    national_holidays: NationalHolidays = NationalHolidays()
    extra_holidays: tuple[Holiday, ...] = ()
    working_days_added: tuple[AddedWorkingDay, ...] = ()
    overrides: tuple[Override, ...] = ()

    @field_validator("working_day", mode="before")
    @classmethod
    def _parse_working_day(cls, value: Any) -> Any:
        if isinstance(value, str):
            parsed = parse_duration(value)
            if parsed.weeks or parsed.days or not parsed.clock:
                raise ValueError(f"working_day {parsed} must be hours, e.g. PT7H30M")
            return parsed.clock
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("id")
    @classmethod
    def _not_wall(cls, value: str) -> str:
        if value == WALL:
            raise ValueError(f"calendar id {WALL!r} is reserved for the wall clock")
        return value


# --- the business calendar ---------------------------------------------------------------

HolidaySource = Callable[[int], Mapping[date, str]]


def national_holidays(spec: NationalHolidays) -> HolidaySource:
    """Holidays of one year from the `holidays` package (public + cuti bersama for ID)."""

    def of_year(year: int) -> Mapping[date, str]:
        found = holidays_lib.country_holidays(
            spec.country, subdiv=spec.subdiv, years=year, categories=spec.categories
        )
        return dict(found.items())

    return of_year


class BusinessCalendar:
    """Working time on a calendar; see the module docstring for the rules."""

    def __init__(self, spec: CalendarSpec, national: HolidaySource | None = None) -> None:
        self.spec = spec
        self.id = spec.id
        self.working_day = spec.working_day
        self.tz = ZoneInfo(spec.timezone)
        self._weekly = tuple(spec.weekly.get(day, ()) for day in WEEKDAYS)
        self._extra = {h.date: h.name or "holiday" for h in spec.extra_holidays}
        self._added = {d.date: d for d in spec.working_days_added}
        if national is None and spec.use_national_holidays:
            national = national_holidays(spec.national_holidays)
        self._national = national
        self._national_years: dict[int, Mapping[date, str]] = {}
        self._intervals: dict[date, tuple[tuple[datetime, datetime], ...]] = {}

    def __repr__(self) -> str:
        return f"BusinessCalendar({self.id!r}, {self.spec.timezone})"

    # days ----------------------------------------------------------------------------
    def holiday(self, day: date) -> str | None:
        """The name of the holiday on `day` (local date), or None."""
        if day in self._extra:
            return self._extra[day]
        if self._national is None:
            return None
        if day.year not in self._national_years:
            self._national_years[day.year] = self._national(day.year)
        return self._national_years[day.year].get(day)

    def hours_on(self, day: date) -> tuple[Interval, ...]:
        """Working hours of a local date, as offsets from local midnight."""
        added = self._added.get(day)
        if added is not None:
            return added.hours if added.hours is not None else self._regular(day, 0)
        if self.holiday(day) is not None:
            return ()
        return self._regular(day, day.weekday())

    def _regular(self, day: date, weekday: int) -> tuple[Interval, ...]:
        normal = self._weekly[weekday]
        for override in reversed(self.spec.overrides):
            if override.from_ <= day <= override.to:
                if override.hours is not None:
                    return override.hours if normal else ()
                assert override.weekly is not None
                return override.weekly.get(WEEKDAYS[weekday], normal)
        return normal

    def working_intervals(self, day: date) -> tuple[tuple[datetime, datetime], ...]:
        """Working intervals of a local date as UTC instants [from, to); cached per day."""
        cached = self._intervals.get(day)
        if cached is None:
            midnight = datetime.combine(day, time())
            cached = tuple(
                (self._instant(midnight + start), self._instant(midnight + end))
                for start, end in self.hours_on(day)
            )
            self._intervals[day] = cached
        return cached

    def _instant(self, local: datetime) -> datetime:
        return local.replace(tzinfo=self.tz).astimezone(UTC)

    def _local_date(self, t: datetime) -> date:
        return t.astimezone(self.tz).date()

    def _days_from(self, t: datetime):
        """Local dates from the one of `t` on; fails on a calendar with no working time."""
        day, idle = self._local_date(t), 0
        while idle <= _IDLE_DAYS_LIMIT:
            intervals = self.working_intervals(day)
            idle = 0 if intervals else idle + 1
            yield intervals
            day += timedelta(days=1)
        raise ValueError(f"calendar {self.id!r} has no working time after {t.isoformat()}")

    # arithmetic ----------------------------------------------------------------------
    def add(self, start: datetime, duration: timedelta) -> datetime:
        """`start` plus `duration` of working time (UTC). Zero returns `start` unchanged."""
        t = _utc(start)
        if duration < _ZERO:
            raise ValueError("duration must not be negative")
        if duration == _ZERO:
            return t
        remaining = duration
        for intervals in self._days_from(t):
            for begin, end in intervals:
                if end <= t:
                    continue
                begin = max(begin, t)
                if remaining <= end - begin:
                    return begin + remaining
                remaining -= end - begin
        raise AssertionError("unreachable")  # pragma: no cover

    def add_many(self, start: datetime, durations: list[timedelta]) -> list[datetime]:
        """`[add(start, d) for d in durations]` in one walk over the working intervals (a
        clock's due and ladder instants all count from its start)."""
        t = _utc(start)
        if any(d < _ZERO for d in durations):
            raise ValueError("duration must not be negative")
        out = [t] * len(durations)
        pending = sorted((d, i) for i, d in enumerate(durations) if d != _ZERO)
        if not pending:
            return out
        n, used = 0, _ZERO  # pending[n] is the next to place; working time walked so far
        for intervals in self._days_from(t):
            for begin, end in intervals:
                if end <= t:
                    continue
                begin = max(begin, t)
                span = end - begin
                while pending[n][0] - used <= span:
                    d, i = pending[n]
                    out[i] = begin + (d - used)
                    n += 1
                    if n == len(pending):
                        return out
                used += span
        raise AssertionError("unreachable")  # pragma: no cover

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Working time between two instants (negative if `end` is before `start`)."""
        a, b = _utc(start), _utc(end)
        if b < a:
            return -self.elapsed(b, a)
        total, day, last = _ZERO, self._local_date(a), self._local_date(b)
        while day <= last:
            for begin, finish in self.working_intervals(day):
                lo, hi = max(begin, a), min(finish, b)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total

    def is_working(self, t: datetime) -> bool:
        u = _utc(t)
        return any(begin <= u < end for begin, end in self.working_intervals(self._local_date(u)))

    def next_working_instant(self, t: datetime) -> datetime:
        """`t` itself during working time, else the start of the next working interval."""
        u = _utc(t)
        for intervals in self._days_from(u):
            for begin, end in intervals:
                if u < end:
                    return max(begin, u)
        raise AssertionError("unreachable")  # pragma: no cover


# --- loading -----------------------------------------------------------------------------


def parse_calendar(
    text: str, source: str = "<calendar>", national: HolidaySource | None = None
) -> BusinessCalendar:
    """A calendar from YAML text; a bad file raises `ConfigError` naming the line."""
    data, lines = load_yaml_with_lines(text, source)
    if not isinstance(data, dict):
        raise ConfigError(source, 1, "a calendar file is a mapping (id, timezone, weekly, ...)")
    try:
        spec = CalendarSpec.model_validate(data)
    except ValidationError as exc:
        raise config_error_from_validation(exc, lines, source) from None
    return BusinessCalendar(spec, national)


def load_calendars(directory: str | Path) -> dict[str, Calendar]:
    """Every `*.yaml`/`*.yml` calendar of a directory by id, plus the `wall` clock."""
    folder = Path(directory)
    if not folder.is_dir():
        raise ConfigError(str(folder), None, "calendar directory not found")
    calendars: dict[str, Calendar] = {WALL: WallClock()}
    seen: dict[str, str] = {}
    for file in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        text = file.read_text(encoding="utf-8")
        calendar = parse_calendar(text, str(file))
        if calendar.id in seen:
            _, lines = load_yaml_with_lines(text, str(file))
            problem = f"calendar id {calendar.id!r} is already defined in {seen[calendar.id]}"
            raise ConfigError(str(file), line_of(lines, ("id",)), problem)
        seen[calendar.id] = str(file)
        calendars[calendar.id] = calendar
    return calendars
