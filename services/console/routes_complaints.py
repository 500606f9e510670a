"""Complaints (`/pengaduan`): the front office and the secretariat file one (intake
`POST /complaints`); the secretariat and the Head of Office see the list with its clocks
(reporting `GET /complaints`) and verify, respond and close (intake), each one form."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .badges import badge, by_next_breach
from .forms import (
    COMPLAINT_FIELDS,
    COMPLAINT_NEXT,
    COMPLAINT_STEPS,
    FormError,
    complaint_body,
    complaint_step_body,
)
from .pages import checked_form, console, lang_of, redirect, render, require_user
from .texts import STATUSES, label, text
from .upstream import Refused
from .views import clock_rows, options

router = APIRouter()

FILERS = frozenset({"front_office", "secretariat"})
HANDLERS = frozenset({"secretariat", "head_of_office"})
#: the head of the division a complaint was routed to responds to it (intake allows it)
ROUTED_TO = frozenset({"division_head"})
ROUTED_QUEUE = "complaints_routed"
COMPLAINT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


async def _page(request: Request, user, *, refused: Refused | None = None,
                values: dict | None = None, status: int = 200) -> Response:
    c, lang = console(request), lang_of(request)
    roles = set(user.roles)
    if not roles & (FILERS | HANDLERS | ROUTED_TO):
        return render(request, "error.html", {"message": text("complaints_forbidden", lang)},
                      403)
    items, error = [], None
    if roles & HANDLERS:
        try:
            answer = await c.upstream.get("reporting", "/complaints", user, lang,
                                          params={"limit": 100})
            items = answer.get("items", [])
        except Refused as failed:
            error = failed
    now = c.now()
    routed = []
    if roles & ROUTED_TO:
        try:
            mine = await c.upstream.get("reporting", "/queues/mine", user, lang)
            queue = next((q for q in mine.get("queues", []) if q.get("queue") == ROUTED_QUEUE),
                         {})
            routed = [{**i, "badge": badge(i.get("sla_state"), i.get("due_at"), now, lang),
                       "state_label": label(STATUSES, i.get("status"), lang),
                       "steps": [COMPLAINT_STEPS["response"]]}
                      for i in by_next_breach(queue.get("items", []))]
        except Refused as failed:
            error = failed
    rows = [{**i, "badges": clock_rows(i.get("clocks", []), now, lang),
             "steps": [COMPLAINT_STEPS[s] for s in COMPLAINT_NEXT.get(i.get("state"), ())]}
            for i in items]
    return render(request, "complaints.html", {
        "fields": COMPLAINT_FIELDS, "values": values or {}, "refused": refused,
        "error": error, "rows": rows, "may_file": bool(roles & FILERS),
        "may_handle": bool(roles & HANDLERS), "routed": routed,
        "may_respond_routed": bool(roles & ROUTED_TO), "options": options(c.org, user, None, lang)},
        status)


@router.get("/pengaduan")
async def complaints(request: Request) -> Response:
    return await _page(request, require_user(request))


@router.post("/pengaduan")
async def file_complaint(request: Request) -> Response:
    user = require_user(request)
    form = await checked_form(request)
    c, lang = console(request), lang_of(request)
    values = {f.name: form.get(f.name, "") for f in COMPLAINT_FIELDS}
    values.pop("identity_number", None)
    try:
        answer = await c.upstream.post("intake", "/complaints", user, lang,
                                       complaint_body(form),
                                       key=str(form.get("idempotency_key") or "") or None)
    except Refused as refused:
        return await _page(request, user, refused=refused, values=values,
                           status=refused.status)
    request.session["flash"] = text("complaint_filed", lang,
                                    tracking=answer.get("tracking_id") or "—")
    return redirect(request, "/pengaduan")


@router.post("/pengaduan/{complaint_id}/langkah/{step}")
async def complaint_step(request: Request, complaint_id: str, step: str) -> Response:
    user = require_user(request)
    form = await checked_form(request)
    c, lang = console(request), lang_of(request)
    if step not in COMPLAINT_STEPS or not COMPLAINT_ID.match(complaint_id):
        return render(request, "error.html", {"message": text("not_found", lang)}, 404)
    spec = COMPLAINT_STEPS[step]
    try:
        await c.upstream.post("intake", f"/complaints/{complaint_id}/{spec.path}", user, lang,
                              complaint_step_body(step, form),
                              key=str(form.get("idempotency_key") or "") or None)
    except (Refused, FormError) as failed:
        detail = failed.detail if isinstance(failed, Refused) else failed.text.get(lang)
        request.session["flash"] = f"{text('refused', lang)}: {detail}"
        return redirect(request, "/pengaduan")
    request.session["flash"] = text("done", lang, step=spec.label.get(lang))
    return redirect(request, "/pengaduan")
