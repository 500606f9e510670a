"""The whole system as real processes: a fresh Kafka and Redis of its own (so no other test's
events are counted), the four services under the supervisor `audiensi up` uses, and SLA
policies measured in seconds."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from stack.kafka import KafkaServer
from stack.objectstore import ObjectStoreServer
from stack.redis import RedisServer
from stack.redis_cluster import RedisCluster
from stack.supervisor import SERVICES, Supervisor, default_specs
from tests.conftest import REDIS_CLUSTER_ENV, new_redis_cluster
from tests.support.kafka import signed_in
from tests.support.waiting import free_port

#: inform-applicant and direct-walk-in in seconds: at-risk, breach and the next level all
#: happen within a test; complaint clocks long enough to be met.
FAST_POLICIES = """
policies:
  - id: inform-applicant
    starts_on: [DispositionReceived]
    stops_on: [ApplicantInformed, AudienceDeclined]
    cancels_on: [CaseCancelled, RequestWithdrawn, DispositionReturned]
    duration: PT{inform}S
    time: calendar
    escalations:
      - {{at: "50%", reason: at_risk, to_role: division_head}}
      - {{at: "100%", reason: breached, to_role: division_head}}
      - {{at: "100% + PT2S", reason: breached, to_role: head_of_office}}
  - id: direct-walk-in
    starts_on:
      - {{event: AudienceRequested, when: {{channel: walk_in, urgent: true}}}}
    stops_on: [WalkInDirected]
    cancels_on: [CaseCancelled, RequestWithdrawn]
    duration: PT{walkin}S
    time: calendar
    escalations:
      - {{at: "50%", reason: at_risk, to_role: secretariat}}
      - {{at: "100%", reason: breached, to_role: head_of_office}}
  - id: complaint-verify
    starts_on: [ComplaintFiled]
    stops_on: [ComplaintVerified, ComplaintRejected]
    cancels_on: [ComplaintClosed]
    duration: PT120S
    time: calendar
    escalations:
      - {{at: "100%", reason: breached, to_role: secretariat}}
  - id: complaint-respond
    starts_on: [ComplaintVerified]
    stops_on: [ComplaintResponded, ComplaintRejected]
    cancels_on: [ComplaintClosed]
    duration: PT120S
    time: calendar
    escalations:
      - {{at: "100%", reason: breached, to_role: head_of_office}}
"""

INFORM_SECONDS = 6
PUBLIC_STATUS_LIMIT = 100
WALKIN_SECONDS = 4


@dataclass
class System:
    supervisor: Supervisor
    kafka: KafkaServer
    redis: RedisServer | RedisCluster
    data_dir: Path
    objects: ObjectStoreServer | None = None  # with the documents service

    def url(self, service: str) -> str:
        return self.supervisor.url(service)

    @property
    def bootstrap(self) -> str:
        return self.kafka.bootstrap


@contextmanager
def running_system(data_dir: Path, policies_text: str,
                   documents: bool = False) -> Iterator[System]:
    """Kafka, Redis and the four services as separate processes, stopped on exit;
    `documents`: the documents service too, with an object store of its own."""
    policies = data_dir / "sla-policies.yaml"
    policies.write_text(policies_text)
    kafka = KafkaServer(data_dir, free_port(), free_port())
    redis: RedisServer | RedisCluster = (
        new_redis_cluster(data_dir) if os.environ.get(REDIS_CLUSTER_ENV)  # --redis-cluster
        else RedisServer(data_dir, free_port()))
    env = {
        "AUDIENSI_KAFKA_BOOTSTRAP": kafka.bootstrap,
        "AUDIENSI_REDIS_URL": redis.url,
        **redis.signin_env(),  # the supervisor gives each service its own Redis user
        "AUDIENSI_DATA_DIR": str(data_dir),
        "AUDIENSI_SLA_POLICIES": str(policies),
        "AUDIENSI_SLA_TICK_INTERVAL": "0.2",
        # the public lookup's limit per client address (every test calls from 127.0.0.1)
        "AUDIENSI_REPORTING_PUBLIC_STATUS_RATE": f"{PUBLIC_STATUS_LIMIT}/60",
    }
    env.update(kafka.signin_env())  # the supervisor gives each service its own principal
    names = (*SERVICES, "documents") if documents else SERVICES
    ports = {name: free_port() for name in names}
    objects = ObjectStoreServer(data_dir, free_port()) if documents else None
    if objects is not None:
        env.update(objects.env())
    supervisor = Supervisor(default_specs(ports, names), data_dir, env=env)
    try:
        redis.start()
        if objects is not None:
            objects.start(timeout=120)
        kafka.start(timeout=180)
        supervisor.start_all()
        supervisor.wait_ready(timeout=180)
        with signed_in(kafka):  # this process's own reads of the topics: as admin
            yield System(supervisor, kafka, redis, data_dir, objects)
    finally:
        supervisor.stop_all()
        kafka.stop()
        redis.stop()
        if objects is not None:
            objects.stop()


@pytest.fixture(scope="module")
def system(tmp_path_factory) -> Iterator[System]:
    policies = FAST_POLICIES.format(inform=INFORM_SECONDS, walkin=WALKIN_SECONDS)
    with running_system(tmp_path_factory.mktemp("e2e"), policies) as running:
        yield running
