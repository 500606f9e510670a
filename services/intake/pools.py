"""Redis clients of the intake service, sized for its command path.

Every command in flight holds one Redis connection while its HTTP handler waits (BLPOP) for
the reply, so the HTTP side gets a large *blocking* pool (a burst waits for a connection
instead of failing), and the agents reply through a pool of their own, so waiting handlers
can never starve the writers of the connections they answer on. (`chassis.redis.make_redis`
uses redis-py's default: 100 connections, failing with MaxConnectionsError beyond that.)
"""

from __future__ import annotations

import redis.asyncio as aioredis

HTTP_CONNECTIONS = 1024
AGENT_CONNECTIONS = 8


def blocking_client(url: str, max_connections: int, wait: float) -> aioredis.Redis:
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=wait, socket_connect_timeout=2,
        health_check_interval=10, retry_on_timeout=True)
    return aioredis.Redis(connection_pool=pool, decode_responses=False)


class Pools:
    def __init__(self) -> None:
        self.http: aioredis.Redis | None = None
        self.replies: aioredis.Redis | None = None

    def open(self, url: str, wait: float) -> None:
        self.http = blocking_client(url, HTTP_CONNECTIONS, wait)
        self.replies = blocking_client(url, AGENT_CONNECTIONS, wait)

    async def close(self) -> None:
        for client in (self.http, self.replies):
            if client is not None:
                await client.aclose()
        self.http = self.replies = None
