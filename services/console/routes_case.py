"""The case page (`/kasus/{case_id}`): reporting's case file and timeline, the clocks with
their badges, and a form for each step the signed-in user may take now (the disposition
service's `allowed_next_steps`); each form posts one step."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chassis.org import User

from .forms import STEPS, FormError, body
from .pages import checked_form, console, lang_of, redirect, render, require_user
from .routes_documents import KINDS, attach, attachable, too_large
from .texts import STATUSES, label, text
from .upstream import Refused
from .views import clock_rows, options

router = APIRouter()

CASE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
#: steps whose form also takes a file, and the kind it is attached as
STEP_UPLOADS = {"staff-review": "telaahan_staf", "report": "laporan_hasil"}


def printouts(file: dict[str, Any]) -> list[str]:
    """The printouts the case has now: the receipt once requested, the disposition sheet
    once disposed, the result report once written."""
    out = ["tanda-terima"]
    if file.get("dispositions"):
        out.append("lembar-disposisi")
    if file.get("report"):
        out.append("laporan-hasil")
    return out


async def _page(request: Request, user: User, case_id: str, *, refused: Refused | None = None,
                failed_step: str | None = None, values: dict | None = None,
                status: int = 200) -> Response:
    c, lang = console(request), lang_of(request)
    if not CASE_ID.match(case_id):
        return render(request, "error.html", {"message": text("not_found", lang)}, 404)
    try:
        file = await c.upstream.get("reporting", f"/cases/{case_id}/file", user, lang)
    except Refused as error:
        if error.status == 404:  # registered a moment ago: not projected yet (the page polls)
            return render(request, "pending.html", {"case_id": case_id,
                                                    "message": text("case_pending", lang)},
                          404)
        return render(request, "error.html", {"message": error.detail}, error.status)
    steps: list[str] = []
    try:
        case = await c.upstream.get("disposition", f"/cases/{case_id}", user, lang)
        steps = [s for s in case.get("allowed_next_steps", []) if s in STEPS]
    except Refused:
        case = {}
    if failed_step and failed_step not in steps:
        steps.append(failed_step)
    kinds = attachable(user, file)
    receipt = request.session.get("receipt")
    context: dict[str, Any] = {
        "case_id": case_id, "file": file, "case": case,
        "documents": file.get("documents") or [], "kinds": kinds, "known_kinds": KINDS,
        "document_events": {"DocumentAttached": text("ev_document_attached", lang),
                            "DocumentRemoved": text("ev_document_removed", lang)},
        "step_uploads": {s: k for s, k in STEP_UPLOADS.items() if k in kinds},
        "printouts": printouts(file),
        "receipt_code": receipt.get("code") if isinstance(receipt, dict)
        and receipt.get("case_id") == case_id else None,
        "status_label": label(STATUSES, file.get("status"), lang),
        "clocks": clock_rows(file.get("clocks", []), c.now(), lang),
        "steps": [STEPS[s] for s in steps],
        "options": options(c.org, user, file, lang),
        "refused": refused, "failed_step": failed_step, "values": values or {},
    }
    return render(request, "case.html", context, status)


@router.get("/kasus/{case_id}")
async def case_page(request: Request, case_id: str) -> Response:
    user = require_user(request)
    return await _page(request, user, case_id)


@router.post("/kasus/{case_id}/langkah/{step}")
async def take_step(request: Request, case_id: str, step: str) -> Response:
    user = require_user(request)
    if too_large(request):
        return render(request, "error.html", {"message": text("doc_too_large",
                                                              lang_of(request))}, 413)
    form = await checked_form(request)
    c, lang = console(request), lang_of(request)
    if step not in STEPS or not CASE_ID.match(case_id):
        return render(request, "error.html", {"message": text("not_found", lang)}, 404)
    spec = STEPS[step]
    values = {f.name: form.get(f.name, "") for f in spec.fields}
    try:
        await c.upstream.post(spec.service, f"/cases/{case_id}/{spec.path}", user, lang,
                              body(step, form),
                              key=str(form.get("idempotency_key") or "") or None)
    except FormError as bad:
        refused = Refused(422, bad.text.get(lang), [{"field": bad.field,
                                                     "reason": bad.text.get(lang)}])
        return await _page(request, user, case_id, refused=refused, failed_step=step,
                           values=values, status=422)
    except Refused as refused:
        return await _page(request, user, case_id, refused=refused, failed_step=step,
                           values=values, status=refused.status)
    message = text("done", lang, step=spec.label.get(lang))
    upload = form.get("file")
    if step in STEP_UPLOADS and upload is not None and not isinstance(upload, str) \
            and upload.filename:
        try:
            await attach(request, user, case_id, kind=STEP_UPLOADS[step], title="",
                         upload=upload, lang=lang)
            message += " " + text("doc_attached", lang, name=upload.filename)
        except Refused as refused:
            message += f" {text('refused', lang)}: {refused.detail}"
    request.session["flash"] = message
    return redirect(request, f"/kasus/{case_id}")
