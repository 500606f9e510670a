"""The agenda book (`/agenda`): the letters registered in a period (reporting `GET /agenda`,
office days in WIB, `to` inclusive), and the same as CSV (`/agenda.csv`, reporting's
`GET /agenda.csv` streamed). The secretariat keeps it; the front office and the Head of
Office read it, a division head their own division's letters (reporting's rule)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .forms import WIB
from .l10n import N_
from .pages import console, lang_of, render, require_role
from .routes_documents import streamed
from .texts import STATUSES, label
from .upstream import Refused

router = APIRouter()

READERS = frozenset({"secretariat", "front_office", "head_of_office", "division_head"})
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
#: the period shown when none is chosen: the last 30 office days
DEFAULT_DAYS = 30


def period_of(query) -> dict[str, str]:
    today = datetime.now(WIB).date()
    period = {k: query[k] for k in ("from", "to") if DAY.match(query.get(k, ""))}
    period.setdefault("to", today.isoformat())
    period.setdefault("from", (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat())
    return period


@router.get("/agenda")
async def agenda(request: Request) -> Response:
    user = require_role(request, READERS, N_("agenda_forbidden"))
    c, lang = console(request), lang_of(request)
    period = period_of(request.query_params)
    rows, error = [], None
    try:
        answer = await c.upstream.get("reporting", "/agenda", user, lang,
                                      params={**period, "limit": 500})
        rows = [{**r, "status_label": label(STATUSES, r.get("status"), lang)}
                for r in answer.get("items", [])]
    except Refused as refused:
        error = refused
    return render(request, "agenda.html", {"rows": rows, "error": error, "period": period})


@router.get("/agenda.csv")
async def agenda_csv(request: Request) -> Response:
    user = require_role(request, READERS, N_("agenda_forbidden"))
    c, lang = console(request), lang_of(request)
    try:
        answer = await c.upstream.open_stream("reporting", "/agenda.csv", user, lang,
                                              params=period_of(request.query_params),
                                              accept="text/csv", timeout=60.0)
    except Refused as refused:
        return render(request, "error.html", {"message": refused.detail}, refused.status)
    return streamed(answer, {"Content-Disposition": 'attachment; filename="buku-agenda.csv"',
                             "Cache-Control": "no-store"})
