"""The fault run's network cut (`tests.support.netcut`) on its own, in seconds instead of the
three minutes of `make chaos`: a TCP echo peer inside a namespace of the test's own; during
the cut what is sent on an open connection does not reach it (it stays in the sender's
queue, the peer gets nothing), a new connection fails at once on the caller's side, both
ways; after the heal the held-back bytes arrive and are echoed, and new connections work
again. On exit nothing of the namespace is left (namespace, veth, routes), also when the
body failed, and a namespace left by a dead process is removed by the next one."""

from __future__ import annotations

import fcntl
import socket
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import netcut
from tests.support.netcut import NetNamespace
from tests.support.waiting import eventually_sync, stays_true_for_sync

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(netcut.available() is not None,
                                 reason=f"the network cut: {netcut.available()}")]
PORT = 7411
ECHO = """
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen()
print("listening", flush=True)
while True:
    c, _ = s.accept()
    with c, open(sys.argv[3], "ab") as got:
        while data := c.recv(4096):
            got.write(data)
            got.flush()
            c.sendall(data)
"""


def _tcp_state(sock: socket.socket) -> tuple[int, int]:
    """(backoff, queued) of `sock`: how many times the kernel's timer has backed off trying
    to send (struct tcp_info's tcpi_backoff), how many bytes sent are not acknowledged yet
    (TIOCOUTQ: still in the send queue)."""
    info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 104)
    queued = struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, b"\0" * 4))[0]
    return info[4], queued


def _recv_exactly(sock: socket.socket, n: int) -> bytes:
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        assert chunk, "the peer closed the connection"
        data += chunk
    return data


@pytest.fixture
def peer(tmp_path: Path) -> Iterator[tuple[NetNamespace, Path]]:
    """An echo server inside a fresh namespace; its received bytes logged to a file."""
    got = tmp_path / "received"
    got.touch()
    with NetNamespace() as ns:
        proc = subprocess.Popen(
            ns.exec_prefix() + [sys.executable, "-c", ECHO, ns.ns_addr, str(PORT), str(got)],
            stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "listening"
            yield ns, got
        finally:
            proc.kill()
            proc.wait(10)


def test_a_cut_stalls_open_connections_refuses_new_ones_and_heals(peer):
    ns, got = peer
    conn = socket.create_connection((ns.ns_addr, PORT), timeout=10)
    with conn:
        conn.sendall(b"before")
        assert _recv_exactly(conn, 6) == b"before"

        ns.cut()
        conn.sendall(b"during")
        # not acknowledged: the bytes stay queued while the kernel backs off again and again
        eventually_sync(lambda: _tcp_state(conn), lambda t: t[0] >= 2 and t[1] == 6,
                        timeout=20, every=0.1)
        stays_true_for_sync(1.0, lambda: got.read_bytes() == b"before")
        with pytest.raises(OSError) as refused:  # at once, locally: no SYN goes out
            socket.create_connection((ns.ns_addr, PORT), timeout=10)
        assert not isinstance(refused.value, TimeoutError), refused.value
        inside = subprocess.run(ns.exec_prefix() + [
            sys.executable, "-c",
            f"import socket; socket.create_connection(('{ns.host_addr}', {PORT}), timeout=10)"],
            capture_output=True, text=True, timeout=30)
        assert inside.returncode != 0 and "Invalid argument" in inside.stderr, inside.stderr

        ns.heal()
        assert _recv_exactly(conn, 6) == b"during"  # the retransmission got through
        assert got.read_bytes() == b"beforeduring"
    with socket.create_connection((ns.ns_addr, PORT), timeout=10) as again:
        again.sendall(b"after")
        assert _recv_exactly(again, 5) == b"after"


def test_nothing_is_left_after_the_namespace_closes_even_when_cut_or_failing():
    ns = NetNamespace()
    with pytest.raises(RuntimeError, match="boom"), ns:
        assert ns.state() == {"namespace": True, "veth": True, "routes": True}
        # while it exists, an address of its /24 off the veth goes nowhere (the safety net)
        stray = subprocess.run(["ip", "route", "get", f"{netcut.SUBNET}.{ns.k}.9"],
                               capture_output=True, text=True)
        assert stray.returncode != 0 and "Invalid argument" in stray.stderr, stray
        ns.cut()
        raise RuntimeError("boom")
    assert ns.state() == {"namespace": False, "veth": False, "routes": False}


def test_a_namespace_left_by_a_dead_process_is_removed_by_the_next_one():
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    name = f"{netcut.PREFIX}-{dead.pid}-254"
    subprocess.run(["ip", "netns", "add", name], check=True)
    subprocess.run(["ip", "route", "add", "blackhole", f"{netcut.SUBNET}.254.0/24",
                    "metric", str(netcut.NET_METRIC)], check=True)
    try:
        assert name in netcut.reap_stale()
        listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout
        assert name not in listed
        routes = subprocess.run(["ip", "route"], capture_output=True, text=True).stdout
        assert f"{netcut.SUBNET}.254." not in routes
    finally:
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
        subprocess.run(["ip", "route", "del", "blackhole", f"{netcut.SUBNET}.254.0/24",
                        "metric", str(netcut.NET_METRIC)], capture_output=True)
