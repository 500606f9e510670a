"""A local Redis Cluster: 3 masters + 3 replicas from the same `redis-server` binary.

Six processes on `host` (127.0.0.1), each with its own data dir under
`<data_dir>/redis-cluster/<port>` (AOF + the node's `nodes.conf`), created once with
`redis-cli --cluster create … --cluster-replicas 1 --cluster-yes` and then waited for until
every node reports `cluster_state:ok` and every master has a replica online. On a later start
with the same ports the nodes find each other again from their `nodes.conf` (no new create).

The services reach it through `url` (`redis+cluster://h:p1,h:p2,…/0`; chassis/redis.py).
Every node has the same ACL users (`stack.redis_access`, one credentials file for the
cluster); replicas sign in to their masters as `operator`.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import time
from pathlib import Path

from stack import redis_access as access
from stack.messages import StackError
from stack.proc import port_is_free
from stack.redis import RedisServer, find_redis_server

MASTERS = 3
REPLICAS_PER_MASTER = 1


def find_redis_cli(server: str) -> str:
    """`redis-cli` beside the server binary, else on PATH (Debian: redis-tools)."""
    beside = Path(server).with_name("redis-cli")
    if beside.is_file():
        return str(beside)
    found = shutil.which("redis-cli")
    if not found:
        raise StackError("redis_missing")
    return found


#: a node's cluster bus listens on its port + 10000 (so a port must be <= 55535)
BUS_OFFSET = 10000


def free_cluster_ports(count: int = MASTERS * (1 + REPLICAS_PER_MASTER),
                       host: str = "127.0.0.1") -> list[int]:
    """`count` ports whose cluster bus port (+10000) is free too (the tests' clusters)."""
    found: list[int] = []
    rng = random.Random()
    while len(found) < count:
        port = rng.randrange(20000, 45000)
        if port not in found and port_is_free(port, host) and \
                port_is_free(port + BUS_OFFSET, host):
            found.append(port)
    return found


class RedisCluster:
    """`ports`: six free ports (masters are chosen by redis-cli: the first three)."""

    def __init__(self, data_dir: Path | str, ports: list[int], *, host: str = "127.0.0.1",
                 node_timeout_ms: int = 5000, binary: str | None = None) -> None:
        if len(ports) != MASTERS * (1 + REPLICAS_PER_MASTER):
            raise ValueError(f"a cluster of {MASTERS} masters + replicas needs "
                             f"{MASTERS * (1 + REPLICAS_PER_MASTER)} ports, not {len(ports)}")
        self.home = Path(data_dir) / "redis-cluster"
        self.host, self.ports, self.binary = host, list(ports), binary
        self.node_timeout_ms = node_timeout_ms
        self.nodes: dict[int, RedisServer] = {}

    credentials_file = property(lambda self: self.home / "credentials.json")

    @property
    def url(self) -> str:
        """The operator's URL (the tools and tests)."""
        plain = "redis+cluster://" + ",".join(f"{self.host}:{p}" for p in self.ports) + "/0"
        return access.with_user(plain, access.OPERATOR,
                                access.credentials(self.credentials_file)[access.OPERATOR])

    def signin_env(self) -> dict[str, str]:
        """For the launchers of services: where each service's Redis password is."""
        return {"AUDIENSI_REDIS_CREDENTIALS": str(self.credentials_file)}

    @property
    def is_running(self) -> bool:
        return bool(self.nodes) and all(n.is_running for n in self.nodes.values())

    def _node(self, port: int) -> RedisServer:
        if port not in self.nodes:
            extra = ("--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                     "--cluster-node-timeout", str(self.node_timeout_ms),
                     # a replica of a master that died takes over however far behind it was
                     "--cluster-replica-validity-factor", "0",
                     "--cluster-announce-ip", self.host)
            self.nodes[port] = RedisServer(self.home, port, host=self.host, binary=self.binary,
                                           home=self.home / str(port), extra_args=extra,
                                           credentials_file=self.credentials_file)
        return self.nodes[port]

    def start(self, timeout: float = 60.0) -> float:
        began = time.monotonic()
        binary = self.binary = self.binary or find_redis_server()
        fresh = not all((self.home / str(p) / "nodes.conf").exists() for p in self.ports)
        try:
            for port in self.ports:
                self._node(port).start(timeout)
            if fresh:
                self._create(find_redis_cli(binary), timeout)
            self.wait_ok(timeout - (time.monotonic() - began))
        except BaseException:
            self.stop()
            raise
        return time.monotonic() - began

    def _create(self, cli: str, timeout: float) -> None:
        argv = [cli, "--cluster", "create", *(f"{self.host}:{p}" for p in self.ports),
                "--cluster-replicas", str(REPLICAS_PER_MASTER), "--cluster-yes",
                "--user", access.OPERATOR, "--no-auth-warning"]
        env = {**os.environ,  # the password out of the command line (REDISCLI_AUTH)
               "REDISCLI_AUTH": access.credentials(self.credentials_file)[access.OPERATOR]}
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
        if done.returncode != 0 or "[OK] All 16384 slots covered" not in done.stdout:
            raise StackError("redis_not_ready", timeout=timeout, port=self.ports[0],
                             log=self.home, tail=(done.stdout + done.stderr)[-2000:])

    def start_node(self, port: int, timeout: float = 30.0) -> None:
        """Start one node again (after `kill_node`): it rejoins from its nodes.conf."""
        self._node(port).start(timeout)

    def kill_node(self, port: int) -> None:
        self.nodes[port].kill()

    def stop(self, timeout: float = 10.0) -> None:
        for node in self.nodes.values():
            node.stop(timeout)

    def ping(self) -> bool:
        return self.is_running and all(n.ping() for n in self.nodes.values())

    # -- what the cluster looks like -------------------------------------------------------

    def _client(self, port: int):
        return self._node(port).client(socket_timeout=2, socket_connect_timeout=1)

    def _info(self, port: int, command: str) -> str:
        import redis

        client = self._client(port)
        try:
            raw = client.execute_command(*command.split())
            return raw.decode() if isinstance(raw, bytes) else str(raw)
        except (redis.RedisError, OSError):
            return ""
        finally:
            client.close()

    def topology(self, port: int | None = None) -> dict[int, dict]:
        """port -> {"role": "master"|"slave", "master": port|None, "slots": n, "ok": bool}
        as `CLUSTER NODES` on one live node sees it."""
        for p in [port] if port else [p for p in self.ports if self.nodes[p].is_running]:
            text = self._info(p, "CLUSTER NODES")
            if text:
                break
        else:
            return {}
        ids: dict[str, int] = {}
        rows = []
        for line in text.splitlines():
            parts = line.split()
            if len(parts) < 8:
                continue
            node_port = int(parts[1].split("@")[0].rsplit(":", 1)[1])
            ids[parts[0]] = node_port
            rows.append((node_port, parts))
        out: dict[int, dict] = {}
        for node_port, parts in rows:
            flags = parts[2].split(",")
            slots = 0
            for rng in parts[8:]:
                if rng.startswith("["):
                    continue
                lo, _, hi = rng.partition("-")
                slots += int(hi or lo) - int(lo) + 1
            out[node_port] = {"role": "master" if "master" in flags else "slave",
                              "master": ids.get(parts[3]), "slots": slots,
                              "ok": "fail" not in flags and "fail?" not in flags
                              and parts[7] == "connected"}
        return out

    def masters(self) -> list[int]:
        return sorted(p for p, n in self.topology().items() if n["role"] == "master"
                      and n["slots"] and n["ok"])

    def replica_of(self, master: int) -> int | None:
        found = [p for p, n in self.topology().items() if n["master"] == master and n["ok"]]
        return found[0] if found else None

    def healthy(self) -> bool:
        """Every running node says `cluster_state:ok`, and three masters hold the slots,
        each with a replica online (replicating: past its first sync)."""
        running = [p for p in self.ports if p in self.nodes and self.nodes[p].is_running]
        if not running:
            return False
        if not all("cluster_state:ok" in self._info(p, "CLUSTER INFO") for p in running):
            return False
        masters = self.masters()
        return len(masters) == MASTERS and all(
            self.replica_of(m) and self._replica_online(m) for m in masters)

    def _replica_online(self, master: int) -> bool:
        import redis

        client = self._client(master)
        try:
            info = client.info("replication")
        except (redis.RedisError, OSError):
            return False
        finally:
            client.close()
        return any(isinstance(v, dict) and v.get("state") == "online"
                   for k, v in info.items() if k.startswith("slave"))

    def wait_ok(self, timeout: float = 60.0) -> float:
        began = time.monotonic()
        deadline = began + max(timeout, 1.0)
        while time.monotonic() < deadline:
            if self.healthy():
                return time.monotonic() - began
            time.sleep(0.1)
        raise StackError("redis_not_ready", timeout=timeout, port=self.ports[0],
                         log=self.home, tail=self._info(self.ports[0], "CLUSTER INFO"))
