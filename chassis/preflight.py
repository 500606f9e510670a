"""Before a service starts: are the broker and Redis reachable, and is its port free?
A clear message and exit status 2 instead of a stack trace from deep inside a client."""

from __future__ import annotations

import socket
import sys
import time

from .i18n import Text
from .redis import endpoints
from .settings import Settings


def _reachable(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def _brokers(bootstrap: str) -> list[tuple[str, int]]:
    out = []
    for item in bootstrap.split(","):
        host, _, port = item.strip().rpartition(":")
        out.append((host or item.strip(), int(port or 9092) if host else 9092))
    return out


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def problems(settings: Settings, service: str, wait: float) -> list[Text]:
    """What stops `service` from starting, after waiting up to `wait` s for its dependencies
    (in compose the broker may still be starting)."""
    port = settings.port_for(service)
    found: list[Text] = []
    if not _port_free(settings.host, port):
        var = f"AUDIENSI_{service.upper()}_PORT"
        found.append(Text(f"Port {settings.host}:{port} sudah dipakai; hentikan proses itu "
                          f"atau pilih port lain dengan {var}.",
                          f"Port {settings.host}:{port} is taken; stop that process or "
                          f"choose another port with {var}."))
    # any broker or seed node of the list will do: a cluster with one node down still serves
    targets = {"kafka": _brokers(settings.kafka_bootstrap),
               "redis": endpoints(settings.redis_url)}
    deadline = time.monotonic() + wait
    pending = {k: hps for k, hps in targets.items() if hps}
    while pending:
        pending = {k: hps for k, hps in pending.items()
                   if not any(_reachable(*hp) for hp in hps)}
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    if "kafka" in pending:
        found.append(Text(
            f"Kafka tidak bisa dihubungi di {settings.kafka_bootstrap}; jalankan `make up` "
            "atau periksa AUDIENSI_KAFKA_BOOTSTRAP.",
            f"Kafka is not reachable at {settings.kafka_bootstrap}; run `make up` or check "
            "AUDIENSI_KAFKA_BOOTSTRAP."))
    if "redis" in pending:
        found.append(Text(
            f"Redis tidak bisa dihubungi di {settings.redis_url}; jalankan `make up` atau "
            "periksa AUDIENSI_REDIS_URL.",
            f"Redis is not reachable at {settings.redis_url}; run `make up` or check "
            "AUDIENSI_REDIS_URL."))
    return found


def check_or_exit(settings: Settings, service: str, wait: float = 60.0) -> None:
    found = problems(settings, service, wait)
    if found:
        for text in found:
            print(f"audiensi {service}: {text.get(settings.lang)}", file=sys.stderr)
        raise SystemExit(2)
