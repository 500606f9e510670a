"""The read model's time formats (UTC ISO strings that sort like their instants, epoch
scores, office days). Pure; its own module so the projection's modules import it at the top
(no import inside a function that runs per event)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def iso(value: datetime | None) -> str | None:
    """UTC, fixed width: strings sort like the instants they name."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def epoch(ts: str) -> float:
    return round(datetime.fromisoformat(ts).timestamp(), 6)


def local_day(ts: str, tz: ZoneInfo) -> str:
    return datetime.fromisoformat(ts).astimezone(tz).date().isoformat()
