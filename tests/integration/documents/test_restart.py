"""A restart of the documents service loses nothing: what was attached is listed and reads
back the same from a new process (its state is in Redis and on its topic, the bytes in the
object store)."""

from __future__ import annotations

import hashlib

import httpx

from contracts.topics import DOCUMENTS
from tests.support.auth import auth
from tests.support.kafka import read_events
from tests.support.waiting import eventually

from .conftest import Documents, start_documents
from .support import pdf


async def test_documents_survive_a_restart(stack_env, object_store):
    first = start_documents(stack_env, object_store)
    try:
        documents = Documents(first, stack_env, object_store)
        case_id = await documents.new_case()
        original = pdf(300_000)
        async with httpx.AsyncClient(base_url=first.url, timeout=30) as c:
            r = await c.post(f"/cases/{case_id}/documents", headers=auth("frontdesk"),
                             data={"kind": "berkas_rujukan"},
                             files={"file": ("rujukan.pdf", original, "application/pdf")})
        assert r.status_code == 201, r.text
    finally:
        first.kill()  # SIGKILL: no clean stop
    second = start_documents(stack_env, object_store)
    try:
        async with httpx.AsyncClient(base_url=second.url, timeout=30) as c:
            listed = await c.get(f"/cases/{case_id}/documents", headers=auth("kabid-rehsos"))
            got = await c.get(f"/documents/{r.json()['document_id']}",
                              headers=auth("petugas-rehsos-1"))
            again = await c.post(f"/cases/{case_id}/documents", headers=auth("frontdesk"),
                                 data={"kind": "surat_permohonan"},
                                 files={"file": ("surat.pdf", pdf(1000), "application/pdf")})
        assert [d["document_id"] for d in listed.json()["items"]] == [r.json()["document_id"]]
        assert hashlib.sha256(got.content).hexdigest() == hashlib.sha256(original).hexdigest()
        assert again.status_code == 201  # and it goes on numbering the case's events
        events = await eventually(lambda: read_events(stack_env.bootstrap, DOCUMENTS, case_id),
                                  lambda es: len(es) == 2)
        assert [e.sequence for e in events] == [1, 2]
    finally:
        second.stop()
