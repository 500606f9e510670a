"""Agenda numbers are unique and gap-free per year under concurrency and across restarts
(graceful and SIGKILL) of the service process."""

from __future__ import annotations

import asyncio
import re
import statistics
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime

import httpx

from chassis.auth import Principal
from chassis.commands import CommandMessage, Reply
from chassis.kafka import new_producer
from chassis.org import load_org
from chassis.redis import make_redis
from chassis.settings import get_settings
from contracts import deterministic_id
from contracts.topics import INTAKE
from services.intake import commands as c
from services.intake.agents import REGISTRAR_TOPIC
from tests.support.auth import auth
from tests.support.services import writer_batch_figures
from tests.unit.intake.builders import check_in_cmd, letter_cmd, walk_in_cmd

from .support import TODAY, letter_body, made_by_intake, topic_events

FRONT = auth("frontdesk")
NUMBER = re.compile(rf"^AUD/{TODAY.year}/(\d{{6}})$")
LETTERS = 6


async def registered_on_topic(bootstrap: str) -> dict[int, set[str]]:
    """This year's agenda numbers on the real topic -> the case ids that carry them."""
    numbers: dict[int, set[str]] = defaultdict(set)
    for env in await topic_events(bootstrap, INTAKE):
        if env.type == "RequestRegistered" and made_by_intake(env, "case"):
            m = NUMBER.match(env.data.agenda_number)
            if m:
                numbers[int(m.group(1))].add(env.subject)
    return numbers


async def request_number(client: httpx.AsyncClient) -> tuple[int, str]:
    r = await client.post("/requests", json=letter_body(), headers=FRONT)
    assert r.status_code == 201, r.text
    return int(NUMBER.match(r.json()["agenda_number"]).group(1)), r.json()["case_id"]


async def test_200_concurrent_requests_get_200_distinct_gap_free_numbers(intake, stack_env):
    before = await registered_on_topic(stack_env.bootstrap)
    last = max(before, default=0)
    limits = httpx.Limits(max_connections=250, max_keepalive_connections=250)
    async with httpx.AsyncClient(base_url=intake.url, timeout=60, limits=limits) as client:
        await request_number(client)  # warm up connections and the code path
        started = time.perf_counter()
        results = await asyncio.gather(*(request_number(client) for _ in range(200)))
        elapsed = time.perf_counter() - started
    numbers = sorted(n for n, _ in results)
    assert numbers == list(range(last + 2, last + 202)), "distinct and gap-free"
    after = await registered_on_topic(stack_env.bootstrap)
    for number, case_id in results:
        assert after[number] == {case_id}, "on the topic, each number belongs to one case"
    assert sorted(after) == list(range(1, last + 202)), "no gap anywhere this year"
    print(f"\n200 concurrent POST /requests: {elapsed:.2f}s, {200 / elapsed:.0f} req/s")


async def test_sequential_latency(intake):
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as client:
        await request_number(client)
        times = []
        for _ in range(40):
            started = time.perf_counter()
            await request_number(client)
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p50, p95 = statistics.median(times), times[int(len(times) * 0.95) - 1]
    print(f"\nPOST /requests sequential: p50 {p50:.1f} ms, p95 {p95:.1f} ms, "
          f"max {times[-1]:.1f} ms")
    assert p50 < 500


async def test_after_a_restart_the_next_number_continues(intake, stack_env):
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as client:
        last, _ = await request_number(client)
    intake.stop()  # graceful
    intake.start(timeout=120)
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as client:
        after_restart, _ = await request_number(client)
    assert after_restart == last + 1
    intake.kill()  # SIGKILL: no goodbye to the group, nothing flushed on the way out
    started = time.perf_counter()
    intake.start(timeout=120)
    print(f"\nready again {time.perf_counter() - started:.1f}s after SIGKILL")
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as client:
        after_kill, _ = await request_number(client)
    assert after_kill == last + 2
    numbers = await registered_on_topic(stack_env.bootstrap)
    assert sorted(numbers) == list(range(1, max(numbers) + 1))
    assert all(len(cases) == 1 for cases in numbers.values())


def principal(user_id: str) -> Principal:
    user = load_org(get_settings().org_file).user(user_id)
    return Principal(sub=user.id, name=user.name, roles=tuple(user.roles),
                     division=user.division)


def registrar_command(name: str, subject: str, command_id: str, payload) -> CommandMessage:
    return CommandMessage(command_id=command_id, name=name, subject=subject,
                          payload=payload.model_dump(mode="json"),
                          actor=principal("frontdesk"), at=datetime.now(UTC),
                          correlation_id="batch-test",
                          reply_to=f"audiensi:reply:batch-test:{uuid.uuid4().hex}")


def batch_figures(metrics: str) -> tuple[float, float]:
    """(flushes, records) of the intake service's batched writer."""
    return writer_batch_figures(metrics, "intake")


async def test_the_registrar_applies_a_queue_of_requests_with_fewer_flushes_in_order(
        intake, stack_env):
    """Commands queued together: fewer flushes than commands, the numbers gap-free in the
    order of the queue, a walk-in sees the check-in queued before it, a command queued
    twice gets its number once."""
    letters = []
    for _ in range(LETTERS):
        command_id = str(uuid.uuid4())
        case_id = deterministic_id("case", command_id)
        letters.append(registrar_command(c.REQUEST_AUDIENCE, case_id, command_id,
                                         letter_cmd(case_id)))
    visit_command = str(uuid.uuid4())
    visit_id = deterministic_id("visit", visit_command)
    walk_command = str(uuid.uuid4())
    walk_case = deterministic_id("case", walk_command)
    check_in = registrar_command(c.CHECK_IN, visit_id, visit_command,
                                 check_in_cmd(visit_id).model_copy(update={"visit_id": visit_id}))
    walk_in = registrar_command(c.REQUEST_AUDIENCE, walk_case, walk_command,
                                walk_in_cmd(walk_case, visit_id))
    again = letters[0].model_copy(update={
        "reply_to": f"audiensi:reply:batch-test:{uuid.uuid4().hex}"})
    msgs = [*letters[:3], check_in, walk_in, *letters[3:], again]
    before = await registered_on_topic(stack_env.bootstrap)
    last = max(before, default=0)
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as http:
        figures_before = batch_figures((await http.get("/metrics")).text)
        producer = new_producer(bootstrap_servers=stack_env.bootstrap, acks="all")
        await producer.start()
        try:  # one record batch: queued for the registrar together
            batch = producer.create_batch()
            for msg in msgs:
                assert batch.append(key=msg.subject.encode(), value=msg.to_bytes(),
                                    timestamp=None) is not None
            await (await producer.send_batch(batch, REGISTRAR_TOPIC, partition=0))
        finally:
            await producer.stop()
        redis = make_redis(stack_env.redis_url)
        try:
            replies = await asyncio.gather(*(redis.blpop([m.reply_to], timeout=30)
                                             for m in msgs))
        finally:
            await redis.aclose()
        figures_after = batch_figures((await http.get("/metrics")).text)
    answers = [Reply.model_validate_json(got[1]) for got in replies]
    assert [a.status for a in answers] == [201] * len(msgs), [a.body for a in answers]
    numbered = [a.body["agenda_number"] for a in answers if "case_id" in a.body]
    first_time = [int(NUMBER.match(n).group(1)) for n in numbered[:-1]]
    assert first_time == list(range(last + 1, last + LETTERS + 2)), "gap-free, queue order"
    assert answers[4].body["status"] == "registered", "the walk-in saw its check-in"
    assert numbered[-1] == numbered[0], "queued twice, numbered once"
    flushes, records = (a - b for a, b in zip(figures_after, figures_before, strict=True))
    assert records == len(msgs)
    assert flushes < len(msgs), "commands queued together shared a flush"
    after = await registered_on_topic(stack_env.bootstrap)
    for msg, number in zip([m for m in msgs if m.name == c.REQUEST_AUDIENCE][:-1],
                           first_time, strict=True):
        assert after[number] == {msg.subject}, "on the topic, each number belongs to one case"
    assert sorted(after) == list(range(1, max(after) + 1)), "no gap anywhere this year"
