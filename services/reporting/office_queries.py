"""Reading the office's indexes (queues, search, guest book, complaints) from the live
version, summing over the partitions like `queries.Reader`."""

from __future__ import annotations

from typing import Any

from .projection import Doc
from .queries import Reader
from .search import plan


class OfficeReader:
    def __init__(self, reader: Reader) -> None:
        self.r = reader

    @property
    def redis(self):
        return self.r.redis

    async def _docs(self, v: int, rows: list[tuple[float, str, int]]) -> list[Doc]:
        async with self.redis.pipeline(transaction=False) as pipe:
            for _, member, p in rows:
                pipe.get(self.r.keys.doc(v, p, member))
            raws = await pipe.execute()
        return [Doc.loads(raw) for raw in raws if raw is not None]

    async def _ranked(self, v: int, key: str, limit: int, desc: bool = False,
                      ) -> tuple[int, list[tuple[float, str, int]]]:
        """(members in every partition, the first `limit` by score)."""
        rows: list[tuple[float, str, int]] = []
        count = 0
        async with self.redis.pipeline(transaction=False) as pipe:
            for p in range(self.r.partitions):
                k = self.r.keys.part(v, p, key)
                pipe.zcard(k)
                pipe.zrange(k, 0, limit - 1, desc=desc, withscores=True)
            answers = await pipe.execute()
        for p in range(self.r.partitions):
            count += answers[2 * p]
            rows += [(s, m.decode(), p) for m, s in answers[2 * p + 1]]
        rows.sort(key=lambda r: (-r[0], r[1]) if desc else (r[0], r[1]))
        return count, rows[:limit]

    async def queue(self, keys: list[str], limit: int) -> tuple[int, list[Doc]]:
        """(how many subjects, the first `limit` of them by score) of one queue fed by
        `keys` (a caller with two roles may see one queue through two scopes: a subject in
        both counts once, at its earliest score)."""
        v = await self.r.version()
        if len(keys) == 1:
            count, rows = await self._ranked(v, keys[0], limit)
            return count, await self._docs(v, rows)
        async with self.redis.pipeline(transaction=False) as pipe:
            for p in range(self.r.partitions):  # the keys of a partition share its slot
                pipe.zunion([self.r.keys.part(v, p, k) for k in keys], aggregate="MIN",
                            withscores=True)
            answers = await pipe.execute()
        rows = [(s, m.decode(), p) for p, found in enumerate(answers) for m, s in found]
        rows.sort(key=lambda r: (r[0], r[1]))
        return len(rows), await self._docs(v, rows[:limit])

    async def search(self, q: str, blinded: list[str], want: int) -> list[Doc]:
        """Candidates newest first: whole-reference matches, then name matches (`blinded`:
        the query's name prefixes, blinded: `personal.Personal.query_terms`)."""
        v = await self.r.version()
        ref_key, name_keys = plan(q, blinded)
        rows: list[tuple[float, str, int]] = []
        for p in range(self.r.partitions):
            part = [self.r.keys.part(v, p, k) for k in name_keys]
            found = await self.redis.zrange(self.r.keys.part(v, p, ref_key), 0, want - 1,
                                            desc=True, withscores=True)
            rows += [(s + 1e11, m.decode(), p) for m, s in found]  # references first
            if len(part) == 1:
                found = await self.redis.zrange(part[0], 0, want - 1, desc=True,
                                                withscores=True)
            elif part:
                found = await self.redis.zinter(part, aggregate="MAX", withscores=True)
            else:
                found = []
            rows += [(s, m.decode(), p) for m, s in found]
        rows.sort(key=lambda r: (-r[0], r[1]))
        seen: set[str] = set()
        unique = []
        for row in rows:
            if row[1] not in seen:
                seen.add(row[1])
                unique.append(row)
        return await self._docs(v, unique[:want])

    async def guestbook(self, day: str) -> list[tuple[Doc, list[str]]]:
        """The day's visits (check-in order) and the cases each led to."""
        v = await self.r.version()
        _, rows = await self._ranked(v, f"guestbook:{day}", 10_000)
        docs = await self._docs(v, rows)
        async with self.redis.pipeline(transaction=False) as pipe:
            for doc in docs:
                for p in range(self.r.partitions):
                    pipe.zrange(self.r.keys.part(v, p, f"visit:{doc.view['subject']}:cases"),
                                0, -1)
            answers = await pipe.execute()
        out = []
        for i, doc in enumerate(docs):
            chunk = answers[i * self.r.partitions:(i + 1) * self.r.partitions]
            out.append((doc, sorted(m.decode() for ms in chunk for m in ms)))
        return out

    async def complaints(self, f: Any, cursor, limit: int):
        return await self.r.list_cases(f, cursor, limit)
