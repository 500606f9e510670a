"""Erasure that erases, across the whole system: a person's name, phone and identity number
are never in clear on any topic, in Redis or in the object store, and once they are erased
nobody can read them again (the case file, the request, the search, the letter they
attached), while everybody else's stay readable."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import httpx
import pytest

from contracts.codec import decode
from contracts.topics import INTAKE
from tests.e2e.client import TRANSIENT, Api
from tests.e2e.conftest import FAST_POLICIES, INFORM_SECONDS, WALKIN_SECONDS, System, running_system
from tests.integration.intake.test_personal_data import all_redis_bytes, all_topic_bytes
from tests.support.auth import auth
from tests.support.kafka import read_raw
from tests.support.waiting import eventually, eventually_sync

pytestmark = pytest.mark.timeout(300)

ERASED = {"name": "Rahmat Hidayat", "phone": "081299990001", "number": "1971012307800003"}
KEPT = {"name": "Wulan Sari", "phone": "081299990002", "number": "1971016204900004"}


@pytest.fixture(scope="module")
def system(tmp_path_factory) -> Iterator[System]:
    """The whole system with the documents service and its object store."""
    policies = FAST_POLICIES.format(inform=INFORM_SECONDS, walkin=WALKIN_SECONDS)
    with running_system(tmp_path_factory.mktemp("erasure"), policies,
                        documents=True) as running:
        yield running


@pytest.fixture(scope="module")
def api(system) -> Api:
    urls = {s: system.url(s)
            for s in ("intake", "disposition", "sla", "reporting", "documents")}
    return Api(urls, retry_for=90)  # the first commands wait for the agents on a loaded machine


def letter_pdf(person: dict) -> bytes:
    """A request letter as a scanner would file it: the person's data in its text."""
    text = f"Surat permohonan audiensi dari {person['name']}, HP {person['phone']}, " \
           f"NIK {person['number']}"
    return b"%PDF-1.4\n% " + text.encode() + b"\n%%EOF\n"


def attach(api: Api, case_id: str, person: dict) -> str:
    """The letter attached by the front office once documents knows the case."""
    def send() -> httpx.Response:
        r = api.http.post(api.urls["documents"] + f"/cases/{case_id}/documents",
                          headers=auth("frontdesk"), data={"kind": "surat_permohonan"},
                          files={"file": ("surat.pdf", letter_pdf(person), "application/pdf")})
        assert r.status_code == 201, r.text  # 404 until documents has read the case
        return r
    return eventually_sync(send, retry_on=TRANSIENT, timeout=30, every=0.5).json()[
        "document_id"]


def download(api: Api, document_id: str) -> httpx.Response:
    return api.http.get(api.urls["documents"] + f"/documents/{document_id}",
                        headers=auth("frontdesk"))


def store_bytes(system: System) -> bytes:
    """Every file the object store keeps on disk (its volumes, its filer)."""
    root = system.objects.home
    return b"\n".join(p.read_bytes() for p in root.rglob("*") if p.is_file()
                      and not p.name.endswith(".log"))


def walk_in(api: Api, person: dict) -> tuple[str, str]:
    visit = api.post("intake", "/visits", "frontdesk", {
        "name": person["name"], "phone": person["phone"], "purpose": "audiensi bantuan",
        "identity": {"kind": "KTP", "number": person["number"],
                     "valid_until": str(date.today() + timedelta(days=3650))}})["visit_id"]
    case = api.post("intake", "/requests", "frontdesk", {
        "channel": "walk_in", "urgent": False, "visit_id": visit,
        "applicant": {"name": person["name"], "contact": person["phone"]},
        "purpose": "Bantuan sosial untuk keluarga",
        "form": {"subject": "Bantuan sosial", "topics": ["rehsos"], "participants": 1}})
    return visit, case["case_id"]


def applicant_in_file(api: Api, case_id: str) -> dict:
    return api.get("reporting", f"/cases/{case_id}/file", "kadis")["applicant"]


def found(api: Api, q: str) -> set[str]:
    items = api.get("reporting", "/search", "kadis", params={"q": q})["items"]
    return {i["id"] for i in items}


async def test_an_erased_person_can_no_longer_be_read_or_found_and_nobody_else_is_touched(
        api, system):
    gone_visit, gone_case = walk_in(api, ERASED)
    _, kept_case = walk_in(api, KEPT)
    gone_doc, kept_doc = attach(api, gone_case, ERASED), attach(api, kept_case, KEPT)
    assert download(api, gone_doc).content == letter_pdf(ERASED)
    for case_id, person in ((gone_case, ERASED), (kept_case, KEPT)):
        eventually_sync(lambda c=case_id: applicant_in_file(api, c),
                        lambda a, p=person: a["name"] == p["name"], retry_on=TRANSIENT,
                        timeout=30)
    assert gone_case in found(api, "Rahmat") and kept_case in found(api, "Wulan")

    # in clear nowhere: not on a topic (events, commands, changelogs), not in Redis
    topics = await all_topic_bytes(system.bootstrap)
    redis = await all_redis_bytes(system.redis.url)
    objects = store_bytes(system)
    assert len(objects) > 1000
    logs = b"\n".join(p.read_bytes() for p in (system.data_dir / "logs").glob("*.log"))
    assert b"documents" in logs and b"intake" in logs
    for person in (ERASED, KEPT):
        for value in person.values():
            assert value.encode() not in topics, f"{value} in clear on a topic"
            assert value.encode() not in redis, f"{value} in clear in Redis"
            assert value.encode() not in objects, f"{value} in clear in the object store"
            assert value.encode() not in logs, f"{value} in clear in a service's log"

    answer = api.post("intake", "/identities/erasure", "admin",
                      {"kind": "KTP", "number": ERASED["number"]})
    assert answer["scope"] == "identity" and answer["erased"] is True
    assert {(r["kind"], r["id"]) for r in answer["records"]} == {
        ("visit", gone_visit), ("case", gone_case)}

    # every reader stops showing it once its cached key expires (chassis.sealing.TTL = 30 s)
    def readable() -> dict:
        return {"file": applicant_in_file(api, gone_case),
                "request": api.get("intake", f"/requests/{gone_case}", "frontdesk")["applicant"],
                "found": gone_case in found(api, "Rahmat")}

    def erased(now: dict) -> bool:
        return (now["file"]["name"] is None and now["file"].get("contact") is None
                and now["request"]["name"] is None and not now["found"]
                and download(api, gone_doc).status_code == 410)
    eventually_sync(readable, erased, retry_on=TRANSIENT, timeout=60, every=1)

    # the event of it, with no personal data in it
    async def erasures() -> list:
        out = []
        for _, _, _, value in await read_raw(system.bootstrap, INTAKE):
            env = decode(value)
            if env.type == "PersonalDataErased":
                out.append(env)
        return out
    # one per record; the case's names its visit too (its applicant is the visitor)
    written = await eventually(erasures, lambda e: len(e) == len(answer["records"]),
                               timeout=20)
    assert {e.data.erasure_id for e in written} == {answer["erasure_id"]}
    assert {c for e in written for c in e.data.case_ids} == {gone_case}
    assert {v for e in written for v in e.data.visit_ids} == {gone_visit}
    text = "".join(e.model_dump_json() for e in written)
    assert not any(v in text for v in ERASED.values())

    # the control person is untouched
    assert applicant_in_file(api, kept_case)["name"] == KEPT["name"]
    assert kept_case in found(api, "Wulan")
    assert download(api, kept_doc).content == letter_pdf(KEPT)
