"""The services on a three-broker Kafka cluster (`stack.kafka_cluster`, what `audiensi up
--brokers 3` runs) with a Redis of their own (or a Redis Cluster: `--redis-cluster`), under the
supervisor `audiensi up` uses; and the questions a test asks the cluster (which node leads a
partition, how a topic is set)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from chassis.kafka import new_admin
from stack.kafka_cluster import KafkaCluster
from stack.redis import RedisServer
from stack.redis_cluster import RedisCluster
from stack.supervisor import ServiceSpec, Supervisor
from tests.e2e.client import NIK
from tests.support.auth import auth
from tests.support.kafka import signed_in
from tests.support.letters import letter_body
from tests.support.netcut import NetNamespace
from tests.support.waiting import eventually_sync, free_port

BROKERS = 3
RETRY_FOR = 90.0


@dataclass
class ClusterSystem:
    supervisor: Supervisor
    kafka: KafkaCluster
    redis: RedisServer | RedisCluster
    data_dir: Path
    #: the namespace node `BROKERS` runs in, behind a veth (`running_cluster(netns=...)`)
    netns: NetNamespace | None = None

    def url(self, name: str) -> str:
        return self.supervisor.url(name)

    def urls(self, service: str) -> list[str]:
        """The HTTP address of every worker of `service`."""
        return [self.supervisor.url(name) for name in self.supervisor.workers(service)]

    @property
    def bootstrap(self) -> str:
        return self.kafka.bootstrap


class Driver:
    """Sends each command until accepted, with one Idempotency-Key per command (what a
    front office does while a service or broker is failing over)."""

    def __init__(self, system: ClusterSystem, services: Iterable[str],
                 retry_for: float = RETRY_FOR) -> None:
        self.urls = {name: system.urls(name) for name in services}
        self.retry_for = retry_for
        self.http = httpx.AsyncClient(timeout=30)
        self.retries: Counter[str] = Counter()
        self.accepted: list[tuple[str, str]] = []  # (case, path) of every 2xx
        self.turn: Counter[str] = Counter()
        self.served: Counter[str] = Counter()  # worker address -> commands it took
        self.tracking: dict[str, str] = {}  # complaint id -> its public tracking id
        self.renewed = 0  # commands asked again under a new key after a 404

    def next_worker(self, service: str) -> str:
        """Each command of a service to its next worker in turn."""
        urls = self.urls[service]
        self.turn[service] += 1
        return urls[self.turn[service] % len(urls)]

    async def post(self, service: str, path: str, user: str, body: dict | None = None) -> dict:
        headers = {**auth(user), "Idempotency-Key": str(uuid.uuid4())}
        deadline = time.monotonic() + self.retry_for
        url = self.next_worker(service)
        while True:
            try:
                r = await self.http.post(url + path, json=body or {}, headers=headers)
                # a 5xx is retried with the same Idempotency-Key, as the API asks (a 500: e.g.
                # the key store's Redis master just died, its replica not yet master)
                if r.status_code not in (404, 500, 502, 503, 504):
                    break
                last = f"{r.status_code} {r.text[:200]}"
                if r.status_code == 404:  # disposition has not consumed the intake event
                    # yet. A refusal is the key's answer for good (`chassis.idempotency`
                    # replays it): asking again is a new command, with a new key.
                    headers["Idempotency-Key"] = str(uuid.uuid4())
                    self.renewed += 1
            except httpx.TransportError as exc:
                last = repr(exc)
            if time.monotonic() > deadline:
                raise AssertionError(f"{path} not accepted within {self.retry_for}s: {last}")
            self.retries[service] += 1
            await asyncio.sleep(0.3)
        assert r.status_code in (200, 201), f"{path}: {r.status_code} {r.text[:300]}"
        self.accepted.append((service, path))
        self.served[url] += 1
        return r.json()

    async def open_case(self) -> str:
        req = await self.post("intake", "/requests", "sekretariat", letter_body("Pemohon"))
        case = req["case_id"]
        await self.post("disposition", f"/cases/{case}/disposition", "kadis",
                        {"division": "rehsos", "instructions": "tindak lanjuti"})
        await self.post("disposition", f"/cases/{case}/receipt", "kabid-rehsos")
        return case

    async def assign_and_inform(self, case: str) -> None:
        await self.post("disposition", f"/cases/{case}/assignment", "kabid-rehsos",
                        {"officer_id": "petugas-rehsos-1"})
        await self.post("disposition", f"/cases/{case}/notification", "petugas-rehsos-1",
                        {"channel": "telepon", "message": "jadwal audiensi",
                         "scheduled_for": (datetime.now(UTC) + timedelta(days=1)).isoformat()})

    async def open_walk_in(self, name: str = "Siti Aminah") -> str:
        """A visitor signs the guest book and asks for an urgent audience (no agenda number,
        a `direct-walk-in` clock starts)."""
        visit = await self.post("intake", "/visits", "frontdesk", visit_body(name))
        req = await self.post("intake", "/requests", "frontdesk", {
            "channel": "walk_in", "urgent": True, "visit_id": visit["visit_id"],
            "applicant": {"name": name}, "purpose": "Anak terlantar, mendesak",
            "form": {"subject": "Perlindungan anak", "topics": ["anak"], "participants": 1}})
        return req["case_id"]

    async def direct_and_hold(self, case: str) -> None:
        await self.post("disposition", f"/cases/{case}/direction", "frontdesk",
                        {"officer_id": "petugas-rehsos-2"})
        await self.post("disposition", f"/cases/{case}/audience", "petugas-rehsos-2",
                        {"held_at": datetime.now(UTC).isoformat(), "attendees": ["Pemohon"]})

    async def complaint(self, n: int) -> str:
        """A complaint filed, verified, responded to and closed (every step of intake's)."""
        filed = await self.post("intake", "/complaints", "frontdesk", {
            "channel": "sp4n_lapor", "lapor_tracking_id": f"LAPOR-2026-{n:07d}",
            "identity": {"kind": "KTP", "number": NIK}, "subject": "Pelayanan lambat",
            "content": "Surat saya belum dijawab"})
        cid = filed["complaint_id"]
        self.tracking[cid] = filed["tracking_id"]
        await self.post("intake", f"/complaints/{cid}/verification", "sekretariat")
        await self.post("intake", f"/complaints/{cid}/response", "sekretariat",
                        {"response": "Sudah dijadwalkan audiensi", "channel": "surat"})
        await self.post("intake", f"/complaints/{cid}/closure", "kadis",
                        {"resolution": "selesai"})
        return cid

    async def hold(self, case: str) -> None:
        await self.post("disposition", f"/cases/{case}/audience", "petugas-rehsos-1",
                        {"held_at": datetime.now(UTC).isoformat(), "attendees": ["Pemohon"]})


def visit_body(name: str) -> dict:
    return {"name": name, "purpose": "audiensi bantuan sosial", "phone": "081234567890",
            "identity": {"kind": "KTP", "number": NIK,
                         "valid_until": str(date.today() + timedelta(days=3650))}}


def worker_specs(names: Iterable[str], workers: int | Mapping[str, int] = 1
                 ) -> list[ServiceSpec]:
    """`workers` processes of each service (a count, or one per service: default 1) on free
    ports, named as `audiensi up --workers` names them: `<name>`, then `<name>-2`, ..."""
    count = (lambda name: workers.get(name, 1)) if isinstance(workers, Mapping) else (
        lambda name: workers)
    return [ServiceSpec(name if k == 1 else f"{name}-{k}", free_port(), service=name)
            for name in names for k in range(1, count(name) + 1)]


@contextmanager
def running_cluster(data_dir: Path, names: Iterable[str],
                    workers: int | Mapping[str, int] = 1,
                    extra_env: dict[str, str] | None = None,
                    redis_cluster: bool = False,
                    netns: NetNamespace | None = None) -> Iterator[ClusterSystem]:
    """Three KRaft nodes, Redis (`redis_cluster`: 3 masters + 3 replicas), and `workers`
    processes of each of `names`; everything stopped on exit. Inside, this process signs in
    to the cluster as admin. With `netns` (open) node `BROKERS` runs inside it on its
    address, the other nodes listen on the host's end of its veth (so that every node and
    client reaches it, and a cut of the namespace cuts that node off); else everything is on
    127.0.0.1."""
    from tests.conftest import new_redis_cluster

    hosts, launchers = None, None
    if netns is not None:
        hosts = [netns.host_addr] * (BROKERS - 1) + [netns.ns_addr]
        launchers = {BROKERS: netns.exec_prefix()}
    kafka = KafkaCluster(data_dir, [free_port() for _ in range(BROKERS)],
                         [free_port() for _ in range(BROKERS)], hosts=hosts,
                         launchers=launchers)
    redis = new_redis_cluster(data_dir) if redis_cluster else RedisServer(data_dir, free_port())
    env = {"AUDIENSI_REDIS_URL": redis.url, **redis.signin_env(),
           "AUDIENSI_DATA_DIR": str(data_dir),
           **kafka.env(), **kafka.signin_env(), **(extra_env or {})}
    supervisor = Supervisor(worker_specs(names, workers), data_dir, env=env)
    try:
        redis.start()
        kafka.start(timeout=240)
        supervisor.start_all()
        supervisor.wait_ready(timeout=240)
        with signed_in(kafka):
            yield ClusterSystem(supervisor, kafka, redis, data_dir, netns)
    finally:
        supervisor.stop_all()
        kafka.stop()
        redis.stop()


@contextmanager
def _quiet() -> Iterator[None]:
    """aiokafka logs every refused connection to a killed broker: expected here."""
    quiet = logging.getLogger("aiokafka")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        quiet.setLevel(level)


async def describe(bootstrap: str, topics: list[str]) -> dict[str, dict]:
    """{topic: {"partitions": {p: {"leader", "replicas", "isr"}}, "config": {...}}}."""
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    admin = new_admin(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    with _quiet():
        await admin.start()
        try:
            described = await admin.describe_topics(topics)
            configs = await admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, t) for t in topics])
        finally:
            await admin.close()
    out: dict[str, dict] = {}
    for topic in described:
        out[topic["topic"]] = {"partitions": {
            p["partition"]: {"leader": p["leader"], "replicas": sorted(p["replicas"]),
                             "isr": sorted(p["isr"])} for p in topic["partitions"]},
            "config": {}}
    for response in configs:
        for resource in response.resources:
            name, entries = resource[3], resource[4]
            out[name]["config"] = {entry[0]: entry[1] for entry in entries}
    return out


def _partition(bootstrap: str, topic: str, partition: int) -> dict:
    return asyncio.run(describe(bootstrap, [topic]))[topic]["partitions"][partition]


def partition_of(bootstrap: str, topic: str, partition: int, timeout: float = 60.0) -> dict:
    """The partition's leader, replicas and ISR, asked until the cluster answers (a killed
    node may have been the one asked)."""
    return eventually_sync(lambda: _partition(bootstrap, topic, partition), timeout=timeout,
                           every=0.5, retry_on=(Exception,))


def wait_leader_other_than(bootstrap: str, topic: str, partition: int, old: int,
                           timeout: float = 60.0) -> tuple[dict, float]:
    """Wait until a node other than `old` leads the partition; (its state, seconds)."""
    began = time.monotonic()
    state = eventually_sync(lambda: _partition(bootstrap, topic, partition),
                            lambda s: s["leader"] not in (old, -1), timeout=timeout,
                            every=0.2, retry_on=(Exception,))
    return state, time.monotonic() - began


def wait_isr(bootstrap: str, topic: str, partition: int, size: int,
             timeout: float = 90.0) -> float:
    """Wait until the partition's ISR has `size` nodes again; the seconds it took."""
    began = time.monotonic()
    eventually_sync(lambda: _partition(bootstrap, topic, partition),
                    lambda s: len(s["isr"]) >= size, timeout=timeout, every=0.5,
                    retry_on=(Exception,))
    return time.monotonic() - began
