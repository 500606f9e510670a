"""Applying a fetched batch of Kafka records to the read models: decode, split by partition,
one transaction per partition (`Store.apply`), and what came of it. The live projector and
the rebuild both go through an *applier*: `InProcess` here, or `workers.Pool`, which runs
this same code in processes of their own, one per group of partitions."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Protocol

from .feed import ESCALATION_TYPES
from .projection import Doc, Item
from .records import Poison, item_of
from .store import Applied, Store


@dataclass
class BatchOutcome:
    applied: int = 0
    duplicates: int = 0
    #: (the Kafka record, why): not decodable, not projectable, or breaking its subject's view
    poison: list[tuple[Any, str]] = field(default_factory=list)
    #: escalation events of the batch (applied or duplicate) with their subject's view
    escalations: list[tuple[Item, dict | None]] = field(default_factory=list)


class Applier(Protocol):
    async def start(self) -> None: ...

    async def apply(self, records: list[Any], versions: list[int] | None,
                    escalations: bool = False) -> BatchOutcome:
        """Apply `records` to `versions` (None: the versions registered per partition);
        raises `store.NoTargets` when a partition has none."""

    async def stop(self) -> None: ...


def split(records: list[Any]) -> tuple[dict[int, list[Item]], list[tuple[Any, str]]]:
    by_partition: dict[int, list[Item]] = defaultdict(list)
    poison: list[tuple[Any, str]] = []
    for record in records:
        try:
            p, item = item_of(record)
        except Poison as exc:
            poison.append((record, str(exc)))
            continue
        by_partition[p].append(item)
    return by_partition, poison


async def apply_partitions(store: Store, by_partition: dict[int, list[Item]],
                           versions: list[int] | None) -> dict[int, Applied]:
    """Apply every partition's items concurrently (one transaction per partition)."""
    parts = sorted(by_partition)
    results = await asyncio.gather(*(store.apply(p, by_partition[p], versions) for p in parts))
    return dict(zip(parts, results, strict=True))


class InProcess:
    """The applier of one process: everything on this event loop."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def apply(self, records: list[Any], versions: list[int] | None,
                    escalations: bool = False) -> BatchOutcome:
        by_partition, poison = split(records)
        results = await apply_partitions(self.store, by_partition, versions)
        out = BatchOutcome(poison=poison)
        for result in results.values():
            out.poison += [(item.ref, why) for item, why in result.failed]
            out.applied += len(result.applied)
            out.duplicates += len(result.duplicates)
            if escalations:
                for item in [*result.applied, *result.duplicates]:
                    if item.entry["type"] in ESCALATION_TYPES:
                        out.escalations.append((item, result.views.get(item.subject)
                                                or await self._view(item)))
        return out

    async def _view(self, item: Item) -> dict | None:
        """The current view of a subject the batch saw only as a duplicate."""
        version = await self.store.current_version()
        if version is None:
            return None
        raw = await self.store.redis.get(self.store.keys.doc(version, item.ref.partition,
                                                             item.subject))
        return Doc.loads(raw).view if raw else None
