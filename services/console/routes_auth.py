"""Sign-in (`/masuk`, and `/masuk/sso` where an OIDC issuer is set) and sign-out
(`/keluar`)."""

from __future__ import annotations

import asyncio
import logging
import math
import time

from fastapi import APIRouter, Request
from fastapi.responses import Response

from .pages import checked_form, console, current_user, lang_of, redirect, render
from .sso import CALLBACK, SsoRefused
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
    start_session(request, user.id, "password")
    return redirect(request, "/")


def start_session(request: Request, user_id: str, via: str) -> None:
    """The session cookie of a signed-in user (the same for both ways in)."""
    request.session.clear()
    request.session.update({"sub": user_id, "since": int(time.time()), "via": via})
    log.info("signed in", extra={"user": user_id, "via": via})


@router.get("/masuk/sso")
async def sso_start(request: Request) -> Response:
    c = console(request)
    if c.sso is None:
        return render(request, "error.html", {"message": text("not_found", lang_of(request))},
                      404)
    try:
        return await c.sso.start(request)
    except Exception as exc:  # the provider's discovery document unreachable or broken
        log.warning("sso start failed", extra={"error": repr(exc)})
        return render(request, "masuk.html", {"error": text("sso_failed", lang_of(request)),
                                              "username": ""}, 502)


@router.get(CALLBACK, name="sso_callback")
async def sso_callback(request: Request) -> Response:
    c, lang = console(request), lang_of(request)
    if c.sso is None:
        return render(request, "error.html", {"message": text("not_found", lang)}, 404)
    try:
        user = await c.sso.finish(request, c.org)
    except SsoRefused as refused:
        request.session.clear()  # no session, and the flow's state is spent
        return render(request, "masuk.html", {"error": refused.message.get(lang,
                                                                           **refused.values),
                                              "username": ""}, 403)
    start_session(request, user.id, "oidc")
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
