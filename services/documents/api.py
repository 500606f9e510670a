"""HTTP: attach (streamed), list, download, remove. Authorize from the service's own view of
the case (`domain`), stream the file through `upload` into the object store, publish the
metadata event, answer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.requests import ClientDisconnect

from chassis.i18n import Text
from chassis.limits import DISCARD_MOST
from chassis.problems import Problem, Unavailable
from chassis.text import PATTERN as TEXT_PATTERN
from contracts.documents import DocumentAttached, DocumentRemoved

from . import domain, errors
from .deps import Caller, CorrelationId, Rt
from .formdata import MalformedForm, boundary_of, form_events
from .frames import FrameError, open_stream
from .records import created_body, document_record, object_key
from .upload import receive

log = logging.getLogger(__name__)
router = APIRouter(tags=["documents"])

CaseId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
DocumentId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{1,64}$")]


async def _case(rt, case_id: str) -> domain.View:
    view = await rt.metadata.view(case_id)
    if view is None:
        raise errors.case_unknown()
    return view


async def _drain(chunks, most: int = DISCARD_MOST) -> None:
    """Read (and drop) what the client still sends, so it reads our answer; at most `most`."""
    dropped = 0
    with contextlib.suppress(ClientDisconnect, MalformedForm):
        async for chunk in chunks:
            dropped += len(chunk)
            if dropped > most:
                return


UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file", "kind"],
    "properties": {
        "file": {"type": "string", "format": "binary",
                 "description": "PDF, JPEG or PNG (by its bytes), at most "
                                "AUDIENSI_DOCUMENTS_MAX_BYTES"},
        "kind": {"type": "string", "enum": list(domain.KINDS)},
        "title": {"type": "string", "maxLength": 200, "pattern": TEXT_PATTERN}}}}}}}


@router.post("/cases/{case_id}/documents", status_code=201, openapi_extra=UPLOAD_BODY,
             summary="Attach a document (multipart: file, kind, optional title)",
             responses={413: {"description": "over AUDIENSI_DOCUMENTS_MAX_BYTES"},
                        415: {"description": "not a PDF, JPEG or PNG by its bytes"}})
async def attach(case_id: CaseId, request: Request, caller: Caller, rt: Rt,
                 correlation_id: CorrelationId = None) -> Response:
    view = await _case(rt, case_id)
    if not domain.kinds_allowed(caller, view):
        raise errors.not_allowed()
    if domain.is_finished(view):
        raise errors.case_finished()
    boundary = boundary_of(request.headers.get("content-type"))
    if boundary is None:
        raise errors.not_multipart()
    # intake made the key when it sealed the request; gone means erased (never made anew)
    key = None if view.get("erased") else await rt.case_key(case_id)
    if key is None:
        raise errors.erased()
    document_id = str(uuid.uuid4())
    allowed = domain.kinds_allowed(caller, view)
    writer = rt.store.writer(object_key(case_id, document_id))
    chunks = request.stream().__aiter__()
    committed = published = False
    try:
        try:
            got = await receive(form_events(chunks, boundary), key=key,
                                document_id=document_id, writer=writer,
                                max_bytes=rt.settings.documents_max_bytes, allowed=allowed)
        except MalformedForm:
            raise errors.invalid_field("body", Text("Bukan multipart/form-data yang utuh",
                                                    "Not well-formed multipart/form-data")) \
                from None
        except Problem:
            await writer.abort()
            await _drain(chunks)
            raise
        if got.kind not in allowed:
            raise errors.not_allowed(got.kind)
        event = DocumentAttached(document_id=document_id, case_id=case_id, kind=got.kind,
                                 filename=got.filename, content_type=got.content_type,
                                 size=got.size, sha256=got.sha256, title=got.title,
                                 by=caller.sub, at=rt.clock.now())
        await writer.commit()
        committed = True
        try:
            await rt.publish(event, caller, correlation_id)
        except Exception as exc:
            log.exception("attach not published", extra={"document_id": document_id})
            raise Unavailable(Text("Broker tidak tersedia, coba lagi",
                                   "The broker is unavailable, try again")) from exc
        published = True
        record = document_record(event)
        await rt.metadata.attach(record)  # (the feed records it from the topic as well)
    except ClientDisconnect:  # the upload was cut: nothing stays, nobody to answer
        log.info("upload interrupted", extra={"document_id": document_id})
        await asyncio.shield(_undo(rt, writer, committed))
        return Response(status_code=400)
    except BaseException:  # refused, broker down, cancelled: nothing stays
        if not published:  # once the event is out, the object is the document's
            await asyncio.shield(_undo(rt, writer, committed))
        raise
    return JSONResponse(created_body(record), status_code=201,
                        headers={"Location": f"/documents/{document_id}"})


async def _undo(rt, writer, committed: bool) -> None:
    await writer.abort()
    if committed:
        with contextlib.suppress(Exception):
            await rt.store.delete(writer.key)


@router.get("/cases/{case_id}/documents", summary="The case's documents (metadata)")
async def list_documents(case_id: CaseId, caller: Caller, rt: Rt) -> dict:
    view = await _case(rt, case_id)
    if not domain.may_read(caller, view):
        raise errors.not_reader()
    items = await rt.metadata.documents(case_id)
    if items and await rt.case_key(case_id) is None:  # erased: only that they existed
        items = [{**{k: d[k] for k in ("document_id", "case_id", "kind", "content_type",
                                        "size", "by", "at")}, "erased": True} for d in items]
    return {"case_id": case_id, "items": items}


async def _document(rt, caller, document_id: str) -> tuple[dict, domain.View]:
    doc = await rt.metadata.document(document_id)
    if doc is None:
        raise errors.document_unknown()
    view = await _case(rt, doc["case_id"])
    if not domain.may_read(caller, view):
        raise errors.not_reader()
    return doc, view


def content_disposition(filename: str) -> str:
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\;' else "_"
                       for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.get("/documents/{document_id}", summary="Download a document (decrypted, streamed)",
            response_class=Response, responses={
                200: {"description": "the document's bytes",
                      "content": {t: BINARY for t in ("application/pdf", "image/jpeg",
                                                      "image/png")}},
                410: {"description": "the case's data key was erased"}})
async def download(document_id: DocumentId, caller: Caller, rt: Rt) -> StreamingResponse:
    doc, _ = await _document(rt, caller, document_id)
    key = await rt.case_key(doc["case_id"])
    if key is None:
        raise errors.erased()
    sealed = rt.store.read(object_key(doc["case_id"], document_id))

    async def body():
        try:
            async for plain in open_stream(key, document_id, sealed):
                yield plain
        except FrameError:
            log.error("document does not open", extra={"document_id": document_id})
            raise

    return StreamingResponse(body(), media_type=doc["content_type"], headers={
        "Content-Disposition": content_disposition(doc["filename"]),
        "Content-Length": str(doc["size"]), "X-Content-Type-Options": "nosniff",
        "ETag": f"\"{doc['sha256']}\""})


@router.delete("/documents/{document_id}", status_code=204,
               summary="Remove a document (its uploader, before the case is closed)")
async def remove(document_id: DocumentId, caller: Caller, rt: Rt,
                 correlation_id: CorrelationId = None) -> Response:
    doc, view = await _document(rt, caller, document_id)
    if not domain.may_remove(caller, doc):
        raise errors.not_uploader()
    if domain.is_finished(view):
        raise errors.case_finished()
    event = DocumentRemoved(document_id=document_id, case_id=doc["case_id"], by=caller.sub,
                            at=rt.clock.now())
    await rt.publish(event, caller, correlation_id)
    await rt.metadata.remove(doc["case_id"], document_id)
    with contextlib.suppress(Exception):  # the event is the truth; the bytes go too
        await rt.store.delete(object_key(doc["case_id"], document_id))
    return Response(status_code=204)

