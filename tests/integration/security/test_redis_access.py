"""Redis lets nobody in without signing in, and a service's user may not run the commands that
wipe or reconfigure the store (stack/redis_access.py); the services started by the test setup
sign in as their own users. On one server and, with `--redis-cluster`, on every node of a
Redis Cluster."""

from __future__ import annotations

import pytest
import redis

from chassis.redis import make_sync_redis
from stack import redis_access
from tests.support.services import ServiceProcess

pytestmark = pytest.mark.integration


def nodes(stack_env) -> list:
    """A plain client of every node (one for a single server), signed in as the operator."""
    servers = getattr(stack_env.redis, "nodes", None)
    return [n.client(socket_timeout=5) for n in servers.values()] if servers else \
        [stack_env.redis.client(socket_timeout=5)]


def test_a_client_that_does_not_sign_in_is_refused_on_every_node(stack_env):
    for node in nodes(stack_env):
        kwargs = node.connection_pool.connection_kwargs
        anonymous = redis.Redis(host=kwargs["host"], port=kwargs["port"], socket_timeout=5)
        with pytest.raises(redis.AuthenticationError):
            anonymous.get("anything")
        wrong = redis.Redis(host=kwargs["host"], port=kwargs["port"], socket_timeout=5,
                            username="intake", password="not-the-password")
        with pytest.raises(redis.AuthenticationError):
            wrong.ping()


def test_a_service_user_works_with_data_but_cannot_wipe_or_reconfigure(stack_env):
    passwords = redis_access.credentials(stack_env.redis.credentials_file)
    client = make_sync_redis(redis_access.with_user(stack_env.redis_url, "reporting",
                                                    passwords["reporting"]))
    assert client.acl_whoami() == "reporting"
    client.set("{acl-probe}:k", b"1")
    assert client.get("{acl-probe}:k") == b"1"
    assert client.eval("return redis.call('INCR', KEYS[1])", 1, "{acl-probe}:n") == 1
    for refused in (lambda: client.flushall(), lambda: client.config_get("dir"),
                    lambda: client.keys("*"), lambda: client.script_flush()):
        with pytest.raises(redis.exceptions.NoPermissionError):
            refused()
    client.delete("{acl-probe}:k", "{acl-probe}:n")


def test_a_service_process_signs_in_as_its_own_user(stack_env):
    proc = ServiceProcess("intake", {},
                          stack_env.data_dir / "logs" / "redis-acl").start(timeout=120)
    try:
        users = set()
        for node in nodes(stack_env):
            users |= {c.get("user") for c in node.client_list()}
        assert "intake" in users, users
    finally:
        proc.stop()
