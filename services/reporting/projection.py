"""Applying a batch of events to subject documents, in memory. Pure.

The Redis store loads the documents a batch touches, calls `project`, and writes back the
changed documents and the aggregate delta in one transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from .aggregates import Delta, contribution, delta
from .model import Entry, View, derive, insert


@dataclass
class Doc:
    """What is stored per subject: the applied entries (the dedupe record) and the view."""

    entries: list[Entry] = field(default_factory=list)
    view: View | None = None

    @classmethod
    def loads(cls, raw: bytes | str | None) -> Doc:
        if raw is None:
            return cls()
        body = json.loads(raw)
        return cls(entries=body["entries"], view=body["view"])

    def dumps(self) -> str:
        return json.dumps({"entries": self.entries, "view": self.view}, sort_keys=True,
                          ensure_ascii=False, separators=(",", ":"))


@dataclass
class Item:
    """One decoded event on its way into the model; `ref` is the Kafka record it came from."""

    subject: str
    entry: Entry
    ref: Any = None


@dataclass
class Outcome:
    docs: dict[str, Doc] = field(default_factory=dict)  # changed subjects only
    delta: Delta = field(default_factory=Delta)
    applied: list[Item] = field(default_factory=list)
    duplicates: list[Item] = field(default_factory=list)
    failed: list[tuple[Item, str]] = field(default_factory=list)


def project(docs: dict[str, Doc], items: list[Item], tz: ZoneInfo) -> Outcome:
    """Apply `items` (in any order) to `docs` (subject -> stored doc)."""
    out = Outcome()
    working: dict[str, list[Entry]] = {}
    for item in items:
        entries = working.get(item.subject)
        if entries is None:
            entries = docs.get(item.subject, Doc()).entries
        new_entries, added = insert(entries, item.entry)
        if not added:
            out.duplicates.append(item)
            continue
        try:
            derive(item.subject, new_entries)
        except Exception as exc:  # noqa: BLE001 - an event we cannot apply is dead-lettered
            out.failed.append((item, f"cannot apply {item.entry['type']}: {exc!r}"))
            continue
        working[item.subject] = new_entries
        out.applied.append(item)
    for subject, entries in working.items():
        old = docs.get(subject, Doc())
        view = derive(subject, entries)
        out.docs[subject] = Doc(entries=entries, view=view)
        out.delta.merge(delta(contribution(old.view, tz), contribution(view, tz)))
    return out
