"""The command path on a Redis Cluster while one of its masters is SIGKILLed: intake (its
replies, Idempotency-Key records and key store all on the cluster) takes a steady stream of
letters; a client retries a 5xx with the same Idempotency-Key, as the API asks. Every letter
is accepted in the end, and each exactly once (one case, its events once on the topic)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from contracts.topics import INTAKE
from tests.integration.intake.support import letter_body, topic_events
from tests.support.auth import auth
from tests.support.services import ServiceProcess
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration

LETTERS = 24
FRONT = auth("frontdesk")


@pytest.fixture(scope="module")
def intake(stack_env, redis_cluster) -> Iterator[ServiceProcess]:
    proc = ServiceProcess("intake", {"AUDIENSI_REDIS_URL": redis_cluster.url},
                          stack_env.data_dir / "logs" / "intake-cluster").start(timeout=120)
    try:
        yield proc
    finally:
        proc.stop()


async def send(http: httpx.AsyncClient, key: str, deadline: float) -> tuple[dict, int]:
    """POST the letter until it is answered (retrying 5xx and lost connections with the same
    key); the answer and how many attempts it took."""
    attempts = 0
    while True:
        attempts += 1
        try:
            r = await http.post("/requests", json=letter_body(),
                                headers={**FRONT, "Idempotency-Key": key})
            if r.status_code < 500:
                assert r.status_code == 201, r.text
                return r.json(), attempts
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, f"letter {key} not accepted in time"
        await asyncio.sleep(0.2)


async def test_letters_sent_through_a_master_failover_are_each_accepted_once(
        intake, stack_env, redis_cluster):
    keys = [str(uuid.uuid4()) for _ in range(LETTERS)]
    answers: dict[str, dict] = {}
    attempts: dict[str, int] = {}
    victim = redis_cluster.masters()[0]
    replica = redis_cluster.replica_of(victim)
    deadline = time.monotonic() + 120
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as http:
        async def worker(mine: list[str]) -> None:
            for key in mine:
                answers[key], attempts[key] = await send(http, key, deadline)

        workers = [asyncio.create_task(worker(keys[i::4])) for i in range(4)]
        await eventually(lambda: len(answers) >= LETTERS // 4, timeout=120, every=0.05)
        redis_cluster.kill_node(victim)  # mid-stream
        await asyncio.gather(*workers)
        again = await http.post("/requests", json=letter_body(),
                                headers={**FRONT, "Idempotency-Key": keys[-1]})
    try:
        assert len(answers) == LETTERS
        assert again.status_code == 201 and again.json() == answers[keys[-1]]
        cases = [a["case_id"] for a in answers.values()]
        assert len(set(cases)) == LETTERS
        assert replica in redis_cluster.masters()  # the replica took over
        events = [e for e in await topic_events(stack_env.bootstrap, INTAKE)
                  if e.subject in set(cases)]
        per_case = {c: sorted(e.type for e in events if e.subject == c) for c in cases}
        first = per_case[cases[0]]
        assert first and all(types == first for types in per_case.values()), per_case
        print(f"\n{LETTERS} letters, master {victim} killed mid-stream: "
              f"{sum(a > 1 for a in attempts.values())} needed a retry "
              f"(at most {max(attempts.values())} attempts)")
    finally:
        redis_cluster.start_node(victim)
        await asyncio.to_thread(redis_cluster.wait_ok, 30)
