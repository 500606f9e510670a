"""Agenda numbers are unique and gap-free per year under concurrency and across restarts
(graceful and SIGKILL) of the service process."""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections import defaultdict

import httpx

from contracts.topics import INTAKE
from tests.support.auth import auth

from .support import TODAY, letter_body, made_by_intake, topic_events

FRONT = auth("frontdesk")
NUMBER = re.compile(rf"^AUD/{TODAY.year}/(\d{{6}})$")


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
