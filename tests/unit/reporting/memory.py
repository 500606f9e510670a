"""An in-memory stand-in for the Redis side of the store (same semantics: deltas applied to
sorted sets and counters, zero counters removed), to test the pure projection."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from contracts import Envelope
from services.reporting.facts import entry_of
from services.reporting.projection import Doc, Item, Outcome, project

TZ = ZoneInfo("Asia/Jakarta")


def item(env: Envelope) -> Item:
    return Item(subject=env.subject, entry=entry_of(env, env.topic))


class MemoryModel:
    def __init__(self, personal=None) -> None:
        self.personal = personal  # `Personal`: blind name terms, as the store adds them
        self.docs: dict[str, Doc] = {}
        self.zsets: dict[str, dict[str, float]] = {}
        self.counters: dict[str, dict[str, int]] = {}

    def apply(self, envs: list[Envelope]) -> Outcome:
        items = [item(e) for e in envs]
        if self.personal is not None:
            self.personal._enrich(items)
        out = project({s: d for s, d in self.docs.items()
                       if s in {i.subject for i in items}}, items, TZ)
        self.docs.update(out.docs)
        for key, members in out.delta.zrem.items():
            for m in members:
                self.zsets.get(key, {}).pop(m, None)
        for key, members in out.delta.zadd.items():
            self.zsets.setdefault(key, {}).update(members)
        for key, counts in out.delta.counters.items():
            h = self.counters.setdefault(key, {})
            for f, n in counts.items():
                h[f] = h.get(f, 0) + n
                if h[f] == 0:
                    del h[f]
        return out

    def snapshot(self) -> dict:
        return {
            "docs": {s: d.dumps() for s, d in sorted(self.docs.items())},
            "zsets": {k: dict(sorted(v.items())) for k, v in sorted(self.zsets.items()) if v},
            "counters": {k: dict(sorted(v.items())) for k, v in sorted(self.counters.items())
                         if v},
        }

    def view(self, subject: str) -> dict:
        return json.loads(self.docs[subject].dumps())["view"]
