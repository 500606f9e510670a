"""The analysts' dashboard (`/dasbor`): volume by channel, SLA compliance per policy, lead
times per step, workload per division; each an ECharts chart (aria on) with a table of the
same numbers beside it; a date filter; the cases as CSV (`/dasbor/kasus.csv`)."""

from __future__ import annotations

import json
import re

from fastapi import APIRouter, Request
from fastapi.responses import Response

from . import dashboards
from .l10n import N_
from .pages import console, lang_of, render, require_role, require_user
from .texts import text
from .upstream import Refused

router = APIRouter()

VIEWERS = frozenset({"analyst", "head_of_office"})
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@router.get("/dasbor")
async def dashboard(request: Request) -> Response:
    user = require_role(request, VIEWERS, N_("dashboard_forbidden"))
    c, lang = console(request), lang_of(request)
    q = request.query_params
    period = {k: q[k] for k in ("from", "to") if DAY.match(q.get(k, ""))}
    panels, error = [], None
    try:
        vol = await c.upstream.get("reporting", "/stats/volume", user, lang,
                                   params={**period, "by": "day"})
        sla = await c.upstream.get("reporting", "/stats/sla", user, lang, params=period)
        lead = await c.upstream.get("reporting", "/stats/lead-times", user, lang,
                                    params=period)
        work = await c.upstream.get("reporting", "/stats/workload", user, lang)
        panels = [
            ("volume", text("chart_volume", lang), dashboards.volume(vol["items"], lang)),
            ("sla", text("chart_sla", lang), dashboards.sla(sla["policies"], lang)),
            ("lead", text("chart_lead", lang), dashboards.lead_times(lead["steps"], lang)),
            ("workload", text("chart_workload", lang), dashboards.workload(work, lang)),
        ]
    except Refused as refused:
        error = refused
    return render(request, "dashboard.html", {
        "panels": [{"id": pid, "title": title, "chart": json.dumps(p["chart"]),
                    "columns": p["columns"], "rows": p["rows"]} for pid, title, p in panels],
        "error": error, "period": period, "may_export": "analyst" in user.roles})


@router.get("/dasbor/kasus.csv")
async def export(request: Request) -> Response:
    user = require_user(request)
    c, lang = console(request), lang_of(request)
    headers = {"Authorization": f"Bearer {c.upstream.token(user)}", "Accept-Language": lang}
    answer = await c.upstream.http.get(c.upstream.urls["reporting"] + "/exports/cases.csv",
                                       headers=headers)
    if answer.status_code != 200:
        return render(request, "error.html", {"message": text("dashboard_forbidden", lang)},
                      answer.status_code)
    return Response(answer.content, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="kasus.csv"'})
