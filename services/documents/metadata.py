"""The service's own state in Redis: what it knows of each case (`domain.View`), the case's
documents, and the per-case sequence of its events.

Keys (a case's keys share a hash tag: one Redis Cluster slot):
    docs:v1:{<case>}:view      JSON of the case view (written by the feed only)
    docs:v1:{<case>}:docs      hash document id -> JSON metadata
    docs:v1:{<case>}:removed   set of removed document ids (a late replay of an attach is a no-op)
    docs:v1:{<case>}:seq       the last sequence given to an event of the case
    docs:v1:{<case>}:lock      held while an event of the case is numbered and published
    docs:v1:doc:<document>     the document's case id (a slot of its own: written apart)
Every write is idempotent: the feed replays the service's own topic into the same keys.
"""

from __future__ import annotations

import json
from typing import Any

from chassis.redis import transaction

from .domain import View

PREFIX = "docs:v1:"


def _case(case_id: str, what: str) -> str:
    return f"{PREFIX}{{{case_id}}}:{what}"


def doc_key(document_id: str) -> str:
    return f"{PREFIX}doc:{document_id}"


class Metadata:
    def __init__(self, redis) -> None:
        self.redis = redis

    # -- cases ----------------------------------------------------------------------------
    async def view(self, case_id: str) -> View | None:
        raw = await self.redis.get(_case(case_id, "view"))
        return json.loads(raw) if raw else None

    async def put_view(self, case_id: str, view: View) -> None:
        await self.redis.set(_case(case_id, "view"), json.dumps(view))

    # -- documents ------------------------------------------------------------------------
    async def attach(self, doc: dict[str, Any]) -> bool:
        """Record a document unless it was removed; True if it is (now) recorded."""
        case_id, document_id = doc["case_id"], doc["document_id"]
        if await self.redis.sismember(_case(case_id, "removed"), document_id):
            return False
        # two slots on a Redis Cluster (the document's key has no case tag: it is looked up
        # by document id alone), so two writes, the pointer first: a crash between them
        # leaves a pointer to a case without the document (not found, as before the attach),
        # and the feed's replay writes both again
        await self.redis.set(doc_key(document_id), case_id)
        await self.redis.hset(_case(case_id, "docs"), document_id, json.dumps(doc))
        return True

    async def remove(self, case_id: str, document_id: str) -> None:
        async with await transaction(self.redis, _case(case_id, "removed")) as pipe:
            pipe.sadd(_case(case_id, "removed"), document_id)
            pipe.hdel(_case(case_id, "docs"), document_id)
            await pipe.execute()

    async def documents(self, case_id: str) -> list[dict[str, Any]]:
        raw = await self.redis.hvals(_case(case_id, "docs"))
        return sorted((json.loads(r) for r in raw), key=lambda d: (d["at"], d["document_id"]))

    async def document(self, document_id: str) -> dict[str, Any] | None:
        case_id = await self.redis.get(doc_key(document_id))
        if case_id is None:
            return None
        case_id = case_id.decode() if isinstance(case_id, bytes) else case_id
        raw = await self.redis.hget(_case(case_id, "docs"), document_id)
        return json.loads(raw) if raw else None

    # -- numbering ------------------------------------------------------------------------
    def lock(self, case_id: str, timeout: float = 15.0):
        """Held while an event of the case is numbered and published, so the sequence on the
        topic grows in the order of the records (across workers)."""
        return self.redis.lock(_case(case_id, "lock"), timeout=timeout, blocking_timeout=timeout)

    async def next_sequence(self, case_id: str) -> int:
        return int(await self.redis.incr(_case(case_id, "seq")))

    async def saw_sequence(self, case_id: str, sequence: int) -> None:
        """Never number below an event already on the topic (a Redis rebuilt from the log)."""
        key = _case(case_id, "seq")
        current = await self.redis.get(key)
        if current is None or int(current) < sequence:
            await self.redis.set(key, sequence)
