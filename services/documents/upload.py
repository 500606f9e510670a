"""One upload, as it streams in: the multipart events of the body are checked, hashed,
sealed frame by frame (`frames`) and written to the object store as they arrive.

Refused on the way (nothing is committed; the caller aborts the writer):
- the file's first bytes are not PDF, JPEG or PNG: 415 (`content.sniff`);
- more than `max_bytes` of file: 413;
- no file part, a second one, a missing or unknown `kind`, a `title` that is not bounded
  text, an unknown field, a malformed body: 422.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterable
from dataclasses import dataclass

from pydantic_core import PydanticCustomError

from chassis.i18n import Text
from chassis.text import check

from . import errors
from .content import SNIFF_BYTES, sanitise_filename, sniff
from .domain import KINDS
from .formdata import Event, PartBegin, PartData, PartEnd
from .frames import FrameSealer
from .store import ObjectWriter

FIELD_MOST = 1024  # bytes of a text field (kind, title)
TITLE_MOST = 200  # characters


@dataclass(frozen=True)
class Received:
    kind: str
    title: str | None
    filename: str
    content_type: str
    size: int
    sha256: str


class _File:
    def __init__(self, filename: str | None, sealer: FrameSealer, writer: ObjectWriter,
                 max_bytes: int) -> None:
        self.raw_name = filename
        self.sealer, self.writer, self.max_bytes = sealer, writer, max_bytes
        self.head = bytearray()
        self.content_type: str | None = None
        self.size = 0
        self.digest = hashlib.sha256()

    async def feed(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.max_bytes:
            raise errors.too_large(self.max_bytes)
        if self.content_type is None:
            self.head += data
            if len(self.head) < SNIFF_BYTES:
                return
            await self._sniffed()
            return
        await self._pass(data)

    async def _sniffed(self) -> None:
        self.content_type = sniff(bytes(self.head))
        if self.content_type is None:
            raise errors.unsupported()
        head, self.head = bytes(self.head), bytearray()
        await self._pass(head)

    async def _pass(self, data: bytes) -> None:
        self.digest.update(data)
        sealed = self.sealer.update(data)
        if sealed:
            await self.writer.write(sealed)

    async def end(self) -> None:
        if self.content_type is None:
            await self._sniffed()  # a file shorter than the longest signature
        await self.writer.write(self.sealer.finish())


def _text_field(name: str, raw: bytes) -> str:
    try:
        value = raw.decode("utf-8").strip()
        return check(value)
    except UnicodeDecodeError:
        raise errors.invalid_field(name, Text("Harus teks UTF-8", "Must be UTF-8 text")) \
            from None
    except PydanticCustomError:
        raise errors.invalid_field(name, Text("Tidak boleh berisi karakter kontrol",
                                              "Must not contain control characters")) from None


def _kind(raw: bytes) -> str:
    kind = _text_field("kind", raw)
    if kind not in KINDS:
        raise errors.invalid_field("kind", Text(f"Salah satu dari: {', '.join(KINDS)}",
                                                f"One of: {', '.join(KINDS)}"))
    return kind


async def receive(events: AsyncIterable[Event], *, key: bytes, document_id: str,
                  writer: ObjectWriter, max_bytes: int,
                  allowed: frozenset[str] | None = None) -> Received:
    """Read the whole form, writing the sealed file to `writer` (not committed). With
    `allowed` (the kinds the caller may attach), a `kind` sent before the file is checked
    before any of the file is read (403 at once)."""
    fields: dict[str, bytearray] = {}
    done: set[str] = set()
    file: _File | None = None
    current: str | None = None
    async for event in events:
        if isinstance(event, PartBegin):
            if event.name == "file":
                if allowed is not None and "kind" in done \
                        and _kind(bytes(fields["kind"])) not in allowed:
                    raise errors.not_allowed(_kind(bytes(fields["kind"])))
                if file is not None:
                    raise errors.invalid_field("file", Text("Hanya satu berkas per unggahan",
                                                            "Only one file per upload"))
                file = _File(event.filename, FrameSealer(key, document_id), writer, max_bytes)
            elif event.name in ("kind", "title"):
                if event.name in fields:
                    raise errors.invalid_field(event.name, Text("Dikirim dua kali",
                                                                "Sent twice"))
                fields[event.name] = bytearray()
            else:
                raise errors.invalid_field(event.name, Text("Kolom tidak dikenal",
                                                            "Unknown field"))
            current = event.name
        elif isinstance(event, PartData):
            if current == "file" and file is not None:
                await file.feed(event.data)
            elif current is not None:
                fields[current] += event.data
                if len(fields[current]) > FIELD_MOST:
                    raise errors.invalid_field(current, Text("Terlalu panjang", "Too long"))
        elif isinstance(event, PartEnd):
            if current == "file" and file is not None:
                await file.end()
            if current is not None:
                done.add(current)
            current = None
    if file is None or file.content_type is None:
        raise errors.invalid_field("file", Text("Berkas wajib dikirim", "A file is required"))
    kind = _kind(bytes(fields.get("kind", b"")))
    title = _text_field("title", bytes(fields["title"])) if "title" in fields else None
    if title is not None and len(title) > TITLE_MOST:
        raise errors.invalid_field("title", Text(f"Paling panjang {TITLE_MOST} karakter",
                                                 f"At most {TITLE_MOST} characters"))
    return Received(kind=kind, title=title or None,
                    filename=sanitise_filename(file.raw_name, file.content_type),
                    content_type=file.content_type, size=file.size,
                    sha256=file.digest.hexdigest())
