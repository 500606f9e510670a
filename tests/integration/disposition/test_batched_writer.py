"""The single writer applies commands queued for different cases as one batch with one
produce flush (chassis.batching), keeps the order of one case's commands, and answers each
command only after its events are on the log."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import httpx
from aiokafka.partitioner import DefaultPartitioner

from chassis.auth import Principal
from chassis.commands import CommandMessage, Reply
from chassis.kafka import new_producer
from chassis.org import load_org
from chassis.redis import make_redis
from chassis.settings import get_settings
from contracts.topics import DISPOSITION, command_topic
from tests.support.kafka import read_events
from tests.support.services import writer_batch_figures
from tests.support.waiting import eventually

from .support import headers, new_case_id, produce, request_events

CASES = 6
DISPOSE = {"division": "rehsos", "instructions": "Mohon ditindaklanjuti", "priority": None,
           "copies": [], "division_has_head": True}


def principal(user_id: str) -> Principal:
    user = load_org(get_settings().org_file).user(user_id)
    return Principal(sub=user.id, name=user.name, roles=tuple(user.roles),
                     division=user.division)


def same_partition_cases(n: int, partitions: int) -> tuple[int, list[str]]:
    """`n` new case ids that the default partitioner puts on one partition."""
    choose = DefaultPartitioner()
    by_partition: dict[int, list[str]] = {}
    while True:
        case_id = new_case_id("batch")
        p = choose(case_id.encode(), list(range(partitions)), list(range(partitions)))
        by_partition.setdefault(p, []).append(case_id)
        if len(by_partition[p]) == n:
            return p, by_partition[p]


def command(case_id: str, step: str, user: str, payload: dict) -> CommandMessage:
    return CommandMessage(command_id=str(uuid.uuid4()), name=step, subject=case_id,
                          payload=payload, actor=principal(user), at=datetime.now(UTC),
                          correlation_id="batch-test",
                          reply_to=f"audiensi:reply:batch-test:{uuid.uuid4().hex}")


def batch_figures(metrics: str) -> tuple[float, float]:
    """(flushes, records) of the disposition service's batched writer."""
    return writer_batch_figures(metrics, "disposition")


async def test_commands_for_different_cases_share_one_flush_and_one_case_keeps_its_order(
        stack_env, disposition):
    partition, cases = same_partition_cases(CASES, get_settings().topic_partitions)
    await produce(stack_env.bootstrap, [e for c in cases for e in request_events(c)])
    async with httpx.AsyncClient(base_url=disposition.url, timeout=30) as http:
        for case_id in cases:  # every case known to the writer before the commands come
            await eventually(lambda c=case_id: http.get(f"/cases/{c}", headers=headers("kadis")),
                             lambda r: r.status_code == 200, timeout=30)
        before = batch_figures((await http.get("/metrics")).text)
        # one record batch on one partition: queued for the writer together; the first
        # case's receipt comes after its disposition, and is only valid after it
        msgs = [command(c, "disposition", "kadis", DISPOSE) for c in cases]
        msgs.append(command(cases[0], "receipt", "kabid-rehsos", {}))
        producer = new_producer(bootstrap_servers=stack_env.bootstrap, acks="all")
        await producer.start()
        try:
            batch = producer.create_batch()
            for msg in msgs:
                assert batch.append(key=msg.subject.encode(), value=msg.to_bytes(),
                                    timestamp=None) is not None
            await (await producer.send_batch(batch, command_topic("disposition"),
                                             partition=partition))
        finally:
            await producer.stop()
        redis = make_redis(stack_env.redis_url)
        try:
            replies = await asyncio.gather(*(
                redis.blpop([m.reply_to], timeout=30) for m in msgs))
        finally:
            await redis.aclose()
        after = batch_figures((await http.get("/metrics")).text)
    answers = [Reply.model_validate_json(got[1]) for got in replies]
    assert [a.status for a in answers] == [200] * len(msgs), [a.body for a in answers]
    assert answers[-1].body["status"] == "received"
    flushes, records = (a - b for a, b in zip(after, before, strict=True))
    assert records == len(msgs)
    assert flushes < len(msgs)  # some commands of different cases shared a flush
    events = await read_events(stack_env.bootstrap, DISPOSITION, cases[0])
    assert [(e.type, e.sequence) for e in events] == [("CaseDisposed", 1),
                                                     ("DispositionReceived", 2)]
    for case_id in cases[1:]:
        events = await read_events(stack_env.bootstrap, DISPOSITION, case_id)
        assert [e.type for e in events] == ["CaseDisposed"]
