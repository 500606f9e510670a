"""A multipart/form-data body read as a stream (python-multipart's push parser): the parts
come out as events while the bytes arrive, so a file part is never held whole.

    async for event in form_events(request.stream(), boundary): ...

Events: `PartBegin(name, filename)`, `PartData(data)`, `PartEnd()`. A body that is not
well-formed multipart raises `MalformedForm`; one with too many parts or oversized headers
too.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header

MAX_PARTS = 8


class MalformedForm(ValueError):
    pass


@dataclass(frozen=True)
class PartBegin:
    name: str
    filename: str | None


@dataclass(frozen=True)
class PartData:
    data: bytes


@dataclass(frozen=True)
class PartEnd:
    pass


Event = PartBegin | PartData | PartEnd


def boundary_of(content_type: str | None) -> bytes | None:
    """The boundary of a `multipart/form-data` Content-Type, or None."""
    if not content_type:
        return None
    kind, options = parse_options_header(content_type)
    if kind != b"multipart/form-data":
        return None
    return options.get(b"boundary") or None


class _Collector:
    """python-multipart's callbacks, turned into a list of events per fed chunk."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.parts = 0
        self._field = bytearray()
        self._value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self.ended = False

    def callbacks(self) -> dict:
        return {"on_part_begin": self._begin, "on_header_field": self._header_field,
                "on_header_value": self._header_value, "on_header_end": self._header_end,
                "on_headers_finished": self._headers_finished, "on_part_data": self._data,
                "on_part_end": self._end, "on_end": self._finish}

    def _begin(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise MalformedForm(f"more than {MAX_PARTS} parts")
        self._headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[bytes(self._field).lower()] = bytes(self._value)
        self._field.clear()
        self._value.clear()

    def _headers_finished(self) -> None:
        disposition = self._headers.get(b"content-disposition")
        if disposition is None:
            raise MalformedForm("a part without Content-Disposition")
        kind, options = parse_options_header(disposition)
        name = options.get(b"name")
        if kind != b"form-data" or name is None:
            raise MalformedForm("a part that is not a form field")
        filename = options.get(b"filename")
        self.events.append(PartBegin(name.decode("utf-8", "replace"),
                                     None if filename is None
                                     else filename.decode("utf-8", "replace")))

    def _data(self, data: bytes, start: int, end: int) -> None:
        if end > start:
            self.events.append(PartData(bytes(data[start:end])))

    def _end(self) -> None:
        self.events.append(PartEnd())

    def _finish(self) -> None:
        self.ended = True


async def form_events(stream: AsyncIterable[bytes], boundary: bytes) -> AsyncIterator[Event]:
    collector = _Collector()
    parser = MultipartParser(boundary, collector.callbacks())
    async for chunk in stream:
        if not chunk:
            continue
        try:
            parser.write(chunk)
        except MultipartParseError as exc:
            raise MalformedForm(str(exc)) from exc
        events, collector.events = collector.events, []
        for event in events:
            yield event
    try:
        parser.finalize()
    except MultipartParseError as exc:
        raise MalformedForm(str(exc)) from exc
    for event in collector.events:
        yield event
    if not collector.ended:
        raise MalformedForm("the body ends before the closing boundary")
