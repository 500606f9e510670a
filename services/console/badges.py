"""SLA badges: the state in words and an icon (never colour alone), the time left, and the
time over (negative) once breached. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .texts import text

#: state -> (icon, text key); the icon is decoration, the text says it
ICONS = {"on_track": "\u2714", "at_risk": "\u26a0", "breached": "\u2716",
         "paused": "\u23f8", "met": "\u2714", "cancelled": "\u2205", None: "\u2013"}


@dataclass(frozen=True)
class Badge:
    state: str  # css class suffix: on_track | at_risk | breached | paused | met | none
    icon: str
    words: str  # "Berisiko"
    remaining: str  # "sisa 2 j 05 m" / "lewat −0 j 12 m" / ""
    seconds: int | None  # signed seconds to due (negative: over)
    live_due: str | None = None  # the due time, where the badge counts down in the browser

    @property
    def text(self) -> str:
        return f"{self.words} · {self.remaining}" if self.remaining else self.words


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


#: the formats of a duration, by size (msgids; `static/countdown.js` reads the same ones
#: from the page's `data-duration-*` attributes)
DURATIONS = ("duration_dhm", "duration_hm", "duration_m", "duration_s")


def duration(seconds: int, lang: str = "id") -> str:
    """`1 h 02 j 05 m` in Indonesian (hari, jam, menit), `1 d 02 h 05 m` in English; under
    a minute, seconds (`5 d` detik, `5 s`)."""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return text("duration_dhm", lang, d=days, h=f"{hours:02d}", m=f"{minutes:02d}")
    if hours:
        return text("duration_hm", lang, h=hours, m=f"{minutes:02d}")
    if minutes:
        return text("duration_m", lang, m=minutes)
    return text("duration_s", lang, s=secs)


def badge(sla_state: str | None, due_at: str | None, now: datetime, lang: str = "id",
          stopped: bool = False) -> Badge:
    due = parse_time(due_at)
    state = sla_state
    seconds = int((due - now).total_seconds()) if due else None
    if state in (None, "on_track", "at_risk") and seconds is not None and seconds < 0 \
            and not stopped:
        state = "breached"  # the read model has not caught up with the clock yet
    elif state is None and seconds is not None and not stopped:
        state = "on_track"
    words = text(f"sla_{state}" if state else "sla_none", lang)
    remaining = ""
    if seconds is not None and not stopped and state != "paused":
        remaining = (text("left", lang, time=duration(seconds, lang)) if seconds >= 0
                     else text("over", lang, time="\u2212" + duration(seconds, lang)))
    live = due.isoformat() if due and remaining else None
    return Badge(state or "none", ICONS.get(state, ICONS[None]), words, remaining, seconds,
                 live)


def by_next_breach(items: list[dict]) -> list[dict]:
    """Items with a due time first, soonest (most overdue) first; then the rest by age."""
    return sorted(items, key=lambda i: (i.get("due_at") is None, i.get("due_at") or "",
                                        i.get("since") or ""))
