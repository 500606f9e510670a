"""Helpers for the SLA integration tests: a short policy file, input events produced straight
onto the intake / disposition topics, and the sla / escalations topics read back with their
record timestamps."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import TopicPartition
from aiokafka.partitioner import DefaultPartitioner

from chassis.kafka import new_consumer, new_producer
from contracts import Envelope, decode, encode, envelope
from contracts.disposition import ApplicantInformed, CaseDisposed, DispositionReceived
from tests.support.services import ServiceProcess

#: a few seconds per deadline, wall clock, the default ladder shape
QUICK_POLICIES = """
policies:
  - id: quick-inform
    starts_on: [DispositionReceived]
    stops_on: [ApplicantInformed]
    cancels_on: [CaseCancelled, RequestWithdrawn]
    duration: PT4S
    time: calendar
    escalations:
      - {at: "50%", reason: at_risk, to_role: division_head}
      - {at: "100%", reason: breached, to_role: division_head}
      - {at: "100% + PT2S", reason: breached, to_role: head_of_office}
"""


def start_sla(stack_env, policy_file: Path, **env: str) -> ServiceProcess:
    return ServiceProcess("sla", {"AUDIENSI_SLA_POLICIES": str(policy_file), **env},
                          stack_env.data_dir / "logs").start(timeout=120)


def new_case() -> str:
    return f"case-{uuid.uuid4()}"


@dataclass
class Record:
    env: Envelope
    timestamp: datetime  # the Kafka record timestamp (when the service produced it)


class Upstream:
    """Plays the intake and disposition services: their events, with their sequences."""

    def __init__(self, bootstrap: str) -> None:
        self.producer = new_producer(bootstrap_servers=bootstrap, acks="all",
                                         enable_idempotence=True)
        self._seq: dict[tuple[str, str], itertools.count] = {}

    async def __aenter__(self) -> Upstream:
        await self.producer.start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.producer.stop()

    def next_seq(self, subject: str, source: str) -> int:
        return next(self._seq.setdefault((subject, source), itertools.count(1)))

    async def send(self, event, source: str, at: datetime | None = None,
                   env: Envelope | None = None) -> Envelope:
        env = env or envelope(event, source=source, time=at or datetime.now(UTC),
                              sequence=self.next_seq(event.subject_id(), source))
        await self.producer.send_and_wait(env.topic, key=env.subject.encode(), value=encode(env))
        return env

    async def send_many(self, envelopes: list[Envelope]) -> None:
        futures = [await self.producer.send(e.topic, key=e.subject.encode(), value=encode(e))
                   for e in envelopes]
        await asyncio.gather(*futures)

    def disposed_on_partition_of(self, case_id: str, count: int,
                                 partitions: int = 6) -> list[Envelope]:
        """`count` CaseDisposed of other cases that share `case_id`'s partition: facts the
        SLA engine must read (they name a division) but that change no clock."""
        partition_of = DefaultPartitioner()
        every = list(range(partitions))
        target = partition_of(case_id.encode(), every, every)
        out = []
        while len(out) < count:
            other = new_case()
            if partition_of(other.encode(), every, every) == target:
                event = CaseDisposed(case_id=other, division="rehsos", instructions="-",
                                     disposed_by="kadis")
                out.append(envelope(event, source="disposition", sequence=1))
        return out

    async def received(self, case_id: str, division: str = "rehsos",
                       at: datetime | None = None) -> Envelope:
        event = DispositionReceived(case_id=case_id, division=division,
                                    received_by=f"kabid-{division}")
        return await self.send(event, "disposition", at)

    async def informed(self, case_id: str, at: datetime | None = None) -> Envelope:
        event = ApplicantInformed(case_id=case_id, channel="telepon", message="jadwal audiensi",
                                  informed_by="petugas-rehsos-1")
        return await self.send(event, "disposition", at)


async def read_records(bootstrap: str, topic: str, subjects: set[str] | None = None,
                       timeout: float = 10.0) -> list[Record]:
    """Every record on `topic` up to its current end, decoded, with its timestamp."""
    consumer = new_consumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    try:
        parts = consumer.partitions_for_topic(topic) or set()
        if not parts:
            await consumer._client.force_metadata_update()
            parts = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(parts)]
        ends = await consumer.end_offsets(tps)
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        remaining = {tp for tp in tps if ends[tp] > 0}
        out: list[Record] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while remaining and loop.time() < deadline:
            batch = await consumer.getmany(timeout_ms=300)
            for tp, records in batch.items():
                for r in records:
                    if r.offset < ends[tp] and (subjects is None or
                                                (r.key or b"").decode() in subjects):
                        out.append(Record(decode(r.value),
                                          datetime.fromtimestamp(r.timestamp / 1000, UTC)))
                    if r.offset >= ends[tp] - 1:
                        remaining.discard(tp)
        return out
    finally:
        await consumer.stop()


def of_type(records: list[Record], type_: str, subject: str | None = None) -> list[Record]:
    return [r for r in records if r.env.type == type_ and (subject is None or
                                                           r.env.subject == subject)]
