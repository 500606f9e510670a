"""The home page (work-queue tiles) and the letter registration."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .forms import LETTER_FIELDS, FormError, letter_body
from .pages import checked_form, console, lang_of, redirect, render, require_user
from .routes_documents import attach, too_large
from .texts import text
from .upstream import Refused
from .views import tiles

router = APIRouter()

REGISTRARS = ("front_office", "secretariat")


@router.get("/")
async def home(request: Request) -> Response:
    user = require_user(request)
    c, lang = console(request), lang_of(request)
    error, queues = None, []
    try:
        answer = await c.upstream.get("reporting", "/queues/mine", user, lang)
        queues = tiles(answer.get("queues", []), c.now(), lang)
    except Refused as refused:
        error = refused
    return render(request, "home.html", {"queues": queues, "error": error,
                                         "may_register": _may_register(user)})


def _may_register(user) -> bool:
    return bool(set(user.roles) & set(REGISTRARS))


@router.get("/surat/baru")
async def letter_form(request: Request) -> Response:
    user = require_user(request)
    return render(request, "letter.html", {"fields": LETTER_FIELDS, "values": {},
                                           "allowed": _may_register(user)})


@router.post("/surat")
async def register_letter(request: Request) -> Response:
    user = require_user(request)
    c, lang = console(request), lang_of(request)
    if too_large(request):
        return render(request, "error.html", {"message": text("doc_too_large", lang)}, 413)
    form = await checked_form(request)
    values = {f.name: form.get(f.name, "") for f in LETTER_FIELDS}
    try:
        body = letter_body(form)
        answer = await c.upstream.post("intake", "/requests", user, lang, body,
                                       key=str(form.get("idempotency_key") or "") or None)
    except FormError as bad:
        refused = Refused(422, bad.text.get(lang), [{"field": bad.field,
                                                     "reason": bad.text.get(lang)}])
        return render(request, "letter.html", {"fields": LETTER_FIELDS, "values": values,
                                               "refused": refused, "allowed": True}, 422)
    except Refused as refused:
        return render(request, "letter.html", {"fields": LETTER_FIELDS, "values": values,
                                               "refused": refused, "allowed": True},
                      refused.status)
    case_id = answer["case_id"]
    message = text("registered", lang, agenda=answer.get("agenda_number") or "—")
    remember_receipt(request, case_id, answer)
    scan = form.get("scan")
    if scan is not None and not isinstance(scan, str) and scan.filename:
        try:  # the documents service learns of the case from intake's events: it may lag
            await attach(request, user, case_id, kind="surat_permohonan", title="",
                         upload=scan, lang=lang, lag=True)
            message += " " + text("doc_attached", lang, name=scan.filename)
        except Refused as refused:
            message += " " + text("doc_not_attached", lang, detail=refused.detail)
    request.session["flash"] = message
    return redirect(request, f"/kasus/{case_id}")


def remember_receipt(request: Request, case_id: str, answer: dict) -> None:
    """The status code intake answered (shown once, kept nowhere by the services) for the
    receipt of the case just registered: in the signed session, the last one only."""
    code = answer.get("status_code")
    if isinstance(code, str) and code:
        request.session["receipt"] = {"case_id": case_id, "code": code}
