"""The Redis URL names the deployment: one server, or a Redis Cluster's seed nodes
(chassis/redis.py); nothing connects when a client is made."""

from __future__ import annotations

import pytest

from chassis.redis import _cluster_options, endpoints, is_cluster, make_redis, make_sync_redis


def test_a_cluster_url_is_told_apart_from_a_server_url():
    assert is_cluster("redis+cluster://a:7000,b:7001/0")
    assert is_cluster("rediss+cluster://a:7000/0")
    assert not is_cluster("redis://a:6379/0") and not is_cluster("unix:///tmp/r.sock")


def test_endpoints_are_every_seed_node_or_the_one_server():
    assert endpoints("redis+cluster://u:p%40ss@a:7000, b:7001,c/0") == [
        ("a", 7000), ("b", 7001), ("c", 6379)]
    assert endpoints("redis://127.0.0.1:6380/3") == [("127.0.0.1", 6380)]
    assert endpoints("unix:///tmp/redis.sock") == []


def test_cluster_credentials_tls_and_database():
    assert _cluster_options("rediss+cluster://app:s%3Acret@a:7000/0") == {
        "username": "app", "password": "s:cret", "ssl": True}
    assert _cluster_options("redis+cluster://a:7000") == {"username": None, "password": None}
    with pytest.raises(ValueError, match="database 0 only"):
        _cluster_options("redis+cluster://a:7000/2")


def test_the_factories_give_the_cluster_clients_without_connecting():
    from redis.asyncio.cluster import RedisCluster as AsyncCluster
    from redis.exceptions import RedisClusterException

    # nothing listens on port 1: a client that connected when made would fail here
    assert isinstance(make_redis("redis+cluster://127.0.0.1:1/0"), AsyncCluster)
    assert not isinstance(make_redis("redis://127.0.0.1:1/0"), AsyncCluster)
    # the blocking cluster client learns the slots when made (the key store makes it on
    # first use, chassis/keystore.py)
    with pytest.raises(RedisClusterException, match="cannot be connected"):
        make_sync_redis("redis+cluster://127.0.0.1:1/0")
