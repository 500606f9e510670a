"""docker-compose.yml's `redis-cluster` one-shot (deploy/redis/create-cluster.sh) run for
real on six fresh cluster-enabled nodes: it makes them one cluster of 3 masters + 3
replicas, and run again (a restart of the compose stack) it leaves the cluster as it is."""

from __future__ import annotations

import os
import subprocess

import pytest

from stack.redis_access import credentials
from stack.redis_cluster import RedisCluster, free_cluster_ports
from tests.support.services import ROOT

pytestmark = pytest.mark.integration

SCRIPT = ROOT / "deploy" / "redis" / "create-cluster.sh"


def test_the_compose_script_creates_the_cluster_once(tmp_path):
    cluster = RedisCluster(tmp_path, free_cluster_ports(), node_timeout_ms=1500)
    try:
        for port in cluster.ports:  # started, not created: as compose starts redis-1..6
            cluster.start_node(port)
        secrets = tmp_path / "secrets"  # the operator's password, as compose's secret
        secrets.mkdir()
        (secrets / "redis_operator_password").write_text(
            credentials(cluster.credentials_file)["operator"])
        env = {**os.environ, "SECRETS_DIR": str(secrets),
               "REDIS_NODES": " ".join(f"127.0.0.1:{p}" for p in cluster.ports)}
        first = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True,
                               timeout=150)
        assert first.returncode == 0, first.stdout + first.stderr
        assert "[OK] All 16384 slots covered" in first.stdout
        cluster.wait_ok(30)
        masters = cluster.masters()
        assert len(masters) == 3 and all(cluster.replica_of(m) for m in masters)
        again = subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True,
                               timeout=150)
        assert again.returncode == 0 and "slots covered" not in again.stdout, again.stdout
        assert "redis cluster ok" in again.stdout and cluster.masters() == masters
    finally:
        cluster.stop()
