"""The console's FastAPI app: `build(settings)`. Pages are rendered on the server (Jinja2);
htmx (hx-boost) turns links and forms into in-page requests where JavaScript runs, and every
page works without it."""

from __future__ import annotations

import asyncio
import logging
import secrets
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import jinja2
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.sessions import SessionMiddleware

from chassis.org import Org, load_org
from chassis.settings import Settings

from . import (
    routes_agenda,
    routes_auth,
    routes_board,
    routes_case,
    routes_complaints,
    routes_dashboard,
    routes_documents,
    routes_guests,
    routes_home,
)
from .accounts import Accounts, load_accounts
from .l10n import LANGS, load, translations
from .pages import CsrfRefused, PageForbidden, SignInNeeded, lang_of, redirect, render
from .security import BrowserHeaders, Csrf
from .sso import Sso, configure
from .texts import CHANNELS, EVENTS, STATUSES, label, text
from .throttle import Backoff
from .upstream import Upstream
from .views import wib

log = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
#: browser libraries, from npm (package.json / package-lock.json, `npm ci`), served as-is
VENDOR = {"htmx.min.js": "htmx.org/dist/htmx.min.js",
          "echarts.min.js": "echarts/dist/echarts.min.js"}
SESSION_COOKIE = "audiensi_session"


class ConsoleRefused(RuntimeError):
    """Settings the console must not run with."""


@dataclass
class Console:
    settings: Settings
    org: Org
    csrf: Csrf
    templates: dict[str, Jinja2Templates]  # by language
    backoff: Backoff = field(default_factory=Backoff)
    accounts: Accounts | None = None
    upstream: Upstream | None = None
    sso: Sso | None = None  # OIDC sign-in, where an issuer is set

    def now(self) -> datetime:
        return datetime.now(UTC)


def session_secret(settings: Settings) -> str:
    if settings.console_session_secret:
        if settings.production and len(settings.console_session_secret.encode()) < 32:
            raise ConsoleRefused("AUDIENSI_CONSOLE_SESSION_SECRET is shorter than 32 bytes")
        return settings.console_session_secret
    if settings.production:
        raise ConsoleRefused("AUDIENSI_ENV=production needs AUDIENSI_CONSOLE_SESSION_SECRET "
                             "(32 bytes or more): it signs the session and CSRF cookies")
    return secrets.token_urlsafe(32)  # development: sessions end with the process


def templates() -> dict[str, Jinja2Templates]:
    """One Jinja2 environment per language, each with `jinja2.ext.i18n` and that
    language's catalogue installed (`{% trans %}`, `_()`, `gettext()`), and `t("key")`."""
    load()
    out = {}
    for lang in LANGS:
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                                 autoescape=jinja2.select_autoescape(),
                                 extensions=["jinja2.ext.i18n"])
        t = Jinja2Templates(env=env)
        t.env.install_gettext_translations(translations(lang), newstyle=True)
        t.env.globals["t"] = lambda key, _lang=lang, **kw: text(key, _lang, **kw)
        t.env.filters["wib"] = wib
        t.env.globals["EVENTS"] = EVENTS
        t.env.globals["CHANNELS"] = CHANNELS
        t.env.globals["label"] = label
        t.env.globals["STATUSES"] = STATUSES
        out[lang] = t
    return out


def build(settings: Settings) -> FastAPI:
    secret = session_secret(settings)
    org = load_org(settings.org_file)
    if settings.production and not settings.console_accounts:
        raise ConsoleRefused("AUDIENSI_ENV=production: the development accounts (password "
                             "'audiensi') are refused; set AUDIENSI_CONSOLE_ACCOUNTS")
    try:
        sso = configure(settings)
    except ValueError as exc:
        raise ConsoleRefused(str(exc)) from None
    console = Console(settings, org, Csrf(secret), templates(),
                      Backoff(base=settings.console_backoff_seconds), sso=sso)
    assets = Path(settings.console_assets)

    @asynccontextmanager
    async def lifespan(api: FastAPI):
        missing = [n for n, p in VENDOR.items() if not (assets / p).is_file()]
        if missing:
            log.warning("browser libraries missing: run `npm ci` (make install)",
                        extra={"missing": missing, "where": str(assets)})
        console.accounts = await asyncio.to_thread(
            load_accounts, org, settings.console_accounts, production=settings.production)
        async with httpx.AsyncClient(timeout=settings.command_timeout + 5) as http:
            console.upstream = Upstream(settings, http)
            yield

    api = FastAPI(title="Audiensi — console", lifespan=lifespan, docs_url=None,
                  redoc_url=None, openapi_url=None)
    api.state.console = console
    api.add_middleware(SessionMiddleware, secret_key=secret, session_cookie=SESSION_COOKIE,
                       max_age=int(settings.console_session_hours * 3600), same_site="lax",
                       https_only=settings.production)
    api.add_middleware(BrowserHeaders)
    api.mount("/static/app", StaticFiles(directory=HERE / "static"), name="static")

    @api.get("/static/vendor/{name}", include_in_schema=False)
    async def vendor(name: str) -> Response:
        if name not in VENDOR or not (assets / VENDOR[name]).is_file():
            return Response(status_code=404)
        return FileResponse(assets / VENDOR[name], media_type="text/javascript",
                            headers={"cache-control": "public, max-age=3600"})

    @api.get("/healthz", include_in_schema=False)
    async def healthz() -> dict:
        return {"status": "ok", "service": "console"}

    @api.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        # missing browser libraries (no `npm ci`) are reported, not fatal: pages work without
        # JavaScript, and `audiensi up` should not wait for them
        vendored = {n: (assets / p).is_file() for n, p in VENDOR.items()}
        ready = console.accounts is not None
        return JSONResponse({"ready": ready, "accounts": console.accounts is not None,
                             "vendor": vendored}, status_code=200 if ready else 503)

    @api.exception_handler(StarletteHTTPException)
    async def not_found(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return render(request, "error.html",
                          {"message": text("not_found", lang_of(request))}, 404)
        return Response(status_code=exc.status_code)

    @api.exception_handler(SignInNeeded)
    async def sign_in_needed(request: Request, exc: SignInNeeded) -> Response:
        return redirect(request, "/masuk")

    @api.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, exc: CsrfRefused) -> Response:
        return render(request, "error.html", {"message": text("csrf", lang_of(request))},
                      403)

    @api.exception_handler(PageForbidden)
    async def page_forbidden(request: Request, exc: PageForbidden) -> Response:
        return render(request, "error.html",
                      {"message": exc.message.get(lang_of(request))}, 403)

    for module in (routes_auth, routes_home, routes_guests, routes_case, routes_complaints,
                   routes_board, routes_dashboard, routes_documents, routes_agenda):
        api.include_router(module.router)
    return api
