"""A form read as a stream (services/documents/formdata.py, upload.py), with an in-memory
writer in place of the object store."""

from __future__ import annotations

import hashlib
import os

import pytest

from chassis.problems import Problem
from services.documents.formdata import MalformedForm, boundary_of, form_events
from services.documents.frames import open_stream
from services.documents.upload import receive

KEY = os.urandom(32)
B = "b0undary"


class MemoryWriter:
    def __init__(self) -> None:
        self.data = bytearray()

    async def write(self, data: bytes) -> None:
        self.data += data


def part(name: str, value: bytes, filename: str | None = None) -> bytes:
    extra = f'; filename="{filename}"' if filename is not None else ""
    return (f'--{B}\r\nContent-Disposition: form-data; name="{name}"{extra}\r\n\r\n'
            ).encode() + value + b"\r\n"


def form(*parts: bytes) -> bytes:
    return b"".join(parts) + f"--{B}--\r\n".encode()


async def run(body: bytes, max_bytes: int = 1_000_000, piece: int = 1000):
    async def chunks():
        for i in range(0, len(body), piece):
            yield body[i:i + piece]

    writer = MemoryWriter()
    got = await receive(form_events(chunks(), B.encode()), key=KEY, document_id="d-1",
                        writer=writer, max_bytes=max_bytes)
    return got, writer


async def test_the_file_comes_out_sealed_and_hashed_whatever_the_order():
    content = b"%PDF-1.7\n" + os.urandom(200_000)
    got, writer = await run(form(part("file", content, "a.pdf"), part("title", b" Judul "),
                                 part("kind", b"lainnya")))
    assert (got.kind, got.title, got.filename, got.size) == ("lainnya", "Judul", "a.pdf",
                                                             len(content))
    assert got.sha256 == hashlib.sha256(content).hexdigest()

    async def sealed():
        yield bytes(writer.data)

    assert b"".join([p async for p in open_stream(KEY, "d-1", sealed())]) == content


@pytest.mark.parametrize(("body", "status", "field"), [
    (form(part("kind", b"lainnya")), 422, "file"),
    (form(part("file", b"%PDF-1.7 x", "a.pdf")), 422, "kind"),
    (form(part("kind", b"rahasia"), part("file", b"%PDF-1.7 x", "a.pdf")), 422, "kind"),
    (form(part("kind", b"lainnya"), part("file", b"%PDF-1.7 x", "a.pdf"),
          part("file", b"%PDF-1.7 y", "b.pdf")), 422, "file"),
    (form(part("kind", b"lainnya"), part("owner", b"x")), 422, "owner"),
    (form(part("kind", b"lainnya"), part("title", b"a\x07b"),
          part("file", b"%PDF-1.7 x", "a.pdf")), 422, "title"),
    (form(part("kind", b"lainnya"), part("file", b"MZ\x90\x00" * 10, "a.pdf")), 415, "file"),
    (form(part("kind", b"lainnya"), part("file", b"%PDF", "a.pdf")), 415, "file"),
    (form(part("kind", b"lainnya"), part("file", b"%PDF-1.7" + b"x" * 5000, "a.pdf")),
     413, "file"),
])
async def test_refusals(body, status, field):
    with pytest.raises(Problem) as refused:
        await run(body, max_bytes=4096)
    assert refused.value.status == status
    assert refused.value.errors[0]["field"] == field


async def test_a_body_cut_short_is_malformed():
    body = form(part("kind", b"lainnya"), part("file", b"%PDF-1.7 x" * 100, "a.pdf"))
    with pytest.raises(MalformedForm):
        await run(body[:-30])


def test_boundary_of():
    assert boundary_of("multipart/form-data; boundary=abc") == b"abc"
    assert boundary_of("application/json") is None
    assert boundary_of(None) is None


async def test_a_kind_sent_first_is_checked_before_the_file_is_read():
    writer = MemoryWriter()
    body = form(part("kind", b"laporan_hasil"), part("file", b"%PDF-1.7" + b"x" * 5000, "a.pdf"))

    async def chunks():
        yield body

    with pytest.raises(Problem) as refused:
        await receive(form_events(chunks(), B.encode()), key=KEY, document_id="d-1",
                      writer=writer, max_bytes=100_000,
                      allowed=frozenset({"surat_permohonan"}))
    assert refused.value.status == 403
    assert writer.data == b""  # not a byte of the file went on
