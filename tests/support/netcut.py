"""A network namespace of the test's own behind a veth pair, and a packet-level cut of it
(the fault run's broker cut, `tests/chaos`).

    with NetNamespace() as ns:             # 10.201.<k>.1 on the host, 10.201.<k>.2 inside
        proc = subprocess.Popen(ns.exec_prefix() + argv)   # `ip netns exec`: execs argv
        ns.cut()                           # blackhole routes on both sides
        ns.heal()

The cut is a blackhole route on each side (`ip route add blackhole <peer>/32`, on the host
and inside): packets of open connections are dropped (TCP retransmits; nothing reaches the
peer), a new connect fails at once on the caller's side (EINVAL), and deleting the two routes
heals it (the retransmissions get through, the connections carry on). Not `ip link set down`:
with the veth down a packet to 10.201.x would follow the host's default route off the
machine. For the same reason a safety net comes first and goes last: a blackhole route for
this namespace's whole /24 at metric 4000 (the veth's connected /30 wins while it exists; if
it vanishes, nothing leaks). The namespace has no default route.

Needs root and iproute2 (`available()` says why not). Every step is undone on exit, even
after a failure; a namespace left by a process that died (SIGKILL of pytest) is removed by
the next `NetNamespace()`, by the pid in its name."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from pathlib import Path
from types import TracebackType

PREFIX = "audns"
SUBNET = "10.201"  # 10.201.<k>.0/24 for namespace k (k in 1..254)
NET_METRIC = 4000


def available() -> str | None:
    """None when namespaces can be made here, else the reason they cannot (no `ip`, or not
    root: without CAP_NET_ADMIN and CAP_SYS_ADMIN, e.g. in an unprivileged container)."""
    if shutil.which("ip") is None:
        return "iproute2's `ip` is not installed"
    status = Path("/proc/self/status").read_text()
    caps = int(re.search(r"^CapEff:\s*([0-9a-f]+)", status, re.M).group(1), 16)
    missing = [name for name, bit in (("CAP_NET_ADMIN", 12), ("CAP_SYS_ADMIN", 21))
               if not caps >> bit & 1]
    if os.geteuid() != 0 or missing:
        return f"network namespaces need root ({', '.join(missing) or 'euid 0'} missing)"
    return None


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done


def _alive(pid: int) -> bool:
    return os.path.exists(f"/proc/{pid}")


def _names() -> list[str]:
    return [line.split()[0] for line in _ip("netns", "list").stdout.splitlines() if line]


def reap_stale() -> list[str]:
    """Remove the namespaces (and their veth, cut and safety routes) of dead processes."""
    removed = []
    for name in _names():
        match = re.fullmatch(rf"{PREFIX}-(\d+)-(\d+)", name)
        if match and not _alive(int(match.group(1))):
            NetNamespace._undo(name, int(match.group(2)))
            removed.append(name)
    return removed


class NetNamespace:
    """One namespace `audns-<pid>-<k>`, veth `avh<k>` (host, 10.201.k.1/30) - `avn<k>`
    (inside, 10.201.k.2/30), and its loopback up."""

    def __init__(self) -> None:
        reason = available()
        if reason:
            raise RuntimeError(reason)
        reap_stale()
        used = {int(m) for m in re.findall(rf"{re.escape(SUBNET)}\.(\d+)\.",
                                           _ip("route", "show", "table", "all").stdout)}
        used |= {int(n.rsplit("-", 1)[1]) for n in _names() if n.startswith(PREFIX + "-")}
        free = [k for k in range(1, 255) if k not in used]
        if not free:
            raise RuntimeError(f"no free /24 left in {SUBNET}.0.0/16")
        self.k = free[0]
        self.name = f"{PREFIX}-{os.getpid()}-{self.k}"
        self.host_if, self.ns_if = f"avh{self.k}", f"avn{self.k}"
        self.host_addr, self.ns_addr = f"{SUBNET}.{self.k}.1", f"{SUBNET}.{self.k}.2"
        self.is_cut = False
        self._up = False

    def exec_prefix(self) -> list[str]:
        """Prepend to an argv to run it inside (iproute2 execs it: the pid is the program's)."""
        return ["ip", "netns", "exec", self.name]

    def __enter__(self) -> NetNamespace:
        self.open()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def open(self) -> None:
        net = f"{SUBNET}.{self.k}.0/24"
        _ip("route", "add", "blackhole", net, "metric", str(NET_METRIC))  # the net: first
        self._up = True
        try:
            _ip("netns", "add", self.name)
            _ip("link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if,
                "netns", self.name)
            _ip("addr", "add", f"{self.host_addr}/30", "dev", self.host_if)
            _ip("link", "set", self.host_if, "up")
            _ip("-n", self.name, "addr", "add", f"{self.ns_addr}/30", "dev", self.ns_if)
            _ip("-n", self.name, "link", "set", self.ns_if, "up")
            _ip("-n", self.name, "link", "set", "lo", "up")
        except BaseException:
            self.close()
            raise

    def cut(self) -> None:
        """Drop every packet between the two sides, both ways."""
        self.is_cut = True
        _ip("route", "add", "blackhole", f"{self.ns_addr}/32")
        _ip("-n", self.name, "route", "add", "blackhole", f"{self.host_addr}/32")

    def heal(self) -> None:
        """Undo `cut` (both routes; whichever exists)."""
        _ip("route", "del", "blackhole", f"{self.ns_addr}/32", check=False)
        _ip("-n", self.name, "route", "del", "blackhole", f"{self.host_addr}/32", check=False)
        self.is_cut = False

    def close(self) -> None:
        """Heal, delete the veth and the namespace, then the safety net (last). Processes
        still inside must be stopped before: the caller's job."""
        if self._up:
            self._undo(self.name, self.k)
            self._up = False
            self.is_cut = False

    @staticmethod
    def _undo(name: str, k: int) -> None:
        with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
            _ip("route", "del", "blackhole", f"{SUBNET}.{k}.2/32", check=False)
            if name in _names():
                _ip("-n", name, "route", "del", "blackhole", f"{SUBNET}.{k}.1/32", check=False)
            _ip("link", "del", f"avh{k}", check=False)  # its peer inside goes with it
            _ip("netns", "del", name, check=False)
        # the safety net last, and only once the veth is gone (else the next step could leak)
        if _ip("link", "show", f"avh{k}", check=False).returncode != 0:
            _ip("route", "del", "blackhole", f"{SUBNET}.{k}.0/24", "metric", str(NET_METRIC),
                check=False)

    def state(self) -> dict[str, bool]:
        """What exists of this namespace on the host now (for the tests of the teardown)."""
        routes = _ip("route", "show", "table", "all").stdout
        return {"namespace": self.name in _names(),
                "veth": _ip("link", "show", self.host_if, check=False).returncode == 0,
                "routes": f"{SUBNET}.{self.k}." in routes}
