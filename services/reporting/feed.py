"""The live escalation feed: a Redis stream the live projector appends to, once per
escalation event (deduplicated by event id), and `GET /escalations/stream` reads from.
The stream id is the SSE event id, so a client resumes with `Last-Event-ID`."""

from __future__ import annotations

import json
import re
from typing import Any

from .keys import Keys
from .projection import Item

ESCALATION_TYPES = frozenset({"EscalationRaised", "EscalationAcknowledged",
                              "EscalationResolved"})

#: append once: the seen-set and the stream share the `{feed}` hash tag (one slot)
APPEND_LUA = """
if redis.call('SADD', KEYS[2], ARGV[1]) == 0 then return false end
return redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'data', ARGV[3])
"""

STREAM_ID = re.compile(r"^\d+(-\d+)?$")


def feed_item(item: Item, view: dict | None) -> dict[str, Any]:
    """What a feed subscriber gets: the escalation, its case and the division it concerns."""
    e, f = item.entry, item.entry["facts"]
    esc = next((x for x in (view or {}).get("escalations", [])
                if x["escalation_id"] == f["escalation_id"]), {})
    # the case's division when it was raised (older events: the one it was addressed to,
    # else the case's division now)
    division = esc.get("division") or esc.get("to_division") or (view or {}).get("division")
    return {
        "event_id": e["id"], "type": e["type"], "time": e["time"], "case_id": item.subject,
        "escalation_id": f["escalation_id"], "division": division,
        "state": esc.get("state"),
        **{k: esc.get(k) for k in ("policy_id", "clock_id", "level", "reason", "to_role",
                                   "to_division", "due_at", "raised_at")},
        **{k: v for k, v in f.items() if k in ("acknowledged_by", "resolution")},
    }


def visible_to(item: dict[str, Any], roles: set[str], division: str | None) -> bool:
    """ops and head_of_office see every escalation; a division head those of their
    division's cases; the secretariat those addressed to the secretariat."""
    if roles & {"ops", "head_of_office"}:
        return True
    if "secretariat" in roles and item.get("to_role") == "secretariat":
        return True
    return "division_head" in roles and division is not None and item.get("division") == division


class Feed:
    def __init__(self, redis, keys: Keys, maxlen: int) -> None:
        self.redis = redis
        self.keys = keys
        self.maxlen = maxlen
        self._append = redis.register_script(APPEND_LUA)

    async def publish(self, item: Item, view: dict | None) -> bool:
        data = json.dumps(feed_item(item, view), ensure_ascii=False, sort_keys=True)
        added = await self._append(keys=[self.keys.feed, self.keys.feed_seen],
                                   args=[item.entry["id"], self.maxlen, data])
        return bool(added)

    async def publish_many(self, pairs: list[tuple[Item, dict | None]]) -> int:
        """`publish` each pair in order, in one round trip (a pipeline, not a transaction:
        each append is its own script, idempotent by event id). Returns how many were new."""
        if not pairs:
            return 0
        # EVAL queued as is (not the registered script through the pipeline: awaiting a
        # command on redis-py's cluster pipeline re-initialises it and drops the queue)
        async with self.redis.pipeline(transaction=False) as pipe:
            for item, view in pairs:
                data = json.dumps(feed_item(item, view), ensure_ascii=False, sort_keys=True)
                pipe.eval(APPEND_LUA, 2, self.keys.feed, self.keys.feed_seen,
                          item.entry["id"], self.maxlen, data)
            return sum(bool(added) for added in await pipe.execute())

    async def last_id(self) -> str:
        last = await self.redis.xrevrange(self.keys.feed, count=1)
        return last[0][0].decode() if last else "0-0"

    async def read(self, after: str, block_ms: int, count: int = 100,
                   redis=None) -> list[tuple[str, dict[str, Any]]]:
        got = await (redis or self.redis).xread({self.keys.feed: after}, count=count,
                                                 block=block_ms)
        out = []
        for _, entries in got or []:
            for sid, fields in entries:
                out.append((sid.decode(), json.loads(fields[b"data"])))
        return out
