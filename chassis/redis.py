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

import contextlib
import json
import logging
import time
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

import redis.asyncio as aioredis

log = logging.getLogger(__name__)

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


def signed_url(url: str, settings) -> str:
    """`url` signed in as this process's Redis user (`AUDIENSI_REDIS_USER`; its password
    `AUDIENSI_REDIS_PASSWORD`, a docker secret, or else from the `AUDIENSI_REDIS_CREDENTIALS`
    file), unless the URL names a user itself or no user is configured."""
    parts = urlsplit(url)
    if not settings.redis_user or "@" in parts.netloc or \
            parts.scheme.lower() not in ("redis", "rediss", *CLUSTER_SCHEMES):
        return url
    password = settings.redis_password
    if password is None and settings.redis_credentials is not None:
        password = json.loads(settings.redis_credentials.read_text()).get(settings.redis_user)
    auth = quote(settings.redis_user, safe="") + (
        ":" + quote(password, safe="") if password else "")
    return urlunsplit((parts.scheme, f"{auth}@{parts.netloc}", parts.path, parts.query,
                       parts.fragment))


def service_redis(settings, max_connections: int = MAX_CONNECTIONS, wait: float = 20.0) -> Any:
    """The service's client of its Redis (`redis_url`, signed in as its user)."""
    return make_redis(signed_url(settings.redis_url, settings), max_connections, wait)


def make_redis(url: str, max_connections: int = MAX_CONNECTIONS,
               wait: float = 20.0) -> Any:
    """The asyncio client for `url`: `redis.asyncio.Redis` over a blocking pool, or
    `redis.asyncio.RedisCluster` (`max_connections` per node) for a cluster URL."""
    if is_cluster(url):
        from redis.asyncio.cluster import ClusterNode, RedisCluster
        from redis.asyncio.retry import Retry
        from redis.backoff import ExponentialBackoff

        nodes = [ClusterNode(h, p) for h, p in endpoints(url)]
        client = RedisCluster(
            startup_nodes=nodes, max_connections=max_connections, socket_connect_timeout=2,
            health_check_interval=10, decode_responses=False,
            retry=Retry(ExponentialBackoff(cap=1.0, base=0.05), CLUSTER_RETRIES),
            **_cluster_options(url))
        client.__dict__["_audiensi_wait"] = wait  # the transactions' pools (`transaction`)
        return client
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


async def transaction(client: Any, key: str) -> Any:
    """A `pipeline(transaction=True)` for a WATCH … MULTI/EXEC on `key`'s slot, which the
    caller runs again from its reads when it fails (WatchError, or a connection error).

    On a cluster it is a plain client's pipeline on the master of `key`'s slot (one
    connection pool per master, kept on the cluster client): every key of the transaction
    must then be on that slot (a hash tag), or the server answers CROSSSLOT/MOVED. Not
    redis-py's cluster transaction: that one runs each queued command through a new thread
    whose join blocks the event loop (a projection batch 3-5 times slower, and every HTTP
    handler of the process stalled meanwhile), and its retry after a connection error
    resends MULTI/EXEC on a new connection without the WATCH — blind, and twice applied
    after an EXEC whose reply was lost. A plain pipeline raises WatchError instead when its
    connection fails while watching. A failure that says the master is gone or moved makes
    the cluster client learn the slots again before its next use (`refresh` does it now)."""
    if not is_cluster_client(client):
        return client.pipeline(transaction=True)
    if client._initialize:
        await client.initialize()
    node = client.get_node_from_key(key)
    nodes = client.__dict__.setdefault("_audiensi_masters", {})
    direct = nodes.get(node.name)
    if direct is None:
        kwargs = {k: v for k, v in node.connection_kwargs.items()
                  if k not in ("event_dispatcher",)}
        # blocking, as a one-server client's pool: a burst waits for a connection
        pool = aioredis.BlockingConnectionPool(connection_class=node.connection_class,
                                               max_connections=node.max_connections,
                                               timeout=client.__dict__.get(
                                                   "_audiensi_wait", 20.0), **kwargs)
        direct = nodes[node.name] = aioredis.Redis(connection_pool=pool)
    pipe = _MasterPipeline(direct.connection_pool, direct.response_callbacks, True, None)
    pipe.cluster = client
    return pipe


def _stale_errors() -> tuple[type[BaseException], ...]:
    from redis.exceptions import (
        AskError,
        ClusterDownError,
        MovedError,
        TryAgainError,
    )
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    return (RedisConnectionError, RedisTimeoutError, MovedError, AskError, ClusterDownError,
            TryAgainError)


class _MasterPipeline(aioredis.client.Pipeline):
    """A plain transaction pipeline on one master of a cluster: when the master is gone or
    no longer owns the slot, its cluster client learns the slots again before its next
    command (so the caller's next attempt goes to the new master)."""

    cluster: Any = None

    def _stale(self) -> None:
        if self.cluster is not None:
            self.cluster._initialize = True

    async def immediate_execute_command(self, *args, **options):
        try:
            return await super().immediate_execute_command(*args, **options)
        except _stale_errors():
            self._stale()
            raise

    async def execute(self, raise_on_error: bool = True):
        try:
            return await super().execute(raise_on_error)
        except _stale_errors():
            self._stale()
            raise


async def refresh(client: Any) -> None:
    """After a failed transaction on a cluster: learn the slots again (a replica may have
    taken over), and forget the direct clients of masters that are no more."""
    if not is_cluster_client(client):
        return
    try:
        await client.nodes_manager.initialize()
        client._initialize = False
    except Exception:  # noqa: BLE001 - still failing over: the next attempt tries again
        client._initialize = True
        return
    masters = {n.name for n in client.get_primaries()}
    nodes = client.__dict__.setdefault("_audiensi_masters", {})
    for name in [n for n in nodes if n not in masters]:
        gone = nodes.pop(name)
        with contextlib.suppress(Exception):
            await gone.aclose()


async def close(client: Any) -> None:
    """Close a client from `make_redis` (and a cluster's direct master clients)."""
    for direct in client.__dict__.pop("_audiensi_masters", {}).values():
        with contextlib.suppress(Exception):
            await direct.aclose()
    await client.aclose()


async def replicated(client: Any, marker: str, replicas: int = 1,
                     timeout_ms: int = 1000) -> int | None:
    """On a cluster: after writes to the slot of `marker`, wait until `replicas` replicas of
    its master have them (WAIT), so a master that dies now does not take them along (Redis
    replicates asynchronously: a promoted replica lacks what it had not received). WAIT
    counts the writes of its own connection, so it follows a write (INCR `marker`) on the
    same connection: the replication stream is in order, so every earlier write of the
    slot's master is covered. Returns the replicas that acknowledged (0: none within the
    timeout, e.g. the replica is down, logged once; then this master is not waited for during
    UNREPLICATED_BACKOFF s), None for a plain client."""
    if not is_cluster_client(client):
        return None
    if client._initialize:
        await client.initialize()
    node = client.get_node_from_key(marker)
    if _skip_wait(node.name):
        return 0
    conn = node.acquire_connection()
    try:
        await conn.send_command("INCR", marker)
        await conn.read_response()
        await conn.send_command("WAIT", replicas, timeout_ms)
        return _waited(node.name, int(await conn.read_response()))
    except BaseException:
        await conn.disconnect()
        raise
    finally:
        node.release(conn)


#: a master whose WAIT timed out (its replica is down or far behind) is not waited for again
#: for this long: the writes go on at full speed, unconfirmed, and a WAIT then tries again
UNREPLICATED_BACKOFF = 10.0
_unreplicated: dict[str, float] = {}  # master "host:port" -> monotonic time to try again


def _skip_wait(node: str) -> bool:
    return _unreplicated.get(node, 0.0) > time.monotonic()


def _waited(node: str, acks: int) -> int:
    if acks == 0:
        _unreplicated[node] = time.monotonic() + UNREPLICATED_BACKOFF
        log.warning("no replica acknowledged a write: not waiting for this master for a while",
                    extra={"master": node, "seconds": UNREPLICATED_BACKOFF})
    else:
        _unreplicated.pop(node, None)
    return acks


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
        if _skip_wait(node.name):
            return node.redis_connection.execute_command(*command), 0
        pipe = node.redis_connection.pipeline(transaction=False)
        pipe.execute_command(*command)
        pipe.execute_command("WAIT", replicas, timeout_ms)
        reply, acks = pipe.execute()
        return reply, _waited(node.name, int(acks))
    except (ResponseError, RedisConnectionError, RedisTimeoutError):  # MOVED, a dead master
        return client.execute_command(*command), None
