"""What the pages show, shaped from the services' answers. Pure."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.dates import format_datetime

from chassis.org import Org, User

from .badges import badge, by_next_breach, parse_time
from .forms import OPTIONS_STATIC, WIB
from .texts import QUEUES, STATUSES, label, text

#: CLDR patterns (Babel): the month's abbreviation from the locale's data (`Des`, `Dec`);
#: Indonesian writes the time with a dot
PATTERNS = {"id": "d MMM y HH.mm", "en": "d MMM y HH:mm"}


def wib(value: str | None, lang: str = "id") -> str:
    """An ISO time as office time: `3 Des 2026 14.30 WIB`, `3 Dec 2026 14:30 WIB`."""
    moment = parse_time(value) if isinstance(value, str) else value
    if moment is None:
        return "—"
    if moment.tzinfo is None:
        return moment.isoformat()
    lang = lang if lang in PATTERNS else "id"
    local = moment.astimezone(WIB)
    return f"{format_datetime(local, PATTERNS[lang], tzinfo=WIB, locale=lang)} WIB"


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
        mine.append((user.id, text("self_suffix", lang, name=user.name)))
    out = {"divisions": [(d.id, d.name) for d in org.divisions],
           "officers": mine,
           "all_officers": [(u.id, f"{u.name} — {u.division}") for u in officers]}
    for name, choices in OPTIONS_STATIC.items():
        out[name] = [(value, t.get(lang)) for value, t in choices]
    return out
