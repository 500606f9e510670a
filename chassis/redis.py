"""The Redis client, created on first use (never at import time): the one factory every
service, the key store and the tests use.

One URL names the deployment (`AUDIENSI_REDIS_URL`, `AUDIENSI_KEYSTORE_URL`):
- `redis://host:port/0` (or `rediss://`, `unix://`): one Redis server;
- `redis+cluster://host:port,host:port,…/0` (or `rediss+cluster://` for TLS): a Redis
  Cluster, reached through redis-py's cluster client (`RedisCluster`); the hosts are seed
  nodes (any one reachable is enough, the client learns the others from `CLUSTER SLOTS`).
  A cluster has database 0 only. User and password go in the URL as usual
  (`redis+cluster://user:secret@host:port,host:port/0`).

On a cluster every multi-key operation (MGET/MSET, MULTI/EXEC, WATCH, EVAL with several
keys, ZUNION/ZINTER) must stay on one hash slot: the key names carry a hash tag `{…}` for
that (services/reporting/keys.py: per Kafka partition; chassis/keystore.py: `{keystore}`;
services/documents/metadata.py: per case). See docs/REDIS_CLUSTER.md.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

import redis.asyncio as aioredis

#: Every command in flight holds one connection while its HTTP handler waits (BLPOP) for the
#: reply; redis-py's default pool (100 connections, then MaxConnectionsError) turned a burst of
#: 300 concurrent commands into 201 x 503. So the service's client is a large *blocking* pool
#: (a burst waits for a connection instead of failing) ...
MAX_CONNECTIONS = 1024
#: ... and agents reply through a small pool of their own, so waiting handlers can never take
#: the connections their replies come on.
REPLY_CONNECTIONS = 8
CLUSTER_SCHEMES = ("redis+cluster", "rediss+cluster")
#: how often the cluster client retries a command on a connection error / CLUSTERDOWN while
#: a replica takes over from a dead master (with back-off: rides out a failover of a few s)
CLUSTER_RETRIES = 10


def is_cluster(url: str) -> bool:
    return url.split("://", 1)[0].lower() in CLUSTER_SCHEMES


def endpoints(url: str) -> list[tuple[str, int]]:
    """(host, port) of every node a URL names (one for a single server; the seed nodes of a
    cluster). A `unix://` URL names none."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return []
    hosts = parts.netloc.rpartition("@")[2]
    out = []
    for item in hosts.split(","):
        host, _, port = item.strip().rpartition(":")
        if not host:
            host, port = item.strip(), ""
        out.append((host.strip("[]") or "127.0.0.1", int(port or 6379)))
    return out


def _cluster_options(url: str) -> dict[str, Any]:
    parts = urlsplit(url)
    db = parts.path.strip("/")
    if db not in ("", "0"):
        raise ValueError(f"a Redis Cluster has database 0 only, not {db!r} ({url})")
    userinfo = parts.netloc.rpartition("@")[0]
    user, _, password = userinfo.partition(":")
    options: dict[str, Any] = {"username": unquote(user) or None,
                               "password": unquote(password) or None}
    if parts.scheme.lower().startswith("rediss"):
        options["ssl"] = True
    return options


def make_redis(url: str, max_connections: int = MAX_CONNECTIONS,
               wait: float = 20.0) -> Any:
    """The asyncio client for `url`: `redis.asyncio.Redis` over a blocking pool, or
    `redis.asyncio.RedisCluster` (`max_connections` per node) for a cluster URL."""
    if is_cluster(url):
        from redis.asyncio.cluster import ClusterNode, RedisCluster
        from redis.asyncio.retry import Retry
        from redis.backoff import ExponentialBackoff

        nodes = [ClusterNode(h, p) for h, p in endpoints(url)]
        return RedisCluster(
            startup_nodes=nodes, max_connections=max_connections, socket_connect_timeout=2,
            health_check_interval=10, decode_responses=False,
            retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), CLUSTER_RETRIES),
            **_cluster_options(url))
    pool = aioredis.BlockingConnectionPool.from_url(
        url, max_connections=max_connections, timeout=wait, socket_connect_timeout=2,
        health_check_interval=10, retry_on_timeout=True)
    return aioredis.Redis(connection_pool=pool, decode_responses=False)


def make_sync_redis(url: str, socket_timeout: float = 5.0) -> Any:
    """The blocking client for `url` (the key store, the tests): `redis.Redis` or
    `redis.cluster.RedisCluster`."""
    import redis

    if is_cluster(url):
        from redis.backoff import ExponentialBackoff
        from redis.cluster import ClusterNode, RedisCluster
        from redis.retry import Retry

        nodes = [ClusterNode(h, p) for h, p in endpoints(url)]
        return RedisCluster(startup_nodes=nodes, socket_timeout=socket_timeout,
                            socket_connect_timeout=2,
                            retry=Retry(ExponentialBackoff(cap=1.0, base=0.05),
                                        CLUSTER_RETRIES),
                            **_cluster_options(url))
    return redis.Redis.from_url(url, socket_timeout=socket_timeout)


def is_cluster_client(client: Any) -> bool:
    from redis.asyncio.cluster import RedisCluster

    return isinstance(client, RedisCluster)


def transaction(client: Any) -> Any:
    """`client.pipeline(transaction=True)` for a WATCH … MULTI/EXEC that the caller runs
    again from its reads when it fails. On a cluster without redis-py's own retry of the
    transaction: that retry sends MULTI/EXEC again on a new connection without the WATCH
    (blind), and after an EXEC whose reply was lost it would apply it twice. A plain
    client's pipeline already raises WatchError when its connection fails while watching."""
    pipe = client.pipeline(transaction=True)
    strategy = getattr(pipe, "_execution_strategy", None)
    if strategy is not None and hasattr(strategy, "_retry"):
        from redis.asyncio.retry import Retry
        from redis.backoff import NoBackoff

        retry = Retry(NoBackoff(), 0)
        retry.update_supported_errors(list(strategy._retry._supported_errors))
        strategy._retry = retry
    return pipe


async def replicated(client: Any, marker: str, replicas: int = 1,
                     timeout_ms: int = 1000) -> int | None:
    """On a cluster: after writes to the slot of `marker`, wait until `replicas` replicas of
    its master have them (WAIT), so a master that dies now does not take them along (Redis
    replicates asynchronously: a promoted replica lacks what it had not received). WAIT
    counts the writes of its own connection, so it follows a write (INCR `marker`) on the
    same connection: the replication stream is in order, so every earlier write of the
    slot's master is covered. Returns the replicas that acknowledged (0: none within the
    timeout, e.g. the replica is down: the caller decides), None for a plain client."""
    if not is_cluster_client(client):
        return None
    if client._initialize:
        await client.initialize()
    node = client.get_node_from_key(marker)
    conn = node.acquire_connection()
    try:
        await conn.send_command("INCR", marker)
        await conn.read_response()
        await conn.send_command("WAIT", replicas, timeout_ms)
        return int(await conn.read_response())
    except BaseException:
        await conn.disconnect()
        raise
    finally:
        node.release(conn)


def write_replicated(client: Any, key: str, *command: Any, replicas: int = 1,
                     timeout_ms: int = 1000) -> tuple[Any, int | None]:
    """Blocking: run one write `command` on `key` and, on a cluster, WAIT on the same
    connection until `replicas` replicas of the key's master have it: what must outlive a
    failover (the key store: a created key, an erasure). Returns (reply, acknowledging
    replicas); the count is None for a plain client, or when the write had to go the
    cluster client's way (the slot moved, the master is failing over: then unconfirmed)."""
    from redis.cluster import RedisCluster
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import ResponseError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    if not isinstance(client, RedisCluster):
        return client.execute_command(*command), None
    try:
        node = client.get_node_from_key(key)
        pipe = node.redis_connection.pipeline(transaction=False)
        pipe.execute_command(*command)
        pipe.execute_command("WAIT", replicas, timeout_ms)
        reply, acks = pipe.execute()
        return reply, int(acks)
    except (ResponseError, RedisConnectionError, RedisTimeoutError):  # MOVED, a dead master
        return client.execute_command(*command), None
