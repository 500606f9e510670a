"""Rendering and the request's context: who is signed in, their language, the CSRF token."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chassis.org import User

from .l10n import Msg
from .security import CSRF_COOKIE, CSRF_FIELD
from .texts import LANG_COOKIE, pick


class SignInNeeded(Exception):
    """No (valid) session: the page redirects to `/masuk`."""


class CsrfRefused(Exception):
    """A POST without the form's CSRF token, or with a wrong one."""


class PageForbidden(Exception):
    """A signed-in user without a role the page needs: the error page, 403, saying in the
    user's language who the page is for (`message`, a marked msgid)."""

    def __init__(self, message: Msg) -> None:
        super().__init__(message.msgid)
        self.message = message


def console(request: Request):
    return request.app.state.console


def lang_of(request: Request) -> str:
    return pick(request.query_params.get("lang"), request.cookies.get(LANG_COOKIE))


def current_user(request: Request) -> User | None:
    sub = request.session.get("sub")
    if not isinstance(sub, str):
        return None
    try:
        user = console(request).org.user(sub)
    except KeyError:
        return None
    return user if user.active else None


def require_user(request: Request) -> User:
    user = current_user(request)
    if user is None:
        raise SignInNeeded
    return user


def require_role(request: Request, roles: frozenset[str], message: Msg) -> User:
    """The signed-in user, if they hold one of `roles`; otherwise `PageForbidden(message)`."""
    user = require_user(request)
    if not set(user.roles) & roles:
        raise PageForbidden(message)
    return user


def _nonce(request: Request) -> tuple[str, bool]:
    """The CSRF nonce of this browser (from its cookie) and whether it is new."""
    nonce = request.cookies.get(CSRF_COOKIE)
    if nonce and 16 <= len(nonce) <= 64:
        return nonce, False
    if not hasattr(request.state, "csrf_nonce"):
        request.state.csrf_nonce = console(request).csrf.new_nonce()
    return request.state.csrf_nonce, True


def _finish(request: Request, response: Response) -> Response:
    nonce, new = _nonce(request)
    production = console(request).settings.production
    if new:
        response.set_cookie(CSRF_COOKIE, nonce, httponly=True, samesite="lax",
                            secure=production, path="/")
    chosen = request.query_params.get("lang")
    if chosen in ("id", "en") and chosen != request.cookies.get(LANG_COOKIE):
        response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 86400, samesite="lax",
                            secure=production, path="/")
    return response


def render(request: Request, template: str, context: dict[str, Any] | None = None,
           status: int = 200) -> Response:
    c = console(request)
    lang = lang_of(request)
    nonce, _ = _nonce(request)
    user = current_user(request)
    ctx = {"request": request, "lang": lang, "user": user,
           "csrf_field": CSRF_FIELD, "csrf_token": c.csrf.token(nonce),
           "new_key": lambda: str(uuid.uuid4()),
           "flash": request.session.pop("flash", None) if user else None,
           "production": c.settings.production, "path": request.url.path,
           "sso": c.sso is not None}
    ctx.update(context or {})
    response: HTMLResponse = c.templates[lang].TemplateResponse(request, template, ctx,
                                                          status_code=status)
    return _finish(request, response)


def redirect(request: Request, url: str) -> Response:
    return _finish(request, RedirectResponse(url, status_code=303))


async def checked_form(request: Request):
    """The submitted form, once its CSRF token matches this browser's cookie."""
    form = await request.form()
    nonce = request.cookies.get(CSRF_COOKIE)
    if not console(request).csrf.valid(nonce, form.get(CSRF_FIELD)):
        raise CsrfRefused
    return form
