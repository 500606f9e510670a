"""Office time: the agenda year and "today" are those of Pangkalpinang (WIB, UTC+7, no DST)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

WIB = timezone(timedelta(hours=7), "WIB")


def local_date(at: datetime) -> date:
    return at.astimezone(WIB).date()


def agenda_year(at: datetime) -> int:
    return local_date(at).year
