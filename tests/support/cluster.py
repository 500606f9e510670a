"""The services on a three-broker Kafka cluster (`stack.kafka_cluster`, what `audiensi up
--brokers 3` runs) with a Redis of their own, under the supervisor `audiensi up` uses; and
the questions a test asks the cluster (which node leads a partition, how a topic is set)."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from chassis.kafka import new_admin
from stack.kafka_cluster import KafkaCluster
from stack.redis import RedisServer
from stack.supervisor import ServiceSpec, Supervisor
from tests.support.auth import auth
from tests.support.kafka import signed_in
from tests.support.letters import letter_body
from tests.support.waiting import eventually_sync, free_port

BROKERS = 3
RETRY_FOR = 90.0


@dataclass
class ClusterSystem:
    supervisor: Supervisor
    kafka: KafkaCluster
    redis: RedisServer
    data_dir: Path

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
                # 404 from disposition: it has not consumed the intake event yet
                if r.status_code not in (404, 502, 503, 504):
                    break
                last = f"{r.status_code} {r.text[:200]}"
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

    async def hold(self, case: str) -> None:
        await self.post("disposition", f"/cases/{case}/audience", "petugas-rehsos-1",
                        {"held_at": datetime.now(UTC).isoformat(), "attendees": ["Pemohon"]})


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
                    extra_env: dict[str, str] | None = None) -> Iterator[ClusterSystem]:
    """Three KRaft nodes, Redis, and `workers` processes of each of `names`; everything
    stopped on exit. Inside, this process signs in to the cluster as admin."""
    kafka = KafkaCluster(data_dir, [free_port() for _ in range(BROKERS)],
                         [free_port() for _ in range(BROKERS)])
    redis = RedisServer(data_dir, free_port())
    env = {"AUDIENSI_REDIS_URL": redis.url, "AUDIENSI_DATA_DIR": str(data_dir),
           **kafka.env(), **kafka.signin_env(), **(extra_env or {})}
    supervisor = Supervisor(worker_specs(names, workers), data_dir, env=env)
    try:
        redis.start()
        kafka.start(timeout=240)
        supervisor.start_all()
        supervisor.wait_ready(timeout=240)
        with signed_in(kafka):
            yield ClusterSystem(supervisor, kafka, redis, data_dir)
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
