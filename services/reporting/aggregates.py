"""What one subject's view contributes to the shared read models (indexes, counters,
lead-time distributions), and the difference between two contributions. Pure.

Aggregates stay order independent because a subject's contribution is a function of its
view: applying an event retracts the old contribution and adds the new one, so the
totals are always the sum over subjects of contribution(final view).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from .lists import office_zsets  # queues, search, lists: the office's read side
from .model import CLOSED_STATUSES, View
from .timefmt import epoch, local_day

SEP = "|"


@dataclass
class Contribution:
    #: sorted-set key -> member -> score
    zsets: dict[str, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    #: hash key -> field -> count
    counters: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))


@dataclass
class Delta:
    zadd: dict[str, dict[str, float]] = field(default_factory=lambda: defaultdict(dict))
    zrem: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    counters: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def merge(self, other: Delta) -> None:
        for key, members in other.zadd.items():
            self.zadd[key].update(members)
        for key, members in other.zrem.items():
            self.zrem[key] |= members
        for key, counts in other.counters.items():
            self.counters[key].update(counts)

    def empty(self) -> bool:
        return not (any(self.zadd.values()) or any(self.zrem.values())
                    or any(v for c in self.counters.values() for v in c.values()))


def contribution(view: View | None, tz: ZoneInfo) -> Contribution:
    out = Contribution()
    if not view:
        return out
    subject, kind = view["subject"], view["kind"]
    if kind == "case":
        _case(out, view, subject, tz)
    elif kind == "complaint":
        if view.get("filed_at") and view.get("channel"):
            day = local_day(view["filed_at"], tz)
            out.counters["volume"][SEP.join(("complaints", day, view["channel"]))] += 1
        if view.get("status"):
            out.counters["complaints"][view["status"]] += 1
    elif kind == "visit":
        out.counters["volume"][SEP.join(("visits", local_day(view["checked_in_at"], tz)))] += 1
    for clock in view["clocks"]:
        if clock.get("policy_id") and clock.get("started_at"):
            day = local_day(clock["started_at"], tz)
            out.counters["sla"][SEP.join((clock["policy_id"], day, "started"))] += 1
            out.counters["sla"][SEP.join((clock["policy_id"], day, clock["state"]))] += 1
    for name, members in office_zsets(view, tz).items():
        out.zsets[name].update(members)
    return out


def _case(out: Contribution, view: View, subject: str, tz: ZoneInfo) -> None:
    score = epoch(view.get("requested_at") or view["first_at"])
    out.zsets["cases"][subject] = score
    if view.get("status"):
        out.zsets[f"cases:status:{view['status']}"][subject] = score
    if view.get("division"):
        out.zsets[f"cases:division:{view['division']}"][subject] = score
    if view.get("channel"):
        out.zsets[f"cases:channel:{view['channel']}"][subject] = score
    if view.get("status") not in CLOSED_STATUSES:
        if view.get("division"):
            out.counters["workload"][SEP.join(("division", view["division"]))] += 1
        if view.get("officer_id"):
            out.counters["workload"][SEP.join(("officer", view.get("division") or "-",
                                               view["officer_id"]))] += 1
    if view.get("requested_at") and view.get("channel"):
        day = local_day(view["requested_at"], tz)
        out.counters["volume"][SEP.join(("requests", day, view["channel"]))] += 1
    for step, seconds in view.get("lead_times", {}).items():
        out.zsets[f"lead:{step}"][subject] = seconds


def delta(old: Contribution, new: Contribution) -> Delta:
    """What turns `old` into `new`. A key only one side has (every key of a new subject)
    is copied whole, without comparing member by member."""
    d = Delta()
    for key, after in new.zsets.items():
        before = old.zsets.get(key)
        if not before:
            if after:
                d.zadd[key].update(after)
            continue
        changed = {m: sc for m, sc in after.items() if before.get(m) != sc}
        if changed:
            d.zadd[key].update(changed)
        gone = before.keys() - after.keys()
        if gone:
            d.zrem[key] |= gone
    for key, before in old.zsets.items():
        if key not in new.zsets and before:
            d.zrem[key] |= before.keys()
    for key in old.counters.keys() | new.counters.keys():
        before, after = old.counters.get(key, {}), new.counters.get(key, {})
        diff = {f: n - before.get(f, 0) for f, n in after.items()}
        for f, n in before.items():
            if f not in after:
                diff[f] = -n
        nonzero = {f: n for f, n in diff.items() if n}
        if nonzero:
            d.counters[key].update(nonzero)
    return d
