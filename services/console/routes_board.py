"""The live escalation board (`/papan`): open and acknowledged escalations from sla, counts
by reason, an acknowledge form on each open one (the acknowledgement names who took it), and
a relay of reporting's escalation feed (`/papan/stream`): EventSource cannot send a bearer
token, so the browser opens the console's stream with its session cookie and the console
reads reporting's as the user."""

from __future__ import annotations

from collections import Counter

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import Response, StreamingResponse

from .l10n import N_
from .pages import checked_form, console, lang_of, redirect, render, require_role, require_user
from .texts import text
from .upstream import Refused

router = APIRouter()

BOARD_ROLES = frozenset({"ops", "head_of_office", "division_head", "secretariat"})
REASONS = ("at_risk", "breached")
#: sla's clock readers (`GET /clocks`): the secretariat watches the board without them
CLOCK_ROLES = frozenset({"ops", "head_of_office", "division_head"})
CLOCK_STATES = ("on_track", "at_risk", "breached", "paused")
ICONS = {"on_track": "\u2714", "at_risk": "\u26a0", "breached": "\u2716", "paused": "\u23f8"}


async def read_clock_counts(c, user, lang: str) -> dict[str, int]:
    """sla's counts of the open clocks by state (`GET /clocks/counts`; a running clock is at
    risk once it raised an at-risk escalation not yet resolved)."""
    answer = await c.upstream.get("sla", "/clocks/counts", user, lang)
    return {s: int(answer.get(s) or 0) for s in CLOCK_STATES}


def may_watch(user) -> bool:
    return bool(set(user.roles) & BOARD_ROLES)


@router.get("/papan")
async def board(request: Request) -> Response:
    user = require_role(request, BOARD_ROLES, N_("board_forbidden"))
    c, lang = console(request), lang_of(request)
    rows: dict[str, list[dict]] = {"open": [], "acknowledged": []}
    error = None
    try:
        for state in rows:
            answer = await c.upstream.get("sla", "/escalations", user, lang,
                                          params={"state": state, "limit": 200})
            rows[state] = sorted(answer.get("items", []),
                                 key=lambda e: e.get("raised_at") or "", reverse=True)
    except Refused as refused:
        error = refused
    counts = Counter(e.get("reason") for e in rows["open"])
    clocks = None
    if set(user.roles) & CLOCK_ROLES and error is None:
        try:
            found = await read_clock_counts(c, user, lang)
            clocks = [(s, ICONS[s], found[s]) for s in CLOCK_STATES]
        except Refused as refused:
            error = refused
    return render(request, "board.html", {"clocks": clocks,
        "open": rows["open"], "acknowledged": rows["acknowledged"], "error": error,
        "counts": [(r, counts.get(r, 0)) for r in REASONS]})


@router.post("/papan/{escalation_id}/tanggapi")
async def acknowledge(request: Request, escalation_id: str) -> Response:
    user = require_user(request)
    form = await checked_form(request)
    c, lang = console(request), lang_of(request)
    note = str(form.get("note") or "").strip()
    try:
        await c.upstream.post("sla", f"/escalations/{escalation_id}/acknowledgement", user,
                              lang, {"note": note} if note else {},
                              key=str(form.get("idempotency_key") or "") or None)
    except Refused as refused:
        request.session["flash"] = f"{text('refused', lang)}: {refused.detail}"
        return redirect(request, "/papan")
    request.session["flash"] = text("acknowledged", lang, name=user.name)
    return redirect(request, "/papan")


@router.get("/papan/stream")
async def stream(request: Request) -> Response:
    user = require_user(request)
    c, lang = console(request), lang_of(request)
    if not may_watch(user):
        return Response(status_code=403)
    upstream = c.upstream
    headers = {"Authorization": f"Bearer {upstream.token(user)}", "Accept-Language": lang,
               "Accept": "text/event-stream"}
    if last := request.headers.get("last-event-id"):
        headers["Last-Event-ID"] = last[:64]
    url = upstream.urls["reporting"] + "/escalations/stream"
    timeout = httpx.Timeout(10.0, read=None)
    req = upstream.http.build_request("GET", url, headers=headers, timeout=timeout)
    try:
        answer = await upstream.http.send(req, stream=True)
    except httpx.HTTPError:
        return Response(status_code=503, headers={"Retry-After": "2"})
    if answer.status_code != 200:
        await answer.aclose()
        return Response(status_code=answer.status_code)

    async def relay():
        try:
            async for chunk in answer.aiter_raw():
                yield chunk
        except httpx.HTTPError:
            return
        finally:
            await answer.aclose()

    return StreamingResponse(relay(), media_type="text/event-stream",
                             headers={"X-Accel-Buffering": "no"})
