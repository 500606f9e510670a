"""The SLA read model in Redis: what `GET /clocks` and `GET /escalations` answer, and how an
acknowledgement finds the subject (partition owner) of an escalation.

The changelog-backed table is the truth; this is a cache written by the owning agent after
each change and rewritten in full when partitions are assigned. Every write sets the full
current view of a clock or escalation (idempotent: replaying a write changes nothing).

Keys (`sla:v1:` prefix):
- `clock:<clock_id>` / `esc:<escalation_id>`: hashes with the item's fields;
- `clocks:<state>`, `clocks:all`, `case:<subject>:clocks`, `clocks:div:<division>:<state|all>`
  (the case's current division): sorted sets ordered by member `<started_at>|<clock_id>`
  (score 0, read BYLEX), so pages are stable; a division's page is also filtered by the
  clock's `division` field, so a membership left behind by a full rewrite never shows;
- `escs:<state>`, `escs:all`, `escs:div:<division>:<state|all>` (the case's division when
  raised), `escs:to:<role>:<state|all>` (the role it is addressed to), `case:<subject>:escs`:
  the same for escalations, by `<raised_at>|<escalation_id>`;
- `clocks:count:<class>`, `clocks:div:<division>:count:<class>`: the open clocks by what the
  ops board counts (`COUNT_CLASSES`: on track, at risk, breached, paused; see
  `count_classes`), kept with every write so that `GET /clocks/counts` is four ZCARDs
  (reading the breached clocks and the open escalations on every call cost the agent's
  event loop more than the agent itself during a herd).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from services.sla.clocks import Clock
from services.sla.domain import Escalation, SubjectState

PREFIX = "sla:v1:"
CLOCK_STATES = ("running", "paused", "met", "breached", "cancelled")
ESCALATION_STATES = ("open", "acknowledged", "resolved")
COUNT_CLASSES = ("on_track", "at_risk", "breached", "paused")


def _iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z") if value is not None else ""


def view_state(clock: Clock) -> str:
    """A running clock past its due reads as `breached` (what ops look for)."""
    return "breached" if clock.state == "running" and clock.breached_at else clock.state


def clock_view(subject: str, clock: Clock, division: str | None = None) -> dict[str, str]:
    return {
        "clock_id": clock.clock_id, "case_id": subject, "policy_id": clock.policy_id,
        "division": division or "",
        "state": view_state(clock), "open": "1" if clock.is_open else "0",
        "cycle": str(clock.cycle), "calendar_id": clock.calendar_id,
        "started_at": _iso(clock.started_at), "due_at": _iso(clock.due_at),
        "stopped_at": _iso(clock.stopped_at), "breached_at": _iso(clock.breached_at),
        "elapsed_working_seconds": "" if clock.elapsed_seconds is None
        else repr(clock.elapsed_seconds),
    }  # fmt: skip


def escalation_view(subject: str, esc: Escalation) -> dict[str, str]:
    return {
        "escalation_id": esc.escalation_id, "case_id": subject, "clock_id": esc.clock_id,
        "policy_id": esc.policy_id, "level": str(esc.level), "reason": esc.reason,
        "to_role": esc.to_role, "to_division": esc.to_division or "",
        "division": esc.division or esc.to_division or "", "state": esc.state,
        "due_at": _iso(esc.due_at), "scheduled_at": _iso(esc.scheduled_at),
        "raised_at": _iso(esc.raised_at), "acknowledged_by": esc.acknowledged_by or "",
        "acknowledged_at": _iso(esc.acknowledged_at), "note": esc.note or "",
        "resolved_at": _iso(esc.resolved_at), "resolution": esc.resolution or "",
    }  # fmt: skip


def _clock_member(view: dict[str, str]) -> str:
    return f"{view['started_at']}|{view['clock_id']}"


def _esc_member(view: dict[str, str]) -> str:
    return f"{view['raised_at']}|{view['escalation_id']}"


@dataclass(frozen=True)
class Views:
    """What the read model holds for one subject (to write only what changes)."""

    clocks: dict[str, dict[str, str]]
    escalations: dict[str, dict[str, str]]


#: a subject the read model has never seen: nothing to remove from other sets
NEW = Views({}, {})


def count_classes(v: Views) -> dict[str, str]:
    """clock_id -> the board's class of each open clock of a subject: a running clock is
    `at_risk` while an at-risk escalation of it is not resolved, else `on_track`; a clock
    running past its due `breached`; a paused one `paused`. Closed clocks have none."""
    risky = {e["clock_id"] for e in v.escalations.values()
             if e["reason"] == "at_risk" and e["state"] in ("open", "acknowledged")}
    out: dict[str, str] = {}
    for clock_id, view in v.clocks.items():
        state = view["state"]
        if state == "running":
            out[clock_id] = "at_risk" if clock_id in risky else "on_track"
        elif state == "breached" and view["open"] == "1":
            out[clock_id] = "breached"
        elif state == "paused":
            out[clock_id] = "paused"
    return out


def _bases(view: dict[str, str]) -> list[str]:
    return [f"{PREFIX}clocks:",
            *([f"{PREFIX}clocks:div:{view['division']}:"] if view["division"] else [])]


def write_counts(pipe, old: Views | None, new: Views) -> None:
    """Move each clock of the subject to its class's sets (`count_classes`) when its class,
    member or division changed; `old` None: clear the other classes too."""
    before = count_classes(old) if old is not None else {}
    after = count_classes(new)
    for clock_id, view in new.clocks.items():
        cls, member = after.get(clock_id), _clock_member(view)
        prior = old.clocks.get(clock_id) if old is not None else None
        if old is None:
            for base in _bases(view):
                for other in COUNT_CLASSES:
                    if other != cls:
                        pipe.zrem(f"{base}count:{other}", member)
        elif prior is not None and (before.get(clock_id), _clock_member(prior),
                                    prior["division"]) == (cls, member, view["division"]):
            continue
        elif prior is not None and before.get(clock_id):
            for base in _bases(prior):
                pipe.zrem(f"{base}count:{before[clock_id]}", _clock_member(prior))
        if cls:
            for base in _bases(view):
                pipe.zadd(f"{base}count:{cls}", {member: 0})


def views(state: SubjectState) -> Views:
    return Views({k.clock_id: clock_view(state.subject, k, state.division)
                  for k in state.clocks},
                 {e.escalation_id: escalation_view(state.subject, e) for e in state.escalations})


class Grouped:
    """A pipeline front that sends each sorted set's additions and removals of one batch as
    one ZADD / ZREM with many members (hashes pass straight through): a clock started is
    one HSET and one ZADD of its case's set instead of six commands, and the shared sets
    (`clocks:all`, `clocks:running`, ...) get one ZADD per batch. Equivalent to the single
    commands: within one batch every (set, member) pair is added or removed at most once
    (each member names one clock or escalation, each item is written once per batch), so
    their order does not matter. `flush()` queues the grouped commands on the pipeline."""

    def __init__(self, pipe) -> None:
        self.pipe = pipe
        self.added: dict[str, dict[str, float]] = {}
        self.removed: dict[str, list[str]] = {}

    def hset(self, key: str, mapping: dict[str, str]) -> None:
        self.pipe.hset(key, mapping=mapping)

    def zadd(self, key: str, mapping: dict[str, float]) -> None:
        self.added.setdefault(key, {}).update(mapping)

    def zrem(self, key: str, *members: str) -> None:
        self.removed.setdefault(key, []).extend(members)

    def flush(self) -> None:
        for key, members in self.removed.items():
            self.pipe.zrem(key, *members)
        for key, mapping in self.added.items():
            self.pipe.zadd(key, mapping)
        self.added, self.removed = {}, {}


def write_batch(pipe, changes) -> int:
    """Queue on `pipe` the writes of a batch of `(old, new)` (see `write_changes`), the
    sorted sets' members grouped per set (`Grouped`). Returns the number of items written."""
    grouped = Grouped(pipe)
    written = sum(write_changes(grouped, old, new) for old, new in changes)
    grouped.flush()
    return written


def write_changes(pipe, old: Views | None, new: SubjectState) -> int:
    """Queue on `pipe` what changed from `old` to `new`. `old` None: the read model may hold
    anything (rewrite everything and clear the other state sets); `NEW`: it holds nothing
    of this subject. Returns the number of items written."""
    written = 0
    current = views(new)
    before_clocks = old.clocks if old is not None else {}
    for clock in new.clocks:
        view = current.clocks[clock.clock_id]
        prior = before_clocks.get(clock.clock_id)
        if prior == view:
            continue
        written += 1
        member = _clock_member(view)
        pipe.hset(f"{PREFIX}clock:{clock.clock_id}", mapping=view)
        pipe.zadd(f"{PREFIX}case:{new.subject}:clocks", {member: 0})
        bases = [f"{PREFIX}clocks:",
                 *([f"{PREFIX}clocks:div:{view['division']}:"] if view["division"] else [])]
        for base in bases:
            pipe.zadd(base + "all", {member: 0})
            pipe.zadd(base + view["state"], {member: 0})
            stale = (CLOCK_STATES if old is None else () if prior is None
                     else (prior["state"],))
            for state in stale:
                if state != view["state"]:
                    pipe.zrem(base + state, member)
        if prior is not None and prior.get("division") and prior["division"] != view["division"]:
            for key in ("all", *CLOCK_STATES):  # the case went to another division
                pipe.zrem(f"{PREFIX}clocks:div:{prior['division']}:{key}", _clock_member(prior))
        if prior is not None and _clock_member(prior) != member:
            for key in ("all", prior["state"]):
                pipe.zrem(f"{PREFIX}clocks:{key}", _clock_member(prior))
                if prior.get("division"):
                    pipe.zrem(f"{PREFIX}clocks:div:{prior['division']}:{key}",
                              _clock_member(prior))
            pipe.zrem(f"{PREFIX}case:{new.subject}:clocks", _clock_member(prior))
    before_escs = old.escalations if old is not None else {}
    for esc in new.escalations:
        view = current.escalations[esc.escalation_id]
        prior = before_escs.get(esc.escalation_id)
        if prior == view:
            continue
        written += 1
        member = _esc_member(view)
        pipe.hset(f"{PREFIX}esc:{esc.escalation_id}", mapping=view)
        sets = [f"{PREFIX}escs:", f"{PREFIX}escs:to:{esc.to_role}:",
                *([f"{PREFIX}escs:div:{view['division']}:"] if view["division"] else [])]
        pipe.zadd(f"{PREFIX}case:{new.subject}:escs", {member: 0})
        for base in sets:
            pipe.zadd(base + "all", {member: 0})
            pipe.zadd(base + esc.state, {member: 0})
            stale = (ESCALATION_STATES if old is None else () if prior is None
                     else (prior["state"],))
            for state in stale:
                if state != esc.state:
                    pipe.zrem(base + state, member)
    write_counts(pipe, old, current)
    return written


# --- queries ------------------------------------------------------------------------------


def encode_cursor(member: str) -> str:
    return base64.urlsafe_b64encode(member.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    padded = cursor + "=" * (-len(cursor) % 4)
    return base64.urlsafe_b64decode(padded.encode()).decode()


_INTS = frozenset({"level", "cycle"})


def typed(row: dict[bytes, bytes]) -> dict[str, Any]:
    """A stored hash as the API answers it: numbers as numbers, empty fields as null."""
    out: dict[str, Any] = {}
    for k, v in row.items():
        key, text = k.decode(), v.decode()
        if key in _INTS:
            out[key] = int(text)
        elif key == "open":
            out[key] = text == "1"
        elif key == "elapsed_working_seconds":
            out[key] = float(text) if text else None
        else:
            out[key] = text or None
    return out


async def _page(redis, key: str, hash_prefix: str, cursor: str | None,
                limit: int) -> tuple[list[dict[str, Any]], str | None]:
    start = b"-" if cursor is None else b"(" + decode_cursor(cursor).encode()
    members = await redis.zrange(key, start, b"+", bylex=True, offset=0, num=limit + 1)
    more = len(members) > limit
    members = members[:limit]
    async with redis.pipeline(transaction=False) as pipe:
        for m in members:
            pipe.hgetall(hash_prefix + m.decode().rsplit("|", 1)[1])
        rows = await pipe.execute()
    items = [typed(row) for row in rows if row]
    next_cursor = encode_cursor(members[-1].decode()) if more and members else None
    return items, next_cursor


async def list_clocks(redis, *, case_id: str | None, state: str | None, cursor: str | None,
                      limit: int, division: str | None = None
                      ) -> tuple[list[dict[str, Any]], str | None]:
    """Clocks, oldest first; only those of cases now in `division` (when given)."""
    def mine(item: dict[str, Any]) -> bool:
        return division is None or item.get("division") == division

    if case_id is not None:
        items, nxt = await _page(redis, f"{PREFIX}case:{case_id}:clocks", f"{PREFIX}clock:",
                                 cursor, 1000)
        items = [i for i in items if (state is None or i["state"] == state) and mine(i)]
        return items[:limit], None
    base = f"{PREFIX}clocks:div:{division}:" if division else f"{PREFIX}clocks:"
    items, nxt = await _page(redis, base + (state or "all"), f"{PREFIX}clock:", cursor, limit)
    return [i for i in items if mine(i)], nxt


async def clock_counts(redis, *, division: str | None = None) -> dict[str, int]:
    """The open clocks by the board's class (`count_classes`; only those of cases now in
    `division`, when given): the sizes of the `count:` sets the writer keeps."""
    base = f"{PREFIX}clocks:div:{division}:" if division else f"{PREFIX}clocks:"
    async with redis.pipeline(transaction=False) as pipe:
        for cls in COUNT_CLASSES:
            pipe.zcard(f"{base}count:{cls}")
        sizes = await pipe.execute()
    return dict(zip(COUNT_CLASSES, (int(n) for n in sizes), strict=True))


async def list_escalations(redis, *, state: str | None, division: str | None,
                           case_id: str | None, cursor: str | None, limit: int,
                           to_role: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
    """Escalations, newest last; only the case `division`'s (when given) or only those
    addressed `to_role` (when given)."""
    if case_id is not None:
        items, _ = await _page(redis, f"{PREFIX}case:{case_id}:escs", f"{PREFIX}esc:", None,
                               1000)
        items = [i for i in items if (state is None or i["state"] == state)
                 and (division is None or i.get("division") == division)
                 and (to_role is None or i["to_role"] == to_role)]
        return items[:limit], None
    base = (f"{PREFIX}escs:div:{division}:" if division else
            f"{PREFIX}escs:to:{to_role}:" if to_role else f"{PREFIX}escs:")
    return await _page(redis, base + (state or "all"), f"{PREFIX}esc:", cursor, limit)


async def get_escalation(redis, escalation_id: str) -> dict[str, str] | None:
    row = await redis.hgetall(f"{PREFIX}esc:{escalation_id}")
    return typed(row) if row else None
