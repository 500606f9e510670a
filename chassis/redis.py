"""The Redis client, created on first use (never at import time)."""

from __future__ import annotations

import redis.asyncio as aioredis

#: Every command in flight holds one connection while its HTTP handler waits (BLPOP) for the
#: reply; redis-py's default pool (100 connections, then MaxConnectionsError) turned a burst of
#: 300 concurrent commands into 201 x 503. So the service's client is a large *blocking* pool
#: (a burst waits for a connection instead of failing) ...
MAX_CONNECTIONS = 1024
#: ... and agents reply through a small pool of their own, so waiting handlers can never take
#: the connections their replies come on.
REPLY_CONNECTIONS = 8


def make_redis(url: str, max_connections: int = MAX_CONNECTIONS,
               wait: float = 20.0) -> aioredis.Redis:
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=wait, socket_connect_timeout=2,
        health_check_interval=10, retry_on_timeout=True)
    return aioredis.Redis(connection_pool=pool, decode_responses=False)
