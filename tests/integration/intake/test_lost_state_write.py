"""A SIGKILL after a registration's events are acknowledged and its offset committed, but
before the registrar's book write reached the changelog (the fault hook `lose-state-write`
makes that moment deterministic). The registrar's books follow its events on the topic, so
the next request gets the next number, never the same one twice (without the fold: the
same number again). A case owner's state too: a withdrawal whose state write was lost is
withdrawn after the restart and not accepted twice (the case owner also reads its own
topic as input, so there the fold is the second line of defence)."""

from __future__ import annotations

import httpx

from tests.support.services import ServiceProcess

from .support import letter_body
from .test_agenda_numbers import registered_on_topic, request_number


def start(stack_env, **env: str) -> ServiceProcess:
    return ServiceProcess("intake", env, stack_env.data_dir / "logs").start(timeout=120)


async def test_a_lost_book_write_never_hands_out_an_agenda_number_twice(stack_env):
    faulty = start(stack_env, AUDIENSI_FAULT="lose-state-write:request_audience")
    try:
        async with httpx.AsyncClient(base_url=faulty.url, timeout=30) as client:
            lost, lost_case = await request_number(client)
        assert faulty.proc.wait(timeout=60) == -9  # SIGKILLed by the hook after the commit
    finally:
        faulty.stop()
    worker = start(stack_env)
    try:
        async with httpx.AsyncClient(base_url=worker.url, timeout=30) as client:
            following, case_id = await request_number(client)
    finally:
        worker.stop()
    assert following == lost + 1, "the number after the lost write, not the same one again"
    numbers = await registered_on_topic(stack_env.bootstrap)
    assert numbers[lost] == {lost_case}
    assert numbers[following] == {case_id}
    assert sorted(numbers) == list(range(1, max(numbers) + 1)), "gap-free"


async def test_a_lost_case_state_write_is_recovered_from_the_topic(stack_env):
    from tests.support.auth import auth

    front = auth("frontdesk")
    boot = start(stack_env)
    try:
        async with httpx.AsyncClient(base_url=boot.url, timeout=30) as client:
            r = await client.post("/requests", json=letter_body(), headers=front)
            assert r.status_code == 201, r.text
            case_id = r.json()["case_id"]
    finally:
        boot.stop()
    faulty = start(stack_env, AUDIENSI_FAULT="lose-state-write:withdraw_request")
    try:
        async with httpx.AsyncClient(base_url=faulty.url, timeout=30) as client:
            w = await client.post(f"/requests/{case_id}/withdrawal",
                                  json={"reason": "tidak jadi"}, headers=front)
            assert w.status_code == 200, w.text
        assert faulty.proc.wait(timeout=60) == -9
    finally:
        faulty.stop()
    worker = start(stack_env)
    try:
        async with httpx.AsyncClient(base_url=worker.url, timeout=30) as client:
            got = await client.get(f"/requests/{case_id}", headers=front)
            again = await client.post(f"/requests/{case_id}/withdrawal",
                                      json={"reason": "lagi"}, headers=front)
    finally:
        worker.stop()
    assert got.status_code == 200, got.text
    assert got.json()["status"] == "withdrawn"
    assert again.status_code == 409, again.text
