"""A case's files and printouts, relayed: the console never touches the object store.

- `POST /kasus/{case_id}/dokumen` — an upload (multipart: `file`, `kind`, `title`), sent on to
  the documents service (`POST /cases/{id}/documents`) as the signed-in user;
- `GET /kasus/{case_id}/dokumen/{document_id}` — a download, streamed from the documents
  service (`GET /documents/{id}`) as it arrives;
- `POST /kasus/{case_id}/dokumen/{document_id}/hapus` — its uploader removes it (documents
  `DELETE /documents/{id}`);
- `GET /kasus/{case_id}/cetak/{printout}.pdf` — reporting's printable PDFs (receipt with
  `?code=`, disposition sheet, result report), streamed.

Which kinds a user may attach is the documents service's own rule (`kinds_allowed`, pure),
asked here only to offer the right choices; the service decides."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from chassis.auth import Principal
from chassis.org import User
from services.documents.domain import KINDS, kinds_allowed

from .l10n import N_
from .pages import checked_form, console, lang_of, redirect, render, require_user
from .texts import text
from .upstream import Refused

router = APIRouter()

CASE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
DOCUMENT_ID = CASE_ID
CODE = re.compile(r"^[A-Za-z0-9-]{1,32}$")
#: the console's name of a printout -> reporting's path under /cases/{id}/
PRINTOUTS = {"tanda-terima": "receipt.pdf", "lembar-disposisi": "disposition-sheet.pdf",
             "laporan-hasil": "report.pdf"}
#: form overhead allowed above the documents service's limit before reading the body
FORM_OVERHEAD = 64 * 1024
#: a case registered a moment ago is not yet known to the documents service (it folds
#: intake's events): its 404 / 403 turns into 201 within a few seconds
LAG_STATUSES = (403, 404)
LAG_SECONDS = 15.0
#: the kinds' names (templates look them up as "kind_" + kind: marked here for extraction)
KIND_NAMES = {"surat_permohonan": N_("kind_surat_permohonan"),
              "berkas_rujukan": N_("kind_berkas_rujukan"),
              "telaahan_staf": N_("kind_telaahan_staf"),
              "laporan_hasil": N_("kind_laporan_hasil"), "lainnya": N_("kind_lainnya")}


def principal_of(user: User) -> Principal:
    return Principal(sub=user.id, name=user.name, roles=tuple(user.roles),
                     division=user.division)


def attachable(user: User, file: dict[str, Any]) -> list[str]:
    """The kinds this user may attach to the case (`file`: reporting's case file), in the
    documents service's order; none for a finished case."""
    if file.get("status") in ("closed", "cancelled", "withdrawn"):
        return []
    view = {"division": file.get("division"), "officer_id": file.get("officer_id")}
    allowed = kinds_allowed(principal_of(user), view)
    return [k for k in KINDS if k in allowed]


def streamed(answer, headers: dict[str, str]) -> StreamingResponse:
    async def body():
        try:
            async for chunk in answer.aiter_raw():
                yield chunk
        finally:
            await answer.aclose()

    return StreamingResponse(body(), status_code=200, headers=headers,
                             media_type=answer.headers.get("content-type"))


def _refused_page(request: Request, refused: Refused) -> Response:
    return render(request, "error.html", {"message": refused.detail}, refused.status)


async def attach(request: Request, user: User, case_id: str, *, kind: str, title: str,
                 upload, lang: str, lag: bool = False) -> dict[str, Any]:
    """Send one uploaded file on to the documents service; `lag`: the case was made a
    moment ago (wait for the service to know it)."""
    limit = console(request).settings.documents_max_bytes
    content = await upload.read(limit + 1)  # a body sent without its length is bounded too
    if len(content) > limit:
        raise Refused(413, text("doc_too_large", lang))
    data = {"kind": kind}
    if title:
        data["title"] = title
    return await console(request).upstream.upload(
        "documents", f"/cases/{case_id}/documents", user, lang, data=data,
        file=(upload.filename or "dokumen", content,
              upload.content_type or "application/octet-stream"),
        retry_while=LAG_STATUSES if lag else (), retry_for=LAG_SECONDS if lag else 6.0)


def too_large(request: Request) -> bool:
    limit = console(request).settings.documents_max_bytes + FORM_OVERHEAD
    try:
        return int(request.headers.get("content-length") or 0) > limit
    except ValueError:
        return False


@router.post("/kasus/{case_id}/dokumen")
async def upload_document(request: Request, case_id: str) -> Response:
    user = require_user(request)
    lang = lang_of(request)
    if not CASE_ID.match(case_id):
        return render(request, "error.html", {"message": text("not_found", lang)}, 404)
    if too_large(request):
        return render(request, "error.html", {"message": text("doc_too_large", lang)}, 413)
    form = await checked_form(request)
    upload = form.get("file")
    kind = str(form.get("kind") or "")
    title = str(form.get("title") or "").strip()
    if upload is None or isinstance(upload, str) or not upload.filename:
        refused, no_file = text("refused", lang), text("doc_no_file", lang)
        request.session["flash"] = f"{refused}: {no_file}"
        return redirect(request, f"/kasus/{case_id}#h-documents")
    try:
        answer = await attach(request, user, case_id, kind=kind, title=title, upload=upload,
                              lang=lang)
    except Refused as refused:
        detail = refused.detail
        if refused.errors:
            detail += " (" + "; ".join(f"{e.get('field')}: {e.get('reason')}"
                                       for e in refused.errors) + ")"
        request.session["flash"] = f"{text('refused', lang)}: {detail}"
        return redirect(request, f"/kasus/{case_id}#h-documents")
    request.session["flash"] = text("doc_attached", lang,
                                    name=answer.get("filename") or upload.filename)
    return redirect(request, f"/kasus/{case_id}#h-documents")


@router.get("/kasus/{case_id}/dokumen/{document_id}")
async def download_document(request: Request, case_id: str, document_id: str) -> Response:
    user = require_user(request)
    lang = lang_of(request)
    if not CASE_ID.match(case_id) or not DOCUMENT_ID.match(document_id):
        return render(request, "error.html", {"message": text("not_found", lang)}, 404)
    try:
        answer = await console(request).upstream.open_stream(
            "documents", f"/documents/{document_id}", user, lang, timeout=60.0)
    except Refused as refused:
        return _refused_page(request, refused)
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store",
               "Content-Disposition": answer.headers.get("content-disposition")
               or "attachment"}
    for name in ("etag", "content-length"):
        if answer.headers.get(name):
            headers[name] = answer.headers[name]
    return streamed(answer, headers)


@router.post("/kasus/{case_id}/dokumen/{document_id}/hapus")
async def remove_document(request: Request, case_id: str, document_id: str) -> Response:
    """The uploader removes a document (documents `DELETE /documents/{id}`: the uploader,
    before the case is finished)."""
    user = require_user(request)
    await checked_form(request)
    lang = lang_of(request)
    if not CASE_ID.match(case_id) or not DOCUMENT_ID.match(document_id):
        return render(request, "error.html", {"message": text("not_found", lang)}, 404)
    try:
        await console(request).upstream.call("DELETE", "documents",
                                             f"/documents/{document_id}", user, lang)
    except Refused as refused:
        request.session["flash"] = f"{text('refused', lang)}: {refused.detail}"
        return redirect(request, f"/kasus/{case_id}#h-documents")
    request.session["flash"] = text("doc_removed", lang)
    return redirect(request, f"/kasus/{case_id}#h-documents")


@router.get("/kasus/{case_id}/cetak/{printout}.pdf")
async def printout(request: Request, case_id: str, printout: str) -> Response:
    user = require_user(request)
    lang = lang_of(request)
    if not CASE_ID.match(case_id) or printout not in PRINTOUTS:
        return render(request, "error.html", {"message": text("not_found", lang)}, 404)
    params = None
    code = request.query_params.get("code")
    if printout == "tanda-terima" and code:
        if not CODE.match(code):
            return render(request, "error.html", {"message": text("not_found", lang)}, 404)
        params = {"code": code}
    try:
        answer = await console(request).upstream.open_stream(
            "reporting", f"/cases/{case_id}/{PRINTOUTS[printout]}", user, lang,
            params=params, accept="application/pdf", timeout=60.0)
    except Refused as refused:
        return _refused_page(request, refused)
    return streamed(answer, {
        "Content-Disposition": f'inline; filename="{printout}-{case_id}.pdf"',
        "X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"})
