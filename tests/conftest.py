"""Shared test setup: the real Kafka broker and Redis (started once, only when a test asks for
them), and the `unit` / `integration` / `e2e` / `chaos` markers from each test's folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from stack.kafka import KafkaServer
    from stack.objectstore import ObjectStoreServer
    from stack.redis import RedisServer
    from stack.redis_cluster import RedisCluster

TESTS = Path(__file__).resolve().parent
KINDS = ("unit", "integration", "e2e", "chaos")
ENV_KEYS = ("AUDIENSI_KAFKA_BOOTSTRAP", "AUDIENSI_REDIS_URL", "AUDIENSI_DATA_DIR",
            "AUDIENSI_KAFKA_PRINCIPAL", "AUDIENSI_KAFKA_CREDENTIALS", "AUDIENSI_S3_ENDPOINT",
            "AUDIENSI_REDIS_CREDENTIALS",
            "AUDIENSI_S3_BUCKET", "AUDIENSI_S3_ACCESS_KEY", "AUDIENSI_S3_SECRET_KEY")


@dataclass
class StackEnv:
    bootstrap: str  # "127.0.0.1:<port>"
    redis_url: str  # "redis://127.0.0.1:<port>/0" (--redis-cluster: "redis+cluster://…/0")
    data_dir: Path  # this session's AUDIENSI_DATA_DIR (Kafka data under <data_dir>/kafka)
    kafka: KafkaServer  # .stop() / .start() / .restart() / .astop() / .astart() / .is_running
    redis: RedisServer | RedisCluster  # .stop() / .start() / .ping()

    @property
    def redis_cluster(self) -> bool:
        """Is this session's Redis a Redis Cluster (`pytest --redis-cluster`)?"""
        from chassis.redis import is_cluster

        return is_cluster(self.redis_url)

    @property
    def env(self) -> dict[str, str]:
        """The AUDIENSI_* variables a child process (a service) needs to use this stack. The
        Kafka principal is not among them: a service gets its own (`tests.support.services`,
        the supervisor), anything else inherits this process's (`admin`)."""
        return {"AUDIENSI_KAFKA_BOOTSTRAP": self.bootstrap, "AUDIENSI_REDIS_URL": self.redis_url,
                "AUDIENSI_DATA_DIR": str(self.data_dir),
                "AUDIENSI_KAFKA_CREDENTIALS": str(self.kafka.credentials_file),
                **self.redis.signin_env()}  # each service signs in to Redis as its own user


def _clear_settings_cache() -> None:
    from chassis.settings import get_settings

    get_settings.cache_clear()


@dataclass
class ObjectStoreEnv:
    server: ObjectStoreServer  # .client() (botocore, signed), .bucket, .stop() / .start()

    @property
    def env(self) -> dict[str, str]:
        """The AUDIENSI_S3_* variables a service needs to use this store."""
        return self.server.env()

    def object_keys(self) -> list[str]:
        """Every object key in the bucket."""
        client = self.server.client()
        try:
            pages = client.get_paginator("list_objects_v2").paginate(Bucket=self.server.bucket)
            return [o["Key"] for page in pages for o in page.get("Contents", [])]
        finally:
            client.close()

    def read(self, key: str) -> bytes:
        client = self.server.client()
        try:
            return client.get_object(Bucket=self.server.bucket, Key=key)["Body"].read()
        finally:
            client.close()

    def pending_uploads(self) -> list[str]:
        """Keys of multipart uploads begun and neither completed nor aborted."""
        client = self.server.client()
        try:
            found = client.list_multipart_uploads(Bucket=self.server.bucket)
            return [u["Key"] for u in found.get("Uploads", [])]
        finally:
            client.close()


@pytest.fixture(scope="session")
def object_store(stack_env: StackEnv) -> Iterator[ObjectStoreEnv]:
    """A real SeaweedFS S3 gateway on free 127.0.0.1 ports with its data under the session's
    data dir (signed requests only), AUDIENSI_S3_* pointing at it. Started the first time a
    test asks, stopped after the session. (An AUDIENSI_S3_ENDPOINT set outside is ignored:
    the tests look at the raw objects of their own store.)"""
    from stack.objectstore import ObjectStoreServer
    from tests.support.waiting import free_port

    server = ObjectStoreServer(stack_env.data_dir, free_port(), bucket="audiensi-test")
    try:
        server.start(timeout=90)
        os.environ.update(server.env())
        _clear_settings_cache()
        yield ObjectStoreEnv(server)
    finally:
        server.stop()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--redis-cluster", action="store_true", default=False,
                     help="run the session's Redis as a Redis Cluster (3 masters + 3 "
                          "replicas, stack/redis_cluster.py) instead of one server")


#: set by `--redis-cluster` for the systems the e2e tests start themselves (tests/e2e)
REDIS_CLUSTER_ENV = "AUDIENSI_TEST_REDIS_CLUSTER"


def new_redis_cluster(data_dir: Path) -> RedisCluster:
    """3 masters + 3 replicas on free 127.0.0.1 ports (`.start()` creates it); a short node
    timeout, so a killed master's replica takes over within a few seconds."""
    from stack.redis_cluster import RedisCluster, free_cluster_ports

    return RedisCluster(data_dir, free_cluster_ports(), node_timeout_ms=1500)


@pytest.fixture(scope="session")
def stack_env(tmp_path_factory: pytest.TempPathFactory,
              pytestconfig: pytest.Config) -> Iterator[StackEnv]:
    """A real single-node Kafka and a Redis on free 127.0.0.1 ports, in a fresh data dir, with
    AUDIENSI_KAFKA_BOOTSTRAP / AUDIENSI_REDIS_URL / AUDIENSI_DATA_DIR pointing at them (and
    `get_settings()` re-read). Started the first time a test asks, stopped after the session.
    With `--redis-cluster` the Redis is a Redis Cluster (AUDIENSI_REDIS_URL
    `redis+cluster://…`): every test of the session runs on it."""
    from stack.kafka import KafkaServer
    from stack.redis import RedisServer
    from tests.support.waiting import free_port

    data_dir = tmp_path_factory.mktemp("stack")
    kafka = KafkaServer(data_dir, free_port(), free_port())
    redis: RedisServer | RedisCluster
    if pytestconfig.getoption("--redis-cluster"):
        redis = new_redis_cluster(data_dir)
    else:
        redis = RedisServer(data_dir, free_port())
    saved = {key: os.environ.get(key) for key in ENV_KEYS}
    try:
        redis.start()
        kafka.start(timeout=180)
        os.environ.update(AUDIENSI_KAFKA_BOOTSTRAP=kafka.bootstrap,
                          AUDIENSI_REDIS_URL=redis.url, AUDIENSI_DATA_DIR=str(data_dir),
                          **redis.signin_env(),  # a service started from here: its own user
                          **kafka.signin_env())  # the tests sign in as admin
        _clear_settings_cache()
        yield StackEnv(kafka.bootstrap, redis.url, data_dir, kafka, redis)
    finally:
        kafka.stop()
        redis.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _clear_settings_cache()


def _kind(item: pytest.Item) -> str | None:
    try:
        parts = Path(item.path).resolve().relative_to(TESTS).parts
    except ValueError:
        return None
    return parts[0] if parts and parts[0] in KINDS else None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "chaos: processes killed and restarted under load")
    if config.getoption("--redis-cluster", default=False):
        os.environ[REDIS_CLUSTER_ENV] = "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        kind = _kind(item)
        if kind is not None:
            item.add_marker(getattr(pytest.mark, kind))


def pytest_runtest_setup(item: pytest.Item) -> None:
    names = getattr(item, "fixturenames", ())
    if _kind(item) == "unit" and ("stack_env" in names or "object_store" in names):
        pytest.fail("unit tests must not start Kafka or Redis: move this test to "
                    "tests/integration or use a fake", pytrace=False)
