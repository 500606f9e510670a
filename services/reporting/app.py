"""The reporting service: `build(settings) -> FastAPI`.

Unlike the command services it has no faust app: its consumer is a plain aiokafka group
(batches applied then committed) and its rebuild a manually assigned consumer, both owned
by `Runtime`. The chassis' problem handlers, metrics, HTTP edges (input limits, CORS,
security headers) and settings are used as everywhere.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from chassis.metrics import aiokafka_lag, install_metrics
from chassis.problems import (
    Invalid,
    Unavailable,
    field_error,
    install_problem_handlers,
    problem_response,
)
from chassis.settings import Settings
from chassis.web import install_http_edges

from . import (
    api_admin,
    api_agenda,
    api_cases,
    api_office,
    api_print,
    api_public,
    api_stats,
    api_stream,
)
from .config import get_reporting_settings
from .queries import ModelMissing
from .reading import BadInput
from .runtime import Runtime
from .texts import MODEL_MISSING


def build(settings: Settings) -> FastAPI:
    rt = Runtime(settings, get_reporting_settings())

    @asynccontextmanager
    async def lifespan(api: FastAPI):
        await rt.start()
        try:
            yield
        finally:
            await rt.stop()

    api = FastAPI(title="Audiensi — reporting", lifespan=lifespan, version="0.1.0")
    api.state.rt = rt
    api.state.lang = settings.lang
    install_problem_handlers(api)
    install_metrics(api, "reporting", lag=lambda: aiokafka_lag(
        rt.projector.consumer if rt.projector else None))
    install_http_edges(api, settings)  # input limits, CORS, security headers (as everywhere)

    async def on_bad_input(request: Request, exc: BadInput) -> JSONResponse:
        return problem_response(Invalid(errors=[field_error(exc.field, exc.reason)]), request)

    async def on_model_missing(request: Request, exc: ModelMissing) -> JSONResponse:
        return problem_response(Unavailable(MODEL_MISSING, retry_after=5), request)

    api.add_exception_handler(BadInput, on_bad_input)
    api.add_exception_handler(ModelMissing, on_model_missing)

    @api.get("/healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "reporting"}

    @api.get("/readyz", tags=["ops"])
    async def readyz() -> JSONResponse:
        checks = await rt.readiness()
        return JSONResponse(checks, status_code=200 if checks["ready"] else 503)

    for module in (api_cases, api_office, api_print, api_stats, api_admin, api_stream,
                   api_public, api_agenda):
        api.include_router(module.router)
    return api
