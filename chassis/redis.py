"""The Redis client, created on first use (never at import time)."""

from __future__ import annotations

import redis.asyncio as aioredis

#: every in-flight command holds a connection while it waits for its reply (BLPOP): the pool
#: blocks for a free connection instead of failing when a burst exceeds it
MAX_CONNECTIONS = 512


def make_redis(url: str, max_connections: int = MAX_CONNECTIONS) -> aioredis.Redis:
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=20, socket_connect_timeout=2,
        health_check_interval=10, retry_on_timeout=True)
    return aioredis.Redis(connection_pool=pool, decode_responses=False)
