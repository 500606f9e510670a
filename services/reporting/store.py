"""Writing the read models: one Redis transaction per partition and batch.

WATCH the documents the batch touches (and, for the live projector, the partition's list of
target versions), read them, `project` in memory, then MULTI/EXEC the new documents and the
aggregate delta (one Lua script, `DELTA_LUA`). Each event is thus recorded as applied (it is
in its document's entries) atomically with its effects; a duplicate or a replay finds
itself there and changes nothing.
A concurrent writer (the rebuild, another worker during a rebalance) makes EXEC fail and the
batch is simply read and applied again.

On a Redis Cluster (docs/REDIS_CLUSTER.md) every key of one transaction carries its
partition's hash tag (one slot); a connection error (a master died, its replica is taking
over) also means "read and apply again", after a short pause, for as long as a failover
takes (`chassis.redis.transaction`: the slot's master, WATCH kept on one connection); and a
batch counts as applied only once the slot's replica has it (WAIT), so the projector never
commits Kafka offsets for writes a dying master would take along.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import msgspec
from redis.exceptions import (
    AskError,
    ClusterDownError,
    MovedError,
    SlotNotCoveredError,
    TryAgainError,
    WatchError,
)
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from chassis.redis import is_cluster_client, refresh, replicated, transaction

from .aggregates import Delta
from .keys import Keys
from .projection import Doc, Item, project

log = logging.getLogger(__name__)
_JSON = msgspec.json.Encoder()

#: what a Redis Cluster answers while a replica takes over from a dead master
FAILOVER_ERRORS = (RedisConnectionError, RedisTimeoutError, ClusterDownError, TryAgainError,
                   MovedError, AskError, SlotNotCoveredError)
#: how long `apply` keeps trying through a failover before the caller gets the error
#: (the live projector then retries the batch)
FAILOVER_PATIENCE = 30.0

#: a partition's whole aggregate delta for one version in one command (not one per key):
#: ARGV[1] is a JSON list of [key index, op, args]; op "r" = ZREM members, "a" = ZADD
#: score/member pairs, "c" = HINCRBY field/delta pairs where a field reaching 0 is removed
#: (the model stays canonical). Every value is a string (no float formatting in Lua).
#: Inside MULTI, so atomic with the documents; every key is in KEYS, on the one slot.
DELTA_LUA = """
local ops = cjson.decode(ARGV[1])
for _, op in ipairs(ops) do
  local key, kind, args = KEYS[op[1]], op[2], op[3]
  if kind == 'c' then
    for i = 1, #args, 2 do
      local v = redis.call('HINCRBY', key, args[i], args[i + 1])
      if v == 0 then redis.call('HDEL', key, args[i]) end
    end
  else
    local cmd = (kind == 'r') and 'ZREM' or 'ZADD'
    for i = 1, #args, 4000 do
      redis.call(cmd, key, unpack(args, i, math.min(i + 3999, #args)))
    end
  end
end
return #ops
"""


class NoTargets(RuntimeError):
    """No version is registered for this partition (the model was wiped): heal, then retry."""

    def __init__(self, partition: int) -> None:
        super().__init__(f"no read-model version registered for partition {partition}")
        self.partition = partition


@dataclass
class Applied:
    applied: list[Item] = field(default_factory=list)
    duplicates: list[Item] = field(default_factory=list)
    failed: list[tuple[Item, str]] = field(default_factory=list)
    views: dict[str, dict] = field(default_factory=dict)  # subject -> view (first target)
    versions: list[int] = field(default_factory=list)
    retries: int = 0


class Store:
    def __init__(self, redis, keys: Keys, tz: ZoneInfo, personal=None) -> None:
        self.redis = redis
        self.keys = keys
        self.tz = tz
        self.personal = personal  # `personal.Personal`: blind name terms for the search

    async def apply(self, partition: int, items: list[Item],
                    versions: list[int] | None = None) -> Applied:
        """Apply `items` (all of Kafka partition `partition`) to `versions`, or to the
        versions registered for the partition when None (the live projector)."""
        subjects = sorted({it.subject for it in items})
        if self.personal is not None:
            await self.personal.enrich({partition: items})
        retries, pause, waited = 0, 0.05, 0.0
        cluster = is_cluster_client(self.redis)
        while True:
            try:
                result = await self._attempt(partition, items, subjects, versions)
                result.retries = retries
                if cluster:
                    # a failover error here reruns the whole attempt, not just the WAIT:
                    # the new master may lack the write (reapplied), or have it (then the
                    # items count as duplicates: the model is right, the counts conservative)
                    await self._replicated(partition)
                return result
            except WatchError:
                retries += 1
            except FAILOVER_ERRORS as exc:
                if not cluster or waited >= FAILOVER_PATIENCE:
                    raise
                log.warning("redis unavailable, applying again", extra={
                    "partition": partition, "error": type(exc).__name__})
                retries += 1
                await refresh(self.redis)
                await asyncio.sleep(pause)
                waited += pause
                pause = min(pause * 2, 1.0)

    async def _replicated(self, p: int) -> None:
        # no replica within the timeout (down, or far behind; chassis.redis logs it): the
        # model goes on (a read model is rebuilt from Kafka if it ever has to be)
        await replicated(self.redis, self.keys.synced(p))

    async def _attempt(self, p: int, items: list[Item], subjects: list[str],
                       versions: list[int] | None) -> Applied:
        async with await transaction(self.redis, self.keys.targets(p)) as pipe:
            if versions is None:
                await pipe.watch(self.keys.targets(p))
                targets = sorted(int(v) for v in await pipe.smembers(self.keys.targets(p)))
                if not targets:
                    raise NoTargets(p)
            else:
                targets = list(versions)
            doc_keys = [self.keys.doc(v, p, s) for v in targets for s in subjects]
            await pipe.watch(*doc_keys)
            # MGET/MSET as raw commands: redis-py's cluster pipeline refuses its mget()/
            # mset() helpers outright; on one slot (the partition's tag) they are fine
            raws = await pipe.execute_command("MGET", *doc_keys)
            outcomes = []
            for i, v in enumerate(targets):
                chunk = raws[i * len(subjects):(i + 1) * len(subjects)]
                docs = {s: Doc.loads(raw) for s, raw in zip(subjects, chunk, strict=True)
                        if raw is not None}
                outcomes.append((v, project(docs, items, self.tz)))
            pipe.multi()
            for v, out in outcomes:
                if out.docs:
                    pipe.execute_command("MSET", *[x for subject, doc in out.docs.items()
                                                   for x in (self.keys.doc(v, p, subject),
                                                             doc.dumps())])
                self._queue_delta(pipe, v, p, out.delta)
            await pipe.execute()
        first = outcomes[0][1]
        failed = {id(it): (it, why) for _, out in outcomes for it, why in out.failed}
        return Applied(applied=first.applied, duplicates=first.duplicates,
                       failed=list(failed.values()),
                       views={s: d.view for s, d in first.docs.items()}, versions=targets)

    def _queue_delta(self, pipe, version: int, p: int, d: Delta) -> None:
        """One EVAL of DELTA_LUA for the delta (nothing when it is empty)."""
        keys: list[str] = []
        ops: list[list[object]] = []

        def op(name: str, kind: str, args: list[str]) -> None:
            keys.append(self.keys.part(version, p, name))
            ops.append([len(keys), kind, args])

        for name, members in sorted(d.zrem.items()):
            if members:
                op(name, "r", sorted(members))
        for name, members in sorted(d.zadd.items()):
            if members:
                op(name, "a", [x for m, score in sorted(members.items())
                               for x in (repr(float(score)), m)])
        for name, counts in sorted(d.counters.items()):
            args = [x for fld, n in sorted(counts.items()) if n for x in (fld, str(n))]
            if args:
                op(name, "c", args)
        if ops:
            # EVAL, not EVALSHA: inside MULTI a missing script would fail one command only
            pipe.eval(DELTA_LUA, len(keys), *keys, _JSON.encode(ops))

    # -- versions ---------------------------------------------------------------------------

    async def current_version(self) -> int | None:
        raw = await self.redis.get(self.keys.current)
        return int(raw) if raw is not None else None

    async def register(self, version: int, partitions: int) -> None:
        for p in range(partitions):
            await self.redis.sadd(self.keys.targets(p), version)

    async def unregister(self, version: int, partitions: int) -> None:
        for p in range(partitions):
            await self.redis.srem(self.keys.targets(p), version)

    async def registered(self, partitions: int) -> set[int]:
        found: set[int] = set()
        for p in range(partitions):
            found |= {int(v) for v in await self.redis.smembers(self.keys.targets(p))}
        return found

    async def drop_version(self, version: int) -> int:
        """Delete every key of a version (in batches, never blocking Redis for long)."""
        dropped = 0
        batch: list[bytes] = []
        async for key in self.redis.scan_iter(match=self.keys.version_prefix(version) + "*",
                                              count=1000):
            batch.append(key)
            if len(batch) >= 500:
                dropped += await self.redis.unlink(*batch)
                batch = []
        if batch:
            dropped += await self.redis.unlink(*batch)
        return dropped


def group_by_partition(items: list[tuple[int, Item]]) -> dict[int, list[Item]]:
    out: dict[int, list[Item]] = defaultdict(list)
    for p, item in items:
        out[p].append(item)
    return out
