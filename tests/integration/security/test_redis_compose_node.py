"""docker-compose.yml's Redis node entrypoint (deploy/redis/start.sh) run for real with
secrets in a folder: the server it starts refuses a client that does not sign in, lets a
service's user work with data but not wipe the store, and the operator do everything."""

from __future__ import annotations

import os
import secrets
import subprocess

import pytest
import redis

from stack.redis import find_redis_server
from stack.redis_access import USERS
from tests.support.services import ROOT
from tests.support.waiting import eventually_sync, free_port

pytestmark = pytest.mark.integration


def test_the_compose_node_signs_clients_in(tmp_path):
    folder, conf = tmp_path / "secrets", tmp_path / "conf"
    folder.mkdir(), conf.mkdir()
    passwords = {user: secrets.token_urlsafe(16) for user in USERS}
    for user, password in passwords.items():
        (folder / f"redis_{user}_password").write_text(password)
    port = free_port()
    binary = find_redis_server()
    env = {**os.environ, "SECRETS_DIR": str(folder), "CONF_DIR": str(conf),
           "PATH": os.path.dirname(binary) + os.pathsep + os.environ["PATH"]}
    proc = subprocess.Popen(["sh", str(ROOT / "deploy" / "redis" / "start.sh"), "--port",
                             str(port), "--bind", "127.0.0.1", "--save", "", "--dir",
                             str(tmp_path)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT)
    try:
        operator = redis.Redis(port=port, username="operator", password=passwords["operator"],
                               socket_timeout=5)
        eventually_sync(operator.ping, timeout=30, every=0.1, retry_on=(redis.RedisError,))
        assert "masterauth" in (conf / "redis.conf").read_text()
        assert oct((conf / "users.acl").stat().st_mode & 0o777) == "0o600"
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=port, socket_timeout=5).get("x")
        intake = redis.Redis(port=port, username="intake", password=passwords["intake"],
                             socket_timeout=5)
        intake.set("k", "v")
        assert intake.get("k") == b"v"
        with pytest.raises(redis.exceptions.NoPermissionError):
            intake.flushall()
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=port, username="intake", password=passwords["sla"]).ping()
        assert operator.flushall() and operator.dbsize() == 0
    finally:
        proc.terminate()
        proc.wait(10)
