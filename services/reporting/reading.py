"""Pure helpers of the query side: time ranges, cursors, percentiles, rows, aggregation."""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .aggregates import SEP
from .model import COMPLAINT_RANK, LEAD_STEPS, timeline
from .projection import Doc


class BadInput(ValueError):
    """A query parameter is wrong: (field, reason)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class TimeRange:
    """[lo, hi) in epoch seconds, and the office days it covers (for day-bucketed stats)."""

    lo: float | None = None
    hi: float | None = None
    first_day: str | None = None
    last_day: str | None = None

    def has_day(self, day: str) -> bool:
        return ((self.first_day is None or day >= self.first_day)
                and (self.last_day is None or day <= self.last_day))


def _parse_bound(raw: str, name: str, tz: ZoneInfo, end: bool) -> tuple[datetime, str]:
    try:
        if len(raw) == 10:
            d = date.fromisoformat(raw)
            at = datetime.combine(d + timedelta(days=1) if end else d, time(), tz)
            return at, d.isoformat()
        at = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError as exc:
        raise BadInput(name, "expected a date (YYYY-MM-DD) or an RFC 3339 date-time") from exc
    if at.tzinfo is None:
        at = at.replace(tzinfo=tz)
    day = at.astimezone(tz)
    if end:  # an exclusive end: the last day covered is the day before midnight
        day = day - timedelta(microseconds=1)
    return at, day.date().isoformat()


def time_range(raw_from: str | None, raw_to: str | None, tz: ZoneInfo) -> TimeRange:
    """`from`/`to` of a query: dates are office days (`to` inclusive); date-times are exact
    instants (`to` exclusive); a date-time without offset is office time."""
    lo = hi = None
    first = last = None
    if raw_from:
        at, first = _parse_bound(raw_from, "from", tz, end=False)
        lo = at.timestamp()
    if raw_to:
        at, last = _parse_bound(raw_to, "to", tz, end=True)
        hi = at.timestamp()
    if lo is not None and hi is not None and lo >= hi:
        raise BadInput("to", "must be after from")
    return TimeRange(lo, hi, first, last)


def encode_cursor(score: float, member: str) -> str:
    raw = json.dumps([score, member], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[float, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        score, member = json.loads(raw)
        if not isinstance(member, str) or not isinstance(score, int | float):
            raise ValueError("shape")
        return float(score), member
    except (ValueError, TypeError, binascii.Error) as exc:
        raise BadInput("cursor", "not a cursor returned by this API") from exc


def after_cursor(cursor: tuple[float, str] | None, score: float, member: str) -> bool:
    """Listing order is newest first: (score, member) descending."""
    if cursor is None:
        return True
    cs, cm = cursor
    return score < cs or (score == cs and member < cm)


def percentile(sorted_values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile of an ascending list."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


def lead_time_stats(values_by_step: dict[str, list[float]]) -> list[dict[str, Any]]:
    out = []
    for step in LEAD_STEPS:
        values = sorted(values_by_step.get(step, []))
        out.append({"step": step, "count": len(values),
                    "p50_seconds": percentile(values, 50), "p90_seconds": percentile(values, 90),
                    "max_seconds": values[-1] if values else None})
    return out


CASE_COLUMNS = ("case_id", "agenda_number", "status", "channel", "urgent", "division",
                "officer_id", "requested_at", "registered_at", "informed_at",
                "closed_at", "updated_at", "breached_clocks", "open_escalations")


def case_row(view: dict[str, Any]) -> dict[str, Any]:
    """One case of `GET /cases` (and one line of the CSV export)."""
    steps = view.get("steps", {})
    return {
        "case_id": view["subject"],
        "agenda_number": view.get("agenda_number"),
        "status": view.get("status"),
        "channel": view.get("channel"),
        "urgent": bool(view.get("urgent")),
        "division": view.get("division"),
        "officer_id": view.get("officer_id"),
        "requested_at": view.get("requested_at"),
        "registered_at": view.get("registered_at"),
        "informed_at": steps.get("informed"),
        "closed_at": steps.get("closed") or steps.get("cancelled") or steps.get("withdrawn"),
        "updated_at": view.get("last_at"),
        "breached_clocks": sum(1 for c in view.get("clocks", []) if c["state"] == "breached"),
        "open_escalations": sum(1 for x in view.get("escalations", []) if x["state"] != "resolved"),
    }


AGENDA_COLUMNS = ("agenda_number", "registered_at", "letter_number", "subject",
                  "organization", "division", "status", "case_id")


def agenda_row(view: dict[str, Any]) -> dict[str, Any] | None:
    """One line of the agenda book (*buku agenda*): a registered letter (None: not a letter,
    or not registered yet). `organization` is still the sealed token the view keeps."""
    if view.get("channel") != "letter" or not view.get("agenda_number"):
        return None
    summary = view.get("file") or {}
    return {"agenda_number": view["agenda_number"], "registered_at": view.get("registered_at"),
            "letter_number": summary.get("letter_number"), "subject": summary.get("subject"),
            "organization": summary.get("organization"), "division": view.get("division"),
            "status": view.get("status"), "case_id": view["subject"]}


def case_detail(doc: Doc) -> dict[str, Any]:
    v = doc.view or {}
    return {
        "case_id": v["subject"], "status": v.get("status"), "channel": v.get("channel"),
        "urgent": bool(v.get("urgent")), "division": v.get("division"),
        "officer_id": v.get("officer_id"), "agenda_number": v.get("agenda_number"),
        "priority": v.get("priority"), "copies": v.get("copies", []),
        "requested_at": v.get("requested_at"), "registered_at": v.get("registered_at"),
        "steps": v.get("steps", {}), "lead_times": v.get("lead_times", {}),
        "clocks": v.get("clocks", []), "escalations": v.get("escalations", []),
        "timeline": timeline(doc.entries),
    }


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    # a cell starting like a formula is run by spreadsheets: neutralise it
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def sla_stats(hashes: list[dict[str, int]], rng: TimeRange,
              policy: str | None) -> list[dict[str, Any]]:
    totals: dict[str, Counter] = defaultdict(Counter)
    for fields in hashes:
        for name, n in fields.items():
            pol, day, metric = name.split(SEP)
            if (policy is None or pol == policy) and rng.has_day(day):
                totals[pol][metric] += n
    out = []
    for pol in sorted(totals):
        t = totals[pol]
        decided = t["met"] + t["breached"]
        out.append({"policy_id": pol, "started": t["started"], "met": t["met"],
                    "breached": t["breached"], "running": t["running"],
                    "cancelled": t["cancelled"],
                    "compliance_pct": round(100.0 * t["met"] / decided, 1) if decided else None})
    return out


def workload(hashes: list[dict[str, int]]) -> dict[str, Any]:
    divisions: Counter = Counter()
    officers: Counter = Counter()
    for fields in hashes:
        for name, n in fields.items():
            parts = name.split(SEP)
            if parts[0] == "division":
                divisions[parts[1]] += n
            elif parts[0] == "officer":
                officers[(parts[1], parts[2])] += n
    return {
        "divisions": [{"division": d, "open_cases": n} for d, n in sorted(divisions.items())],
        "officers": [{"officer_id": o, "division": None if d == "-" else d, "open_cases": n}
                     for (d, o), n in sorted(officers.items(), key=lambda x: (x[0][1], x[0][0]))],
    }


def volume(hashes: list[dict[str, int]], rng: TimeRange, by: str) -> list[dict[str, Any]]:
    periods: dict[str, dict[str, Any]] = {}
    for fields in hashes:
        for name, n in fields.items():
            parts = name.split(SEP)
            day = parts[1]
            if not rng.has_day(day):
                continue
            period = day if by == "day" else day[:7]
            row = periods.setdefault(period, {"period": period, "requests": Counter(),
                                              "complaints": Counter(), "visits": 0})
            if parts[0] == "visits":
                row["visits"] += n
            else:
                row[parts[0]][parts[2]] += n
    out = []
    for period in sorted(periods):
        row = periods[period]
        out.append({"period": period,
                    "requests": dict(sorted(row["requests"].items())),
                    "requests_total": sum(row["requests"].values()),
                    "complaints": dict(sorted(row["complaints"].items())),
                    "complaints_total": sum(row["complaints"].values()),
                    "visits": row["visits"]})
    return out


def complaint_statuses(hashes: list[dict[str, int]]) -> dict[str, int]:
    totals: Counter = Counter()
    for fields in hashes:
        totals.update(fields)
    return {status: totals.get(status, 0) for status in COMPLAINT_RANK}
