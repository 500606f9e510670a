"""The FastAPI factory: the faust worker runs in the same process and event loop
(`faust.contrib.asgi`), errors are problem+json, and every service serves
`/healthz`, `/readyz` and `/metrics`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from faust.contrib.asgi import faust_app_running

from contracts.topics import TOPICS, command_topic

from .clock import Clock, SystemClock
from .kafka import broker_reachable, ensure_topics
from .limits import BodyLimit, HeaderLimits
from .metrics import faust_lag, install_metrics
from .openapi import declare_problems
from .problems import install_problem_handlers
from .redis import REPLY_CONNECTIONS, service_redis
from .settings import Settings
from .streams import restart_stuck_recovery, stream_checks

log = logging.getLogger(__name__)

Hook = Callable[["ServiceContext"], Awaitable[None]]


@dataclass
class ServiceContext:
    """What a running service holds: settings, its faust app, Redis, the one clock every
    "now" of the service comes from (routes get it through `chassis.deps.Now`), extras."""

    service: str
    settings: Settings
    faust_app: Any
    redis: Any = None  # HTTP handlers and queries (large blocking pool)
    replies: Any = None  # agents answering commands (small pool of its own)
    extras: dict[str, Any] = field(default_factory=dict)
    started: bool = False
    clock: Clock = field(default_factory=SystemClock)


def changelog_topics(faust_app, default_partitions: int) -> dict[str, int]:
    """The changelog topic of every table, created up front with the table's partition count
    (faust would create them lazily, racing the first partition assignment)."""
    return {table.changelog_topic_name: table.partitions or default_partitions
            for table in faust_app.tables.values()}


async def readiness(ctx: ServiceContext) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    checks["broker"] = await broker_reachable(ctx.settings.kafka_bootstrap)
    try:
        checks["redis"] = bool(await ctx.redis.ping())
    except Exception:  # noqa: BLE001 - any failure means not ready
        checks["redis"] = False
    streams, streams_ready = stream_checks(ctx.faust_app, ctx.started)
    checks.update(streams)
    checks["ready"] = (
        ctx.started and checks["broker"] is True and checks["redis"] is True and streams_ready
    )
    return checks


#: sent with every response (`SecurityHeaders`)
SECURITY_HEADERS = {
    # personal data must not stay in a browser's or a proxy's cache; every API answer may
    # hold some (a case, an applicant), and the rest (ops, errors) loses nothing by it
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
}
CORS_METHODS = ("GET", "POST", "DELETE")
CORS_HEADERS = ("Authorization", "Content-Type", "Accept-Language", "Idempotency-Key",
                "X-Correlation-Id")
CORS_EXPOSED = ("Location", "Retry-After", "X-Correlation-Id")


class SecurityHeaders:
    """ASGI middleware, outermost: `SECURITY_HEADERS` on every response (the 413 and 422 of
    the input limits included), replacing what a route may have set."""

    def __init__(self, app, headers: dict[str, str] | None = None) -> None:
        self.app = app
        self.headers = [(k.encode(), v.encode()) for k, v in (headers or SECURITY_HEADERS).items()]
        self.names = {k for k, _ in self.headers}

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", [])
                        if k.lower() not in self.names]
                message = {**message, "headers": [*kept, *self.headers]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_http_edges(api: FastAPI, settings: Settings, *,
                       body_limits: dict[str, int] | None = None,
                       streamed: tuple[str, ...] = ()) -> None:
    """The middleware every service's app has, inside out: a malformed `Idempotency-Key`
    refused (422), a body over its route's limit refused before parsing and authentication
    (413), CORS for the console's origin only, and the security headers around everything
    (so the limits' answers carry them too); and the OpenAPI declares the problem answers
    (`chassis.openapi`). `body_limits` / `streamed`: per path prefix (`chassis.limits`)."""
    declare_problems(api)
    api.add_middleware(HeaderLimits, lang=settings.lang)
    api.add_middleware(BodyLimit, default=settings.body_limit, lang=settings.lang,
                       limits=body_limits, streamed=streamed)
    api.add_middleware(CORSMiddleware, allow_origins=[settings.console_origin],
                       allow_methods=list(CORS_METHODS), allow_headers=list(CORS_HEADERS),
                       expose_headers=list(CORS_EXPOSED), allow_credentials=False, max_age=600)
    api.add_middleware(SecurityHeaders)


def create_service_app(
    ctx: ServiceContext,
    routers: Iterable[APIRouter],
    *,
    on_start: Iterable[Hook] = (),
    on_stop: Iterable[Hook] = (),
    extra_topics: dict[str, int] | None = None,
) -> FastAPI:
    settings = ctx.settings

    @asynccontextmanager
    async def lifespan(api: FastAPI):
        topics = {**TOPICS, command_topic(ctx.service): settings.topic_partitions,
                  **(extra_topics or {})}
        topics = {name: (settings.topic_partitions if n == 6 else n) for name, n in topics.items()}
        changelogs = changelog_topics(ctx.faust_app, settings.topic_partitions)
        await ensure_topics(settings.kafka_bootstrap, {**topics, **changelogs},
                            settings.replication_factor, compacted=frozenset(changelogs))
        ctx.redis = service_redis(settings, wait=settings.command_timeout)
        ctx.replies = service_redis(settings, REPLY_CONNECTIONS, settings.command_timeout)
        ctx.faust_app.conf.datadir.parent.mkdir(parents=True, exist_ok=True)
        watchdog = None  # the faust patches and the rewind come with the app (chassis.streams)
        async with faust_app_running(ctx.faust_app, stop_timeout=15):
            ctx.started = True
            if ctx.faust_app.tables:
                watchdog = asyncio.create_task(restart_stuck_recovery(ctx.faust_app))
            for hook in on_start:
                await hook(ctx)
            try:
                yield
            finally:
                ctx.started = False
                if watchdog is not None:
                    watchdog.cancel()
                for hook in on_stop:
                    await hook(ctx)
        await ctx.redis.aclose()
        await ctx.replies.aclose()

    api = FastAPI(title=f"Audiensi — {ctx.service}", lifespan=lifespan, version="0.1.0")
    api.state.ctx = ctx
    api.state.lang = settings.lang
    install_problem_handlers(api)
    install_metrics(api, ctx.service, lag=lambda: faust_lag(ctx.faust_app))
    install_http_edges(api, settings)

    @api.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": ctx.service}

    @api.get("/readyz", tags=["ops"])
    async def readyz() -> JSONResponse:
        checks = await readiness(ctx)
        return JSONResponse(checks, status_code=200 if checks["ready"] else 503)

    for router in routers:
        api.include_router(router)
    return api


def run(service: str, build: Callable[[Settings], FastAPI]) -> None:
    """Entry point of `python -m services.<service>`."""
    import uvicorn

    from .logs import setup_logging
    from .preflight import check_or_exit
    from .settings import get_settings

    settings = get_settings()
    setup_logging(service, settings.log_level)
    check_or_exit(settings, service, wait=settings.startup_wait)
    api = build(settings)
    uvicorn.run(api, host=settings.host, port=settings.port_for(service), log_config=None,
                lifespan="on", timeout_graceful_shutdown=10)
