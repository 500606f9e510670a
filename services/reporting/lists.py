"""Index keys of the lists: the guest book and the complaints. Pure.

    guestbook:<office day>     visits of the day, score = check-in time
    visit:<visit_id>:cases     the requests a visit led to (in the case's partition)
    complaints:all|:state:<s>|:channel:<c>   score = filing time
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from . import queues, search
from .model import View
from .timefmt import epoch, local_day


def index(view: View | None, tz: ZoneInfo) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    if not view:
        return out
    subject = view["subject"]
    if view["kind"] == "visit":
        at = view["checked_in_at"]
        out[f"guestbook:{local_day(at, tz)}"] = {subject: epoch(at)}
    elif view["kind"] == "case":
        visit = (view.get("file") or {}).get("visit_id")
        if visit:
            out[f"visit:{visit}:cases"] = {subject: epoch(view.get("requested_at")
                                                          or view["first_at"])}
    elif view["kind"] == "complaint" and view.get("filed_at"):
        score = epoch(view["filed_at"])
        out["complaints:all"] = {subject: score}
        if view.get("status"):
            out[f"complaints:state:{view['status']}"] = {subject: score}
        if view.get("channel"):
            out[f"complaints:channel:{view['channel']}"] = {subject: score}
    return out


def office_zsets(view: View | None, tz: ZoneInfo) -> dict[str, dict[str, float]]:
    """Every sorted-set member the office's read side keeps for one view."""
    out: dict[str, dict[str, float]] = {}
    for part in (queues.memberships(view), search.index(view), index(view, tz)):
        for k, members in part.items():
            out.setdefault(k, {}).update(members)
    return out
