"""The home page (work-queue tiles) and the letter registration."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .forms import LETTER_FIELDS, FormError, letter_body
from .pages import checked_form, console, lang_of, redirect, render, require_user
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
    form = await checked_form(request)
    c, lang = console(request), lang_of(request)
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
    request.session["flash"] = text("registered", lang,
                                    agenda=answer.get("agenda_number") or "—")
    return redirect(request, f"/kasus/{answer['case_id']}")
