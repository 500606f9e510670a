"""The documents service: `build(settings) -> FastAPI`.

Like reporting it has no faust app: its consumer is a plain aiokafka group (`feed`), its
events are published straight from the HTTP side under a per-case lock (`runtime`). The
chassis' problem handlers, metrics, HTTP edges (with the upload routes' bodies streamed, not
buffered: the route bounds them) and settings are used as everywhere.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from chassis.metrics import aiokafka_lag, install_metrics
from chassis.problems import install_problem_handlers
from chassis.settings import Settings
from chassis.web import install_http_edges

from . import api
from .runtime import Runtime

#: what a multipart body may hold besides the file: boundaries, part headers, kind, title
FORM_OVERHEAD = 64 * 1024


def build(settings: Settings, clock=None) -> FastAPI:
    rt = Runtime(settings, clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        await rt.start()
        try:
            yield
        finally:
            await rt.stop()

    app = FastAPI(title="Audiensi — documents", lifespan=lifespan, version="0.1.0")
    app.state.rt = rt
    app.state.lang = settings.lang
    install_problem_handlers(app)
    install_metrics(app, "documents", lag=lambda: aiokafka_lag(
        rt.feed.consumer if getattr(rt, "feed", None) else None))
    install_http_edges(app, settings,
                       body_limits={"/cases/": settings.documents_max_bytes + FORM_OVERHEAD},
                       streamed=("/cases/",))

    @app.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "documents"}

    @app.get("/readyz", tags=["ops"])
    async def readyz() -> JSONResponse:
        checks = await rt.readiness()
        return JSONResponse(checks, status_code=200 if checks["ready"] else 503)

    app.include_router(api.router)
    return app
