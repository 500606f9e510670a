"""What the pages show, shaped from the services' answers. Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chassis.org import Org, User

from .badges import badge, by_next_breach, parse_time
from .forms import OPTIONS_STATIC, WIB
from .texts import QUEUES, STATUSES, label

MONTHS = {"id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov",
                 "Des"),
          "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
                 "Dec")}


def wib(value: str | None, lang: str = "id") -> str:
    """An ISO time as office time: `3 Des 2026 14.30 WIB` (Indonesian: a dot in the time)."""
    moment = parse_time(value) if isinstance(value, str) else value
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        return moment.isoformat()
    local = moment.astimezone(WIB)
    sep = "." if lang == "id" else ":"
    month = MONTHS["en" if lang == "en" else "id"][local.month - 1]
    return f"{local.day} {month} {local.year} {local.hour:02d}{sep}{local.minute:02d} WIB"


def tiles(queues: list[dict[str, Any]], now: datetime, lang: str) -> list[dict[str, Any]]:
    out = []
    for q in queues:
        items = []
        for item in by_next_breach(q.get("items", [])):
            items.append({**item, "badge": badge(item.get("sla_state"), item.get("due_at"),
                                                 now, lang),
                          "status_label": label(STATUSES, item.get("status"), lang)})
        out.append({"queue": q["queue"], "title": label(QUEUES, q["queue"], lang),
                    "count": q.get("count", len(items)), "entries": items})
    return out


def clock_rows(clocks: list[dict[str, Any]], now: datetime, lang: str) -> list[dict[str, Any]]:
    rows = []
    for c in clocks:
        stopped = c.get("stopped_at") is not None
        state = c.get("state")
        if stopped:
            state = c.get("outcome") or ("breached" if c.get("breached_at") else "met")
        elif c.get("paused"):
            state = "paused"
        elif c.get("breached_at"):
            state = "breached"
        elif c.get("at_risk_pct"):
            state = "at_risk"
        else:
            state = "on_track"
        rows.append({**c, "badge": badge(state, c.get("due_at"), now, lang, stopped=stopped)})
    return by_next_breach(rows)


def options(org: Org, user: User, case: dict[str, Any] | None, lang: str
            ) -> dict[str, list[tuple[str, str]]]:
    """The choices of the forms' select fields for this user and case."""
    division = (case or {}).get("division") or user.division
    officers = [u for u in org.users if u.active and "officer" in u.roles]
    mine = [(u.id, u.name) for u in officers if u.division == division]
    if "division_head" in user.roles:
        mine.append((user.id, f"{user.name} (sendiri)" if lang == "id" else
                     f"{user.name} (self)"))
    out = {"divisions": [(d.id, d.name) for d in org.divisions],
           "officers": mine,
           "all_officers": [(u.id, f"{u.name} — {u.division}") for u in officers]}
    for name, choices in OPTIONS_STATIC.items():
        out[name] = [(value, t.get(lang)) for value, t in choices]
    return out
