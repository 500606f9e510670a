"""Redis clients sized for the command path.

Every command in flight holds one connection while its HTTP handler waits (BLPOP) for the
reply; redis-py's default pool (100 connections, then MaxConnectionsError) turned a burst of
300 concurrent commands into 201 x 503. So the HTTP side gets a large *blocking* pool (a
burst waits for a connection instead of failing) and the agent replies through a small pool
of its own, so waiting handlers can never take the connections their replies come on."""

from __future__ import annotations

import redis.asyncio as aioredis

from chassis.web import ServiceContext

HTTP_CONNECTIONS = 1024
REPLY_CONNECTIONS = 8


def blocking_client(url: str, max_connections: int, wait: float) -> aioredis.Redis:
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=wait, socket_connect_timeout=2,
        health_check_interval=10, retry_on_timeout=True)
    return aioredis.Redis(connection_pool=pool, decode_responses=False)


async def open_pools(ctx: ServiceContext) -> None:
    wait = ctx.settings.command_timeout
    ctx.extras["http_redis"] = blocking_client(ctx.settings.redis_url, HTTP_CONNECTIONS, wait)
    ctx.extras["reply_redis"] = blocking_client(ctx.settings.redis_url, REPLY_CONNECTIONS, wait)


async def close_pools(ctx: ServiceContext) -> None:
    for name in ("http_redis", "reply_redis"):
        client = ctx.extras.pop(name, None)
        if client is not None:
            await client.aclose()


def http_redis(ctx: ServiceContext):
    return ctx.extras.get("http_redis") or ctx.redis


def reply_redis(ctx: ServiceContext):
    return ctx.extras.get("reply_redis") or ctx.redis
