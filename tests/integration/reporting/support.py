"""A reporting process on private topics and a private Redis database, so a test module owns
the whole log and the whole model: events are produced straight to the topics (as the
owning services would), and the model is compared key by key. On a Redis Cluster
(`pytest --redis-cluster`: database 0 only) the model is private by its key prefix instead
(`AUDIENSI_REPORTING_KEY_PREFIX`)."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from chassis.kafka import ensure_topics, new_producer
from chassis.keystore import open_keystore
from chassis.redis import is_cluster, make_sync_redis
from chassis.sealing import Sealer
from chassis.settings import get_settings
from contracts import Envelope, encode
from contracts.sealed import is_sealed, key_id_of
from contracts.topics import DEADLETTER
from services.reporting import scenarios as sc
from services.reporting.config import SOURCE_TOPICS
from services.reporting.keys import Keys
from tests.support.auth import auth
from tests.support.kafka import end_offsets
from tests.support.services import ServiceProcess
from tests.support.waiting import eventually, eventually_sync


def with_db(redis_url: str, db: int) -> str:
    """The URL of database `db` (a Redis Cluster has database 0 only: the same URL)."""
    if is_cluster(redis_url):
        return redis_url
    base, _, _ = redis_url.rstrip("/").rpartition("/")
    return f"{base}/{db}"


def private_model(redis_url: str, db: int) -> tuple[str, str]:
    """(Redis URL, read-model key prefix) of a test's own model: database `db` with the
    prefix `rm`, or, on a Redis Cluster, database 0 with a prefix of its own."""
    if is_cluster(redis_url):
        return redis_url, f"rm{uuid.uuid4().hex[:8]}"
    return with_db(redis_url, db), "rm"


def clear_model(redis_url: str, key_prefix: str) -> None:
    """Delete a private model: FLUSHDB of its database, or on a cluster (shared: the key
    store and the other modules live there too) every key of its prefix, on every master."""
    r = make_sync_redis(redis_url)
    try:
        if not is_cluster(redis_url):
            r.flushdb()
            return
        keys = list(r.scan_iter(match=key_prefix + ":*", count=1000))
        if keys:
            r.delete(*keys)
    finally:
        r.close()


@dataclass
class Reporting:
    proc: ServiceProcess
    bootstrap: str
    redis_url: str
    prefix: str  # private topic names are prefix + the real name
    key_prefix: str = "rm"  # of the read model's keys (services/reporting/keys.py)

    @property
    def keys(self) -> Keys:
        return Keys(self.key_prefix)

    def dump(self, version: int | None = None) -> dict[str, Any]:
        return dump_model(self.redis(), self.key_prefix, version)

    @property
    def url(self) -> str:
        return self.proc.url

    def topic(self, real: str) -> str:
        return self.prefix + real

    @property
    def source_topics(self) -> list[str]:
        return [self.topic(t) for t in SOURCE_TOPICS]

    @property
    def deadletter(self) -> str:
        return self.topic(DEADLETTER)

    def redis(self):
        """A blocking client (`redis.Redis`, or `redis.cluster.RedisCluster`)."""
        return make_sync_redis(self.redis_url)

    def get(self, path: str, user: str = "analis", **params: Any) -> httpx.Response:
        return httpx.get(self.url + path, headers=auth(user), params=params, timeout=30)

    def ok(self, path: str, user: str = "analis", **params: Any) -> Any:
        r = self.get(path, user, **params)
        assert r.status_code == 200, (path, r.status_code, r.text)
        return r.json()

    def sealer(self) -> Sealer:
        """The key store every test reporting opens tokens with (the stack's Redis, the
        data dir's master key), as intake's would be."""
        return Sealer(open_keystore(get_settings()))

    async def produce(self, envs: list[Envelope]) -> None:
        """Send the events, their personal fields re-sealed with this reporting's key
        store (as intake would have sealed them)."""
        envs = resealed(envs, self.sealer())
        await produce(self.bootstrap, [(self.topic(e.topic), e.subject.encode(), encode(e))
                                       for e in envs])

    async def caught_up(self, timeout: float = 60.0) -> None:
        """Poll until the live projector has committed everything now on the topics."""
        ends = {t: await end_offsets(self.bootstrap, t) for t in self.source_topics}

        def behind() -> dict:
            live = self.ok("/admin/projections", "admin")["live"]["positions"]
            return {(t, p): end for t, parts in ends.items() for p, end in parts.items()
                    if end and live.get(t, {}).get(str(p), 0) < end}

        try:
            await eventually(behind, lambda b: not b, timeout=timeout, every=0.1)
        except AssertionError as exc:
            raise AssertionError(f"projector still behind: {exc}") from None

    def wait_rebuild_done(self, timeout: float = 60.0) -> dict:
        def status() -> dict:
            return self.ok("/admin/projections/rebuild", "admin")

        try:
            st = eventually_sync(status, lambda st: st["state"] in ("done", "failed",
                                                                    "interrupted"),
                                 timeout=timeout, every=0.1)
        except AssertionError as exc:
            raise AssertionError(f"rebuild not done: {exc}") from None
        assert st["state"] == "done", st
        return st


async def produce(bootstrap: str, records: list[tuple[str, bytes | None, bytes]]) -> None:
    """Send in the given order (per partition order is kept: idempotent producer)."""
    producer = new_producer(bootstrap_servers=bootstrap, acks="all",
                                enable_idempotence=True, linger_ms=2)
    await producer.start()
    try:
        futures = [await producer.send(topic, key=key, value=value)
                   for topic, key, value in records]
        for fut in futures:
            await fut
    finally:
        await producer.stop()


#: sample token -> its re-sealed token: the same events give the same bytes to every
#: reporting of a module (two models compared key by key hold the same tokens)
_RESEALED: dict[str, str] = {}


def resealed(envs: list[Envelope], target: Sealer) -> list[Envelope]:
    """`envs` with every sample token (`scenarios.TEXTS`) or test token (`test_queues_and_
    file.SEALER`) sealed again under the same key id by `target` (the shared key store)."""
    from tests.unit.reporting.test_queues_and_file import SEALER

    def reseal(token: str) -> str:
        if token not in _RESEALED:
            text = sc.TEXTS.get(token)
            if text is None:
                text = SEALER.open(token)
            _RESEALED[token] = target.seal(key_id_of(token), text) if text is not None \
                else token
        return _RESEALED[token]

    def swap(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        return reseal(value) if is_sealed(value) else value

    return [e.model_copy(update={"data": type(e.data).model_validate(
        swap(e.data.model_dump(mode="json")))}) for e in envs]


def start_reporting(stack_env, db: int, name: str, redis_url: str | None = None) -> Reporting:
    """`redis_url`: the Redis of the read model (default: the session's, database `db`;
    the key store stays on the session's)."""
    prefix = f"t{uuid.uuid4().hex[:8]}."
    topics = {prefix + t: 6 for t in (*SOURCE_TOPICS, DEADLETTER)}
    asyncio.run(ensure_topics(stack_env.bootstrap, topics))
    redis_url, key_prefix = private_model(redis_url or stack_env.redis_url, db)
    r = make_sync_redis(redis_url)
    if not is_cluster(redis_url):  # a database of its own
        stray = [k for k in r.scan_iter(count=1000)
                 # rm: is the read model; the key store holds the blind-search key
                 # (services/reporting/personal.py) of the previous module's reporting
                 if not k.startswith((b"rm:", b"audiensi:{keystore}:"))]
        assert not stray, f"redis db {db} holds someone else's keys: {stray[:5]}"
    env = {**stack_env.env, "AUDIENSI_REDIS_URL": redis_url,
           "AUDIENSI_REPORTING_KEY_PREFIX": key_prefix,
           "AUDIENSI_REPORTING_TOPICS": ",".join(prefix + t for t in SOURCE_TOPICS),
           "AUDIENSI_REPORTING_DEADLETTER_TOPIC": prefix + DEADLETTER,
           "AUDIENSI_REPORTING_GROUP_ID": f"{prefix}reporting",
           "AUDIENSI_REPORTING_OLD_VERSION_GRACE": "1",
           # one key store for every reporting of the session (as intake's would be)
           "AUDIENSI_KEYSTORE_URL": stack_env.redis_url,
           "AUDIENSI_SESSION_TIMEOUT": "6",
           # the private topics are outside the production ACLs (stack/kafka_access.py):
           # this reporting signs in as the test harness does
           "AUDIENSI_KAFKA_PRINCIPAL": "admin"}
    r.close()
    clear_model(redis_url, key_prefix)
    proc = ServiceProcess("reporting", env, Path(stack_env.data_dir) / "logs" / name)
    proc.start(timeout=120)
    return Reporting(proc, stack_env.bootstrap, redis_url, prefix, key_prefix)


def dump_model(r, prefix: str = "rm",
               version: int | None = None) -> dict[str, Any]:
    """Every key of a version (default: the live one), without the version prefix."""
    version = version if version is not None else int(r.get(f"{prefix}:current"))
    head = f"{prefix}:v{version}:"
    out: dict[str, Any] = {}
    for raw in r.scan_iter(match=head + "*", count=1000):
        key = raw.decode()
        kind = r.type(raw).decode()
        if kind == "string":
            value: Any = json.loads(r.get(raw))
        elif kind == "hash":
            value = {k.decode(): v.decode() for k, v in r.hgetall(raw).items()}
        elif kind == "zset":
            value = [(m.decode(), s) for m, s in r.zrange(raw, 0, -1, withscores=True)]
        elif kind == "set":
            value = sorted(m.decode() for m in r.smembers(raw))
        else:
            raise AssertionError(f"unexpected {kind} at {key}")
        out[key[len(head):]] = value
    return out
