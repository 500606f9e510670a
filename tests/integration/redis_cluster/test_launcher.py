"""`audiensi up --redis-cluster`'s launcher (stack/redis_cluster.py): a cluster stopped and
started again on the same ports is the same cluster (its nodes' nodes.conf), with its data
(AOF), without a second `--cluster create`."""

from __future__ import annotations

import pytest

from chassis.redis import make_sync_redis
from stack.redis_cluster import RedisCluster, free_cluster_ports

pytestmark = pytest.mark.integration


def node_ids(cluster: RedisCluster) -> dict[int, str]:
    out = {}
    for port in cluster.ports:
        client = cluster._client(port)
        try:
            out[port] = client.execute_command("CLUSTER", "MYID").decode()
        finally:
            client.close()
    return out


def test_a_restarted_cluster_is_the_same_cluster_with_its_data(tmp_path):
    ports = free_cluster_ports()
    first = RedisCluster(tmp_path, ports, node_timeout_ms=1500)
    try:
        first.start(timeout=60)
        ids, masters = node_ids(first), first.masters()
        r = make_sync_redis(first.url)
        r.mset_nonatomic({f"k:{{p{i}}}": str(i) for i in range(12)})  # on every master
        r.close()
    finally:
        first.stop()
    again = RedisCluster(tmp_path, ports, node_timeout_ms=1500)
    try:
        again.start(timeout=60)
        assert node_ids(again) == ids and again.masters() == masters
        r = make_sync_redis(again.url)
        assert r.mget_nonatomic([f"k:{{p{i}}}" for i in range(12)]) == [
            str(i).encode() for i in range(12)]
        r.close()
    finally:
        again.stop()
