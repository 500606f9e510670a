"""A Redis Cluster of this folder's own (3 masters + 3 replicas, `stack/redis_cluster.py`),
started once for the folder's tests, whatever the session's Redis is: the fault test kills
one of its masters."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stack.redis_cluster import RedisCluster
from tests.conftest import new_redis_cluster


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisCluster]:
    cluster = new_redis_cluster(tmp_path_factory.mktemp("redis-cluster"))
    try:
        cluster.start(timeout=60)
        yield cluster
    finally:
        cluster.stop()
