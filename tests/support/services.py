"""Run a service as a real process (`python -m services.<name>`) for integration tests."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from stack import redis_access
from stack.kafka_access import SERVICES
from tests.support.waiting import eventually_sync, free_port

ROOT = Path(__file__).resolve().parents[2]


class ServiceProcess:
    def __init__(self, name: str, env: dict[str, str], log_dir: Path, port: int | None = None):
        self.name = name
        self.port = port or free_port()
        self.env = redis_access.child_env(  # signs in to Redis as its own user
            {**os.environ, **env, f"AUDIENSI_{name.upper()}_PORT": str(self.port),
             "PYTHONUNBUFFERED": "1"}, name)
        if name in SERVICES and "AUDIENSI_KAFKA_PRINCIPAL" not in env:
            self.env["AUDIENSI_KAFKA_PRINCIPAL"] = name  # signs in as its own principal
        self.log_path = Path(log_dir) / f"{name}-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True, timeout: float = 90.0) -> ServiceProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child process
        self.proc = subprocess.Popen([sys.executable, "-m", f"services.{self.name}"], cwd=ROOT,
                                     env=self.env, stdout=log, stderr=subprocess.STDOUT)
        if wait:
            self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 90.0) -> None:
        def ready() -> bool:
            if self.proc and self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {self.tail()}")
            try:
                r = httpx.get(self.url + "/readyz", timeout=2)
            except httpx.HTTPError as exc:
                raise AssertionError(repr(exc)) from exc
            assert r.status_code == 200, r.text
            return True

        try:
            eventually_sync(ready, timeout=timeout, every=0.3)
        except AssertionError as exc:
            raise RuntimeError(f"{self.name} not ready: {exc}\n{self.tail()}") from None

    def tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except FileNotFoundError:
            return ""

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def writer_batch_figures(metrics: str, service: str) -> tuple[float, float]:
    """(flushes, records) of a service's batched single writer (`chassis.batching`), read
    from its /metrics text."""
    def value(name: str) -> float:
        m = re.search(rf'^{name}\{{service="{service}"\}} (\S+)$', metrics, re.M)
        return float(m.group(1)) if m else 0.0
    return (value("audiensi_writer_batch_records_count"),
            value("audiensi_writer_batch_records_sum"))
