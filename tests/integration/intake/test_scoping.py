"""Reads scoped like the case file, against the real broker with the real disposition
service: intake learns where a case went from `audiensi.disposition.v1`, and a division head
or an officer reads only what is theirs; a confidential complaint's content reaches only the
secretariat and the Head of Office."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.support.auth import auth
from tests.support.services import ServiceProcess
from tests.support.waiting import eventually

from .support import NIK_3, ktp, letter_body, visit_body, walk_in_body

FRONT = auth("frontdesk")
DISPOSE = {"division": "rehsos", "instructions": "Mohon ditindaklanjuti"}


@pytest.fixture(scope="module")
def disposition(stack_env) -> Iterator[ServiceProcess]:
    proc = ServiceProcess("disposition", {}, stack_env.data_dir / "logs").start(timeout=120)
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
async def cases(disposition) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=disposition.url, timeout=30) as client:
        yield client


async def step(cases, case_id: str, path: str, user: str, body=None) -> None:
    async def accepted():
        r = await cases.post(f"/cases/{case_id}/{path}", json=body, headers=auth(user))
        assert r.status_code == 200, (path, r.status_code, r.text)  # 404 until propagated
        return True
    await eventually(accepted, timeout=30)


async def answers(http, case_id: str, user: str, status: int) -> None:
    async def check():
        r = await http.get(f"/requests/{case_id}", headers=auth(user))
        assert r.status_code == status, (user, r.status_code, r.text)
        if status == 403:
            assert r.headers["content-type"].startswith("application/problem+json")
            assert "Budi" not in r.text and r.json()["code"] == "out_of_scope"
        return True
    await eventually(check, timeout=30)


async def test_a_letter_is_read_by_its_division_and_its_officer_only(http, cases):
    created = await http.post("/requests", json=letter_body(), headers=FRONT)
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    for user in ("frontdesk", "sekretariat", "kadis"):
        await answers(http, case_id, user, 200)
    for user in ("kabid-rehsos", "petugas-rehsos-1"):  # not disposed yet
        await answers(http, case_id, user, 403)
    for user in ("ops", "analis", "admin"):
        r = await http.get(f"/requests/{case_id}", headers=auth(user))
        assert r.status_code == 403 and "Budi" not in r.text

    await step(cases, case_id, "disposition", "kadis", DISPOSE)
    await answers(http, case_id, "kabid-rehsos", 200)
    await answers(http, case_id, "kabid-linjamsos", 403)
    await step(cases, case_id, "receipt", "kabid-rehsos")
    await step(cases, case_id, "assignment", "kabid-rehsos", {"officer_id": "petugas-rehsos-1"})
    await answers(http, case_id, "petugas-rehsos-1", 200)
    shown = (await http.get(f"/requests/{case_id}", headers=auth("petugas-rehsos-1"))).json()
    assert shown["applicant"]["name"] == "Budi Santoso"
    await answers(http, case_id, "petugas-rehsos-2", 403)
    await answers(http, case_id, "petugas-linjamsos-1", 403)
    await answers(http, case_id, "kabid-linjamsos", 403)


async def test_an_urgent_walk_in_is_read_by_the_officer_it_was_directed_to(http, cases):
    visit = await http.post("/visits", json=visit_body(NIK_3, name="Rina"), headers=FRONT)
    assert visit.status_code == 201, visit.text
    created = await http.post("/requests", json=walk_in_body(visit.json()["visit_id"], True),
                              headers=FRONT)
    assert created.status_code == 201, created.text
    case_id = created.json()["case_id"]
    await step(cases, case_id, "direction", "frontdesk", {"officer_id": "petugas-linjamsos-1"})
    await answers(http, case_id, "petugas-linjamsos-1", 200)
    await answers(http, case_id, "kabid-linjamsos", 200)  # forwards the officer's report
    await answers(http, case_id, "kabid-rehsos", 403)
    await answers(http, case_id, "petugas-rehsos-1", 403)


async def test_a_confidential_complaints_content_reaches_the_secretariat_and_head_only(http):
    body = {"channel": "letter", "identity": ktp(NIK_3), "subject": "Pungutan liar",
            "content": "Petugas meminta uang untuk mempercepat.", "confidential": True}
    filed = await http.post("/complaints", json=body, headers=FRONT)
    assert filed.status_code == 201, filed.text
    path = f"/complaints/{filed.json()['tracking_id']}"
    for user in ("sekretariat", "kadis"):
        r = await http.get(path, headers=auth(user))
        assert r.status_code == 200 and r.json()["content"] == body["content"], r.text
    front = await http.get(path, headers=FRONT)
    assert front.status_code == 200 and "content" not in front.json()
    assert "meminta uang" not in front.text and front.json()["subject"] == "Pungutan liar"
    for user in ("kabid-rehsos", "petugas-rehsos-1", "ops", "analis", "admin"):
        r = await http.get(path, headers=auth(user))
        assert r.status_code == 403 and "meminta uang" not in r.text, (user, r.text)
