"""Reading the read models: always from the version `rm:current` names, summing the
per-partition keys. Any worker can answer (the model is in Redis, not in a local table)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from .keys import Keys
from .model import LEAD_STEPS
from .projection import Doc
from .reading import TimeRange, after_cursor, decode_cursor, encode_cursor


class ModelMissing(RuntimeError):
    """No version is live yet (first start, or Redis was wiped and a rebuild runs)."""


@dataclass(frozen=True)
class CaseFilter:
    status: str | None = None
    division: str | None = None
    channel: str | None = None
    range: TimeRange = TimeRange()

    def index_keys(self) -> list[str]:
        """Most selective index first; the rest are membership checks."""
        keys = [f"cases:status:{self.status}" if self.status else None,
                f"cases:division:{self.division}" if self.division else None,
                f"cases:channel:{self.channel}" if self.channel else None]
        return [k for k in keys if k] or ["cases"]


def _counts(raw: dict[bytes, bytes]) -> dict[str, int]:
    return {k.decode(): int(v) for k, v in raw.items()}


class Reader:
    def __init__(self, redis, keys: Keys, partitions: int) -> None:
        self.redis = redis
        self.keys = keys
        self.partitions = partitions

    async def version(self) -> int:
        raw = await self.redis.get(self.keys.current)
        if raw is None:
            raise ModelMissing()
        return int(raw)

    async def _hashes(self, v: int, name: str) -> list[dict[str, int]]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for p in range(self.partitions):
                pipe.hgetall(self.keys.part(v, p, name))
            return [_counts(h) for h in await pipe.execute()]

    async def doc(self, subject: str) -> Doc | None:
        v = await self.version()
        async with self.redis.pipeline(transaction=False) as pipe:
            for p in range(self.partitions):
                pipe.get(self.keys.doc(v, p, subject))
            found = [raw for raw in await pipe.execute() if raw is not None]
        return Doc.loads(found[0]) if found else None

    async def _partition_page(self, v: int, p: int, f: CaseFilter,
                              cursor: tuple[float, str] | None,
                              want: int) -> list[tuple[float, str, int]]:
        primary, *others = f.index_keys()
        hi: float | str = "+inf"
        if f.range.hi is not None:
            hi = f"({f.range.hi}"
        if cursor is not None and (f.range.hi is None or cursor[0] < f.range.hi):
            hi = cursor[0]
        lo = f.range.lo if f.range.lo is not None else "-inf"
        out: list[tuple[float, str, int]] = []
        offset, chunk = 0, max(2 * want, 64)
        while len(out) < want:
            rows = await self.redis.zrange(self.keys.part(v, p, primary), hi, lo, desc=True,
                                           byscore=True, offset=offset, num=chunk,
                                           withscores=True)
            offset += len(rows)
            found = [(s, m.decode(), p) for m, s in rows if after_cursor(cursor, s, m.decode())]
            for other in others:
                if not found:
                    break
                scores = await self.redis.zmscore(self.keys.part(v, p, other),
                                                  [m for _, m, _ in found])
                found = [x for x, s in zip(found, scores, strict=True) if s is not None]
            out += found
            if len(rows) < chunk:
                break
        return out[:want]

    async def list_cases(self, f: CaseFilter, cursor: tuple[float, str] | None,
                         limit: int) -> tuple[list[dict[str, Any]], str | None]:
        """Views of the cases of one page (newest first) and the cursor of the next."""
        v = await self.version()
        rows: list[tuple[float, str, int]] = []
        for p in range(self.partitions):
            rows += await self._partition_page(v, p, f, cursor, limit + 1)
        rows.sort(key=lambda r: (r[0], r[1]), reverse=True)
        page, more = rows[:limit], len(rows) > limit
        async with self.redis.pipeline(transaction=False) as pipe:
            for _, member, p in page:
                pipe.get(self.keys.doc(v, p, member))
            raws = await pipe.execute()
        views = [Doc.loads(raw).view for raw in raws if raw is not None]
        next_cursor = encode_cursor(page[-1][0], page[-1][1]) if more and page else None
        return views, next_cursor

    async def iter_cases(self, f: CaseFilter, page_size: int = 500) -> AsyncIterator[dict]:
        cursor = None
        while True:
            views, nxt = await self.list_cases(f, cursor, page_size)
            for view in views:
                yield view
            if nxt is None:
                return
            cursor = decode_cursor(nxt)

    async def sla(self) -> list[dict[str, int]]:
        return await self._hashes(await self.version(), "sla")

    async def workload(self) -> list[dict[str, int]]:
        return await self._hashes(await self.version(), "workload")

    async def complaints(self) -> list[dict[str, int]]:
        return await self._hashes(await self.version(), "complaints")

    async def volume(self) -> list[dict[str, int]]:
        return await self._hashes(await self.version(), "volume")

    async def lead_times(self, rng: TimeRange) -> dict[str, list[float]]:
        v = await self.version()
        values: dict[str, list[float]] = {step: [] for step in LEAD_STEPS}
        for p in range(self.partitions):
            if rng.lo is None and rng.hi is None:
                for step in LEAD_STEPS:
                    rows = await self.redis.zrange(self.keys.part(v, p, f"lead:{step}"), 0, -1,
                                                   withscores=True)
                    values[step] += [s for _, s in rows]
                continue
            lo = rng.lo if rng.lo is not None else "-inf"
            hi = f"({rng.hi}" if rng.hi is not None else "+inf"
            members = await self.redis.zrange(self.keys.part(v, p, "cases"), lo, hi,
                                              byscore=True)
            if not members:
                continue
            for step in LEAD_STEPS:
                scores = await self.redis.zmscore(self.keys.part(v, p, f"lead:{step}"), members)
                values[step] += [s for s in scores if s is not None]
        return values
