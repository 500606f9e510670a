"""Sign-in (`/masuk`) and sign-out (`/keluar`)."""

from __future__ import annotations

import asyncio
import logging
import math
import time

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .pages import checked_form, console, current_user, lang_of, redirect, render
from .texts import text

log = logging.getLogger(__name__)
router = APIRouter()

MAX_FIELD = 200


@router.get("/masuk")
async def sign_in_page(request: Request) -> Response:
    if current_user(request) is not None:
        return redirect(request, "/")
    out = request.query_params.get("keluar") == "1"
    return render(request, "masuk.html", {"message": text("signed_out", lang_of(request))
                                          if out else None, "username": ""})


@router.post("/masuk")
async def sign_in(request: Request) -> Response:
    form = await checked_form(request)
    c, lang = console(request), lang_of(request)
    username = str(form.get("username") or "").strip()[:MAX_FIELD]
    password = str(form.get("password") or "")[:1024]
    now = time.monotonic()
    wait = c.backoff.wait(username, now)
    if wait > 0:
        log.info("sign-in refused: backing off", extra={"user": username})
        response = render(request, "masuk.html", {
            "error": text("too_many", lang, seconds=math.ceil(wait)), "username": username},
            429)
        response.headers["Retry-After"] = str(math.ceil(wait))
        return response
    user = await asyncio.to_thread(c.accounts.verify, username, password) if username \
        else None
    if user is None:
        c.backoff.failed(username, time.monotonic())
        log.info("sign-in failed", extra={"user": username})
        return render(request, "masuk.html", {"error": text("wrong_password", lang),
                                              "username": username}, 401)
    c.backoff.succeeded(username)
    request.session.clear()
    request.session.update({"sub": user.id, "since": int(time.time())})
    log.info("signed in", extra={"user": user.id})
    return redirect(request, "/")


@router.get("/keluar")
async def sign_out_page(request: Request) -> Response:
    if current_user(request) is None:
        return redirect(request, "/masuk")
    return render(request, "keluar.html")


@router.post("/keluar")
async def sign_out(request: Request) -> Response:
    await checked_form(request)
    request.session.clear()
    response = redirect(request, "/masuk?keluar=1")
    return response
