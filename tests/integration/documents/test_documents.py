"""The documents service against real Kafka, Redis and SeaweedFS: attach, list, download,
remove; every refusal stores nothing; erasing the case's key makes its documents gone."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest

from chassis.keystore import open_keystore
from chassis.settings import get_settings
from contracts.sealed import case_key
from contracts.topics import DOCUMENTS
from services.documents.records import object_key
from tests.support.auth import auth
from tests.support.kafka import read_events, read_raw
from tests.support.waiting import eventually

from .support import EXECUTABLE, pdf, png, publish_closed, publish_erased

MiB = 1024 * 1024


def client(documents) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=documents.url, timeout=60)


async def attach(documents, case_id: str, user: str, content: bytes, *, kind: str,
                 filename: str = "surat.pdf", title: str | None = None,
                 content_type: str = "application/pdf") -> httpx.Response:
    data = {"kind": kind, **({"title": title} if title is not None else {})}
    async with client(documents) as c:
        return await c.post(f"/cases/{case_id}/documents", headers=auth(user), data=data,
                            files={"file": (filename, content, content_type)})


def case_objects(documents, case_id: str) -> list[str]:
    return [k for k in documents.store.object_keys() if k.startswith(f"cases/{case_id}/")]


async def case_events(documents, case_id: str):
    return await read_events(documents.stack.bootstrap, DOCUMENTS, case_id)


async def test_a_letter_goes_in_encrypted_and_comes_back_the_same(documents):
    case_id = await documents.new_case()
    original = pdf(7 * MiB + 12345)  # more than one S3 part, frames not a round number
    r = await attach(documents, case_id, "frontdesk", original, kind="surat_permohonan",
                     filename="../../etc/Surat Permohonan\u202e.pdf", title="Surat dari desa")
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["case_id"] == case_id and body["kind"] == "surat_permohonan"
    assert body["content_type"] == "application/pdf" and body["size"] == len(original)
    assert body["sha256"] == hashlib.sha256(original).hexdigest()
    assert body["filename"] == "Surat Permohonan.pdf"  # no path, no bidi override
    assert r.headers["location"] == f"/documents/{body['document_id']}"

    # the event: metadata only
    events = await eventually(lambda: case_events(documents, case_id), timeout=20)
    assert [e.type for e in events] == ["DocumentAttached"]
    event = events[0]
    assert event.sequence == 1 and event.source == "documents" and event.actorid == "frontdesk"
    assert event.data.sha256 == body["sha256"] and event.data.title == "Surat dari desa"
    raw = [v for _, _, k, v in await read_raw(documents.stack.bootstrap, DOCUMENTS)
           if k == case_id.encode()]
    assert len(raw) == 1 and len(raw[0]) < 2000
    assert original[100:164] not in raw[0]

    # the object: ciphertext only
    stored = documents.store.read(object_key(case_id, body["document_id"]))
    assert len(stored) > len(original)
    assert b"%PDF" not in stored
    assert original[1000:1064] not in stored and original[-64:] not in stored

    # the download: the same bytes, as an attachment
    async with client(documents) as c:
        got = await c.get(f"/documents/{body['document_id']}", headers=auth("kabid-rehsos"))
    assert got.status_code == 200
    assert hashlib.sha256(got.content).hexdigest() == body["sha256"]
    assert got.content == original
    assert got.headers["content-type"] == "application/pdf"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert "Surat%20Permohonan.pdf" in got.headers["content-disposition"]

    # the list
    async with client(documents) as c:
        listed = await c.get(f"/cases/{case_id}/documents", headers=auth("petugas-rehsos-1"))
    assert listed.status_code == 200
    [item] = listed.json()["items"]
    assert item["document_id"] == body["document_id"] and item["by"] == "frontdesk"


async def test_the_officer_attaches_a_staff_review_as_an_image(documents):
    case_id = await documents.new_case()
    image = png(3000)
    r = await attach(documents, case_id, "petugas-rehsos-1", image, kind="telaahan_staf",
                     filename="telaahan.png", content_type="application/octet-stream")
    assert r.status_code == 201, r.text
    assert r.json()["content_type"] == "image/png"  # from the bytes, not the client's word
    async with client(documents) as c:
        got = await c.get(f"/documents/{r.json()['document_id']}", headers=auth("kadis"))
    assert got.content == image and got.headers["content-type"] == "image/png"


@pytest.mark.parametrize(("user", "kind"), [
    ("analis", "lainnya"),  # no role for documents at all
    ("petugas-linjamsos-1", "laporan_hasil"),  # another division's officer
    ("kabid-linjamsos", "telaahan_staf"),  # another division's head
    ("frontdesk", "laporan_hasil"),  # the front office files letters, not reports
    ("petugas-rehsos-1", "surat_permohonan"),  # the officer files reports, not letters
])
async def test_who_may_not_attach_gets_403_and_nothing_is_stored(documents, user, kind):
    case_id = await documents.new_case()
    r = await attach(documents, case_id, user, pdf(50_000), kind=kind)
    assert r.status_code == 403, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert case_objects(documents, case_id) == []
    assert documents.store.pending_uploads() == []
    async with client(documents) as c:
        listed = await c.get(f"/cases/{case_id}/documents", headers=auth("frontdesk"))
    assert listed.json()["items"] == []


async def test_an_unknown_case_is_404(documents):
    r = await attach(documents, "no-such-case", "frontdesk", pdf(1000), kind="surat_permohonan")
    assert r.status_code == 404
    assert r.json()["type"].endswith("/case-unknown")


async def test_an_executable_named_pdf_is_415(documents):
    case_id = await documents.new_case()
    r = await attach(documents, case_id, "frontdesk", EXECUTABLE, kind="surat_permohonan",
                     filename="surat.pdf", content_type="application/pdf")
    assert r.status_code == 415, r.text
    problem = r.json()
    assert problem["errors"][0]["field"] == "file"
    assert case_objects(documents, case_id) == []
    assert documents.store.pending_uploads() == []


async def test_a_file_over_the_limit_is_413_with_a_declared_length(documents):
    case_id = await documents.new_case()
    r = await attach(documents, case_id, "frontdesk", pdf(11 * MiB), kind="surat_permohonan")
    assert r.status_code == 413, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert case_objects(documents, case_id) == []


async def test_a_streamed_file_over_the_limit_is_413_and_nothing_is_stored(documents):
    """Chunked (no Content-Length): the service counts while it streams, past one S3 part,
    and refuses at the limit; the begun multipart upload is aborted."""
    case_id = await documents.new_case()
    boundary = "audiensi-test-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n"
            f"surat_permohonan\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"file\"; filename=\"besar.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
            ).encode()

    async def body():
        yield head
        yield pdf(MiB)
        for _ in range(11):
            yield b"\0" * MiB
        yield f"\r\n--{boundary}--\r\n".encode()

    async with client(documents) as c:
        r = await c.post(f"/cases/{case_id}/documents", headers={
            **auth("frontdesk"), "Content-Type": f"multipart/form-data; boundary={boundary}"},
            content=body())
    assert r.status_code == 413, r.text
    assert r.json()["limit"] == 10 * MiB
    assert case_objects(documents, case_id) == []
    assert documents.store.pending_uploads() == []
    assert await case_events(documents, case_id) == []


async def test_an_interrupted_upload_leaves_no_object_and_no_event(documents):
    """The client goes away after 6 MiB of a declared 8 MiB: the multipart upload the service
    began (one 5 MiB part sent) is aborted. A later upload of the case is the first and only
    event on the topic, with sequence 1."""
    import asyncio

    case_id = await documents.new_case()
    boundary = "cut-boundary"
    head = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n"
            f"surat_permohonan\r\n--{boundary}\r\nContent-Disposition: form-data; "
            f"name=\"file\"; filename=\"putus.pdf\"\r\n\r\n").encode()
    declared = len(head) + 8 * MiB + len(f"\r\n--{boundary}--\r\n")
    host, port = "127.0.0.1", documents.proc.port
    reader, writer = await asyncio.open_connection(host, port)
    token = auth("frontdesk")["Authorization"]
    writer.write((f"POST /cases/{case_id}/documents HTTP/1.1\r\nHost: {host}\r\n"
                  f"Authorization: {token}\r\n"
                  f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
                  f"Content-Length: {declared}\r\n\r\n").encode() + head)
    writer.write(pdf(6 * MiB))
    await writer.drain()

    def begun() -> list[str]:
        pending = [k for k in documents.store.pending_uploads() if case_id in k]
        assert pending, "the service has not begun its multipart upload yet"
        return pending

    await eventually(begun, timeout=20)  # the service is mid-way: one part is stored
    writer.transport.abort()  # the connection drops

    def aborted() -> bool:
        assert [k for k in documents.store.pending_uploads() if case_id in k] == []
        return True

    await eventually(aborted, timeout=20)
    assert case_objects(documents, case_id) == []

    r = await attach(documents, case_id, "frontdesk", pdf(1000), kind="surat_permohonan")
    assert r.status_code == 201
    events = await eventually(lambda: case_events(documents, case_id), timeout=20)
    assert [(e.type, e.sequence, e.data.document_id) for e in events] == [
        ("DocumentAttached", 1, r.json()["document_id"])]
    assert case_objects(documents, case_id) == [object_key(case_id, r.json()["document_id"])]


async def test_a_missing_kind_is_422_and_nothing_is_stored(documents):
    case_id = await documents.new_case()
    async with client(documents) as c:
        r = await c.post(f"/cases/{case_id}/documents", headers=auth("frontdesk"),
                         files={"file": ("a.pdf", pdf(1000), "application/pdf")})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "kind"
    assert case_objects(documents, case_id) == []


async def test_who_may_not_see_the_case_gets_403_on_list_and_download(documents):
    case_id = await documents.new_case()
    r = await attach(documents, case_id, "frontdesk", pdf(2000), kind="berkas_rujukan")
    assert r.status_code == 201
    async with client(documents) as c:
        for user in ("petugas-linjamsos-1", "analis", "kabid-pmd"):
            listed = await c.get(f"/cases/{case_id}/documents", headers=auth(user))
            got = await c.get(f"/documents/{r.json()['document_id']}", headers=auth(user))
            assert (listed.status_code, got.status_code) == (403, 403), user


async def test_erasing_the_case_key_makes_its_documents_gone(documents):
    case_id = await documents.new_case()
    r = await attach(documents, case_id, "frontdesk", pdf(5000), kind="surat_permohonan")
    assert r.status_code == 201
    document_id = r.json()["document_id"]
    keys = open_keystore(get_settings())
    assert keys.delete(case_key(case_id))
    async with client(documents) as c:
        got = await c.get(f"/documents/{document_id}", headers=auth("frontdesk"))
        listed = await c.get(f"/cases/{case_id}/documents", headers=auth("frontdesk"))
    assert got.status_code == 410
    assert got.headers["content-type"].startswith("application/problem+json")
    assert got.json()["type"].endswith("/document-erased")
    [item] = listed.json()["items"]
    assert item["erased"] is True and "filename" not in item and "title" not in item
    # the bytes are still in the bucket, and without the key they are noise
    assert case_objects(documents, case_id) == [object_key(case_id, document_id)]
    # and no new document brings a new key
    late = await attach(documents, case_id, "frontdesk", pdf(5000), kind="surat_permohonan")
    assert late.status_code == 410
    assert keys.get(case_key(case_id)) is None
    assert case_objects(documents, case_id) == [object_key(case_id, document_id)]


async def test_the_uploader_removes_a_document(documents):
    case_id = await documents.new_case()
    r = await attach(documents, case_id, "petugas-rehsos-1", pdf(3000), kind="lainnya")
    document_id = r.json()["document_id"]
    async with client(documents) as c:
        other = await c.delete(f"/documents/{document_id}", headers=auth("kabid-rehsos"))
        assert other.status_code == 403
        gone = await c.delete(f"/documents/{document_id}", headers=auth("petugas-rehsos-1"))
        assert gone.status_code == 204
        listed = await c.get(f"/cases/{case_id}/documents", headers=auth("kabid-rehsos"))
        again = await c.get(f"/documents/{document_id}", headers=auth("kabid-rehsos"))
    assert listed.json()["items"] == [] and again.status_code == 404
    events = await eventually(
        lambda: case_events(documents, case_id), lambda es: len(es) == 2, timeout=20)
    assert [(e.type, e.sequence) for e in events] == [("DocumentAttached", 1),
                                                       ("DocumentRemoved", 2)]
    assert case_objects(documents, case_id) == []
    assert json.loads(events[1].model_dump_json())["data"]["by"] == "petugas-rehsos-1"


async def test_a_closed_case_keeps_its_documents(documents):
    case_id = await documents.new_case()
    r = await attach(documents, case_id, "petugas-rehsos-1", pdf(3000), kind="laporan_hasil")
    assert r.status_code == 201
    await publish_closed(documents.stack.bootstrap, case_id)

    async def refused() -> httpx.Response:
        async with client(documents) as c:
            gone = await c.delete(f"/documents/{r.json()['document_id']}",
                                  headers=auth("petugas-rehsos-1"))
        assert gone.status_code == 409, gone.text
        return gone

    answer = await eventually(refused, timeout=20)
    assert answer.json()["type"].endswith("/case-finished")
    late = await attach(documents, case_id, "petugas-rehsos-1", pdf(3000), kind="lainnya")
    assert late.status_code == 409
    assert len(case_objects(documents, case_id)) == 1


async def test_a_case_whose_personal_data_was_erased_takes_no_new_documents(documents):
    case_id = await documents.new_case()
    await publish_erased(documents.stack.bootstrap, case_id)

    async def refused() -> httpx.Response:
        r = await attach(documents, case_id, "frontdesk", pdf(3000), kind="surat_permohonan")
        assert r.status_code == 410, r.text
        return r

    await eventually(refused, timeout=20)
    assert case_objects(documents, case_id) == []
