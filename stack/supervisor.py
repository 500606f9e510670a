"""Run every service as its own process (`python -m services.<name>`), watch its readiness, and
stop or restart any one of them (the fault tests kill and start single services)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from stack import kafka_access, redis_access
from stack.messages import StackError
from stack.proc import ROOT, reap_stale, require_free_port, spawn, tail, terminate, write_pid

SERVICES = ("intake", "disposition", "sla", "reporting")
#: the web console: no Kafka, no Redis, only the services' HTTP APIs (services/console)
CONSOLE = "console"
DOCUMENTS = "documents"
#: what `audiensi up` runs: the four services, documents (with its object store), the console
STACK = (*SERVICES, DOCUMENTS, CONSOLE)
#: `audiensi up --workers N`: worker k (1..N) of a service whose port is P listens on
#: P + WORKER_PORT_STEP * (k - 1) (disposition: 8002, 8102, 8202); the console stays one
WORKER_PORT_STEP = 100


@dataclass
class ServiceSpec:
    name: str  # the process's name: the service, or `<service>-<k>` for its k-th worker
    port: int
    argv: list[str] = field(default_factory=list)  # default: python -m services.<service>
    service: str = ""  # the service it runs (default: name)

    def __post_init__(self) -> None:
        self.service = self.service or self.name

    def command(self) -> list[str]:
        return self.argv or [sys.executable, "-m", f"services.{self.service}"]


def worker_port(port: int, k: int) -> int:
    """The HTTP port of worker `k` (1-based) of a service whose first worker has `port`."""
    return port + WORKER_PORT_STEP * (k - 1)


def default_specs(ports: Mapping[str, int], names: Iterable[str] = SERVICES,
                  workers: int = 1) -> list[ServiceSpec]:
    """One spec per process: `workers` of every Kafka service (the first named like the
    service, then `<service>-2`, ...: one consumer group, each with its own HTTP port), one
    console."""
    specs = []
    for name in names:
        count = workers if name in kafka_access.SERVICES else 1
        specs += [ServiceSpec(name if k == 1 else f"{name}-{k}", worker_port(int(ports[name]), k),
                              service=name) for k in range(1, count + 1)]
    return specs


class Supervisor:
    """Children run in their own sessions with logs in `<data_dir>/logs/<name>.log`; every child
    gets `env` on top of this process's environment, plus `AUDIENSI_<NAME>_PORT`."""

    def __init__(self, specs: Iterable[ServiceSpec], data_dir: Path | str,
                 env: Mapping[str, str] | None = None, host: str = "127.0.0.1") -> None:
        self.specs = {spec.name: spec for spec in specs}
        self.data_dir = Path(data_dir)
        self.env = dict(env or {})
        self.host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def log_file(self, name: str) -> Path:
        return self.data_dir / "logs" / f"{name}.log"

    def pid_file(self, name: str) -> Path:
        return self.data_dir / "run" / f"{name}.pid"

    def url(self, name: str, path: str = "") -> str:
        return f"http://{self.host}:{self.specs[name].port}{path}"

    def workers(self, service: str) -> list[str]:
        """The names of the processes running `service` (its workers), first to last."""
        return [spec.name for spec in self.specs.values() if spec.service == service]

    def child_env(self, name: str | None = None) -> dict[str, str]:
        """A child's environment: every service's (first worker's) port, so the console
        finds them, and for `name` its own port."""
        env = {**os.environ, **self.env, "PYTHONUNBUFFERED": "1"}
        env.setdefault("AUDIENSI_DATA_DIR", str(self.data_dir))
        for spec in reversed(self.specs.values()):  # the first worker of each service wins
            env[f"AUDIENSI_{spec.service.upper()}_PORT"] = str(spec.port)
        if name is not None:
            spec = self.specs[name]
            env[f"AUDIENSI_{spec.service.upper()}_PORT"] = str(spec.port)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
        return env

    def is_running(self, name: str) -> bool:
        proc = self.procs.get(name)
        return proc is not None and proc.poll() is None

    def start(self, name: str) -> None:
        if self.is_running(name):
            return
        spec = self.specs[name]
        reap_stale(self.pid_file(name), " ".join(spec.command()))  # left by a killed `up`
        require_free_port(spec.port, name, f"AUDIENSI_{spec.service.upper()}_PORT", self.host)
        log = self.log_file(name)
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "a") as handle:
            handle.write(f"\n--- start {time.strftime('%Y-%m-%d %H:%M:%S')} ---\n")
        env = redis_access.child_env(self.child_env(name), spec.service)  # its own Redis user
        if spec.service in kafka_access.SERVICES:  # each service signs in as its own principal
            env["AUDIENSI_KAFKA_PRINCIPAL"] = spec.service
        self.procs[name] = spawn(spec.command(), log, env=env, cwd=ROOT)
        write_pid(self.pid_file(name), self.procs[name].pid)

    def start_all(self) -> None:
        for name in self.specs:
            self.start(name)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to one service (SIGKILL for a crash, SIGTERM for a clean stop)."""
        proc = self.procs.get(name)
        if proc is not None and proc.poll() is None:
            proc.send_signal(sig)
            if sig == signal.SIGKILL:
                proc.wait(10)

    def stop(self, name: str, timeout: float = 15.0) -> int | None:
        code = terminate(self.procs.pop(name, None), timeout)
        self.pid_file(name).unlink(missing_ok=True)
        return code

    def stop_all(self, timeout: float = 15.0) -> None:
        for proc in self.procs.values():  # ask all at once, then wait for each
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name in list(self.procs):
            self.stop(name, timeout)

    def exited(self) -> dict[str, int]:
        """Services whose process has ended: name -> exit code."""
        return {name: proc.returncode for name, proc in self.procs.items()
                if proc.poll() is not None}

    def wait_ready(self, timeout: float = 120.0, names: Iterable[str] | None = None) -> float:
        """Poll `/readyz` of each service until 200. Returns the seconds it took."""
        import httpx

        began = time.monotonic()
        deadline = began + timeout
        pending = list(names or self.specs)
        with httpx.Client(timeout=2.0) as client:
            while pending:
                for name in pending:  # a crash anywhere is reported at once
                    proc = self.procs.get(name)
                    if proc is None or proc.poll() is not None:
                        raise StackError("service_exited", name=name, log=self.log_file(name),
                                         code=None if proc is None else proc.returncode,
                                         tail=tail(self.log_file(name)))
                name = pending[0]
                try:
                    if client.get(self.url(name, "/readyz")).status_code == 200:
                        pending.pop(0)
                        continue
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise StackError("service_not_ready", name=name, timeout=timeout,
                                     url=self.url(name, "/readyz"), log=self.log_file(name),
                                     tail=tail(self.log_file(name)))
                time.sleep(0.2)
        return time.monotonic() - began

    async def await_ready(self, timeout: float = 120.0,
                          names: Iterable[str] | None = None) -> float:
        return await asyncio.to_thread(self.wait_ready, timeout, names)
