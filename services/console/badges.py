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


def duration(seconds: int) -> str:
    """`1 h 02 j 05 m` style: days (h = hari), hours (j = jam), minutes (m); under a minute:
    seconds (d = detik)."""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days} h {hours:02d} j {minutes:02d} m"
    if hours:
        return f"{hours} j {minutes:02d} m"
    if minutes:
        return f"{minutes} m"
    return f"{secs} d"


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
        remaining = (text("left", lang, time=duration(seconds)) if seconds >= 0
                     else text("over", lang, time="\u2212" + duration(seconds)))
    live = due.isoformat() if due and remaining else None
    return Badge(state or "none", ICONS.get(state, ICONS[None]), words, remaining, seconds,
                 live)


def by_next_breach(items: list[dict]) -> list[dict]:
    """Items with a due time first, soonest (most overdue) first; then the rest by age."""
    return sorted(items, key=lambda i: (i.get("due_at") is None, i.get("due_at") or "",
                                        i.get("since") or ""))
