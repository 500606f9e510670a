"""The Redis client, created on first use (never at import time)."""

from __future__ import annotations

import redis.asyncio as aioredis


def make_redis(url: str) -> aioredis.Redis:
    return aioredis.from_url(url, decode_responses=False, health_check_interval=10,
                             socket_connect_timeout=2, retry_on_timeout=True)
