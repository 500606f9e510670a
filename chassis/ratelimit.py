"""Rate limits shared by every worker of a service: a fixed window counter per client in
Redis (one key per window, so it is Cluster-safe: a single-key INCR with its expiry set in
the same round trip). Used where an unauthenticated caller could try codes or passwords:
the public status lookup, the console's sign-in.

`Limit.parse("10/60")` = 10 requests per 60 seconds. A refused call answers 429 with
`Retry-After` = the seconds left in the window. Refused calls count too: hammering does not
shorten the wait.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from .i18n import Text
from .problems import TooManyRequests
from .redis import transaction

SLOWED = Text("Terlalu banyak percobaan; coba lagi dalam {s} detik",
              "Too many attempts; try again in {s} seconds")


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Limit:
        count, _, seconds = text.partition("/")
        limit = cls(int(count), int(seconds or 60))
        if limit.count < 1 or limit.seconds < 1:
            raise ValueError(f"a rate limit is N/SECONDS with both >= 1, not {text!r}")
        return limit


class RateLimiter:
    def __init__(self, redis, name: str, limit: Limit, clock=time.time) -> None:
        self.redis = redis
        self.name = name
        self.limit = limit
        self.clock = clock

    def key(self, client: str, window: int) -> str:
        return f"audiensi:{{rl}}:{self.name}:{client}:{window}"

    async def hit(self, client: str) -> int | None:
        """Count a call; None when allowed, else the seconds until the next window."""
        now = self.clock()
        window = int(now // self.limit.seconds)
        key = self.key(client, window)
        async with await transaction(self.redis, key) as pipe:
            pipe.incr(key)
            pipe.expire(key, self.limit.seconds + 1)
            count, _ = await pipe.execute()
        if count <= self.limit.count:
            return None
        return max(1, int((window + 1) * self.limit.seconds - now + 0.999))

    async def check(self, client: str) -> None:
        """Raise 429 (with Retry-After) once `client` is over the limit."""
        wait = await self.hit(client)
        if wait is not None:
            raise TooManyRequests(Text(SLOWED.id.format(s=wait), SLOWED.en.format(s=wait)),
                                  retry_after=wait)
