"""Personal data on the read side: sealed everywhere, opened only for a reader allowed it.

The read model keeps the sealed tokens of the events (`contracts.sealed`) as they are: Redis
holds no name, phone, purpose or identity number in clear, and an erased record's tokens are
unreadable there as they are on Kafka. What the office reads (the case file, the guest book,
a search hit) is opened at the moment it is answered, through the key store (`open_tree`).

Search by name cannot look into ciphertext, so when a batch is projected the applicant's
name is opened once and turned into *blind* terms: a keyed HMAC of every word prefix
(`search.name_prefixes`) under the key store's search key. The terms are stored with the
event's facts; the index keys are `s:name:<blind term>` and a query is blinded the same way,
so Redis never sees a name. An erasure (`PersonalDataErased`) drops the terms from every
entry of the subject (`projection.scrub`), and with them its index keys.
"""

from __future__ import annotations

import asyncio
from typing import Any

from chassis.keystore import KeyedHash
from chassis.sealing import Sealer
from contracts.sealed import is_sealed

from .projection import Item
from .search import name_prefixes

SEARCH_KEY = "search-v1"
#: hex digits of a blind term (64 bits: collisions only widen a search, never leak)
TERM_HEX = 16


class Personal:
    def __init__(self, sealer: Sealer) -> None:
        self.sealer = sealer
        self._blind = KeyedHash(sealer.store, SEARCH_KEY)

    def blind(self, prefix: str) -> str:
        return self._blind.digest(prefix).hex()[:TERM_HEX]

    def terms(self, name: str | None) -> list[str]:
        return sorted(self.blind(p) for p in name_prefixes(name)) if name else []

    def _enrich(self, items: list[Item]) -> None:
        named = [i for i in items if is_sealed(i.entry.get("facts", {}).get("applicant_name"))]
        if not named:
            return
        names = self.sealer.open_tree([i.entry["facts"]["applicant_name"] for i in named])
        for item, name in zip(named, names, strict=True):
            terms = self.terms(name)
            if terms:
                item.entry["facts"]["name_terms"] = terms

    async def enrich(self, by_partition: dict[int, list[Item]]) -> None:
        """Add the blind name terms to the batch's requests (one key-store round trip)."""
        items = [i for batch in by_partition.values() for i in batch]
        await asyncio.to_thread(self._enrich, items)

    async def open(self, value: Any) -> Any:
        """`value` with every sealed token opened (None where the record was erased)."""
        return await asyncio.to_thread(self.sealer.open_tree, value)

    async def query_terms(self, words: list[str]) -> list[str]:
        return await asyncio.to_thread(lambda: [self.blind(w) for w in words])
