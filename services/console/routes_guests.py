"""The front office's guest book (`/tamu`): today's visits (reporting `GET /guestbook`), the
check-in form (intake `POST /visits`), then the visitor's audience request as a walk-in
(intake `POST /requests`, urgent or not); an urgent one lands on its case page, where the
front office directs it to an officer within its 30 minutes."""

from __future__ import annotations

import re
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import escape

from services.intake.identity import KINDS, check_number, normalize

from .forms import VISIT_FIELDS, WALK_IN_FIELDS, WIB, FormError, visit_body, walk_in_body
from .l10n import N_
from .pages import checked_form, console, lang_of, redirect, render, require_role, require_user
from .routes_home import remember_receipt
from .texts import text
from .upstream import Refused
from .views import options

router = APIRouter()

GUEST_BOOK_ROLES = frozenset({"front_office"})
VISIT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


async def _book(request: Request, user, *, refused: Refused | None = None,
                values: dict | None = None, status: int = 200) -> Response:
    c, lang = console(request), lang_of(request)
    today = datetime.now(WIB).date().isoformat()
    visits, error = [], None
    try:
        visits = (await c.upstream.get("reporting", "/guestbook", user, lang,
                                       params={"date": today})).get("items", [])
    except Refused as failed:
        error = failed
    return render(request, "guests.html", {
        "fields": VISIT_FIELDS, "values": values or {}, "refused": refused, "error": error,
        "visits": visits, "today": today, "options": options(c.org, user, None, lang)},
        status)


@router.get("/tamu")
async def guest_book(request: Request) -> Response:
    user = require_role(request, GUEST_BOOK_ROLES, N_("guests_forbidden"))
    return await _book(request, user)


@router.post("/tamu")
async def check_in(request: Request) -> Response:
    user = require_user(request)
    form = await checked_form(request)
    c, lang = console(request), lang_of(request)
    values = {f.name: form.get(f.name, "") for f in VISIT_FIELDS}
    values.pop("identity_number", None)  # an identity number is not shown back
    try:
        answer = await c.upstream.post("intake", "/visits", user, lang, visit_body(form),
                                       key=str(form.get("idempotency_key") or "") or None)
    except Refused as refused:
        return await _book(request, user, refused=refused, values=values,
                           status=refused.status)
    request.session["flash"] = text("checked_in", lang)
    return redirect(request, f"/tamu/{answer['visit_id']}/permohonan")


def identity_message(kind: str, number: str, lang: str) -> tuple[bool, str]:
    """What the check-in form says of an identity number as it is typed: intake's own
    format rules (`services.intake.identity`, pure), never the number itself."""
    today = datetime.now(WIB).date()
    problems = check_number(kind if kind in KINDS else "KTP", normalize(number), today)
    if problems:
        return False, "; ".join(p.get(lang) for p in problems)
    return True, text("nik_ok", lang)


@router.post("/tamu/periksa-identitas")
async def check_identity(request: Request) -> Response:
    """htmx: the message of the identity number's live check (nothing is posted on)."""
    require_user(request)
    form = await checked_form(request)
    lang = lang_of(request)
    number = str(form.get("identity_number") or "")[:64]
    if not number.strip():
        return HTMLResponse("", headers={"Cache-Control": "no-store"})
    ok, message = identity_message(str(form.get("identity_kind") or "KTP"), number, lang)
    body = (f'<span class="{"ok" if ok else "bad"}" data-valid="{"1" if ok else "0"}">'
            f'<span aria-hidden="true">{"✔" if ok else "✖"}</span> {escape(message)}</span>')
    return HTMLResponse(body, headers={"Cache-Control": "no-store"})


@router.get("/tamu/{visit_id}/permohonan")
async def walk_in_form(request: Request, visit_id: str) -> Response:
    require_user(request)
    if not VISIT_ID.match(visit_id):
        return render(request, "error.html", {"message": text("not_found", lang_of(request))},
                      404)
    return render(request, "walk_in.html", {"visit_id": visit_id, "fields": WALK_IN_FIELDS,
                                            "values": {}})


@router.post("/tamu/{visit_id}/permohonan")
async def walk_in(request: Request, visit_id: str) -> Response:
    user = require_user(request)
    form = await checked_form(request)
    c, lang = console(request), lang_of(request)
    values = {f.name: form.get(f.name, "") for f in WALK_IN_FIELDS}
    if not VISIT_ID.match(visit_id):
        return render(request, "error.html", {"message": text("not_found", lang)}, 404)
    try:
        answer = await c.upstream.post("intake", "/requests", user, lang,
                                       walk_in_body(visit_id, form),
                                       key=str(form.get("idempotency_key") or "") or None)
    except FormError as bad:
        refused = Refused(422, bad.text.get(lang), [{"field": bad.field,
                                                     "reason": bad.text.get(lang)}])
        return render(request, "walk_in.html", {"visit_id": visit_id,
                                                "fields": WALK_IN_FIELDS, "values": values,
                                                "refused": refused}, 422)
    except Refused as refused:
        return render(request, "walk_in.html", {"visit_id": visit_id,
                                                "fields": WALK_IN_FIELDS, "values": values,
                                                "refused": refused}, refused.status)
    remember_receipt(request, answer["case_id"], answer)
    request.session["flash"] = text("walk_in_requested", lang)
    return redirect(request, f"/kasus/{answer['case_id']}")
