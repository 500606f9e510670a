"""Errors as RFC 9457 problem details (`application/problem+json`), mapped in one place.

Error bodies never echo the input: a rejected identity number must not come back in clear.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from redis import exceptions as redis_errors
from starlette.exceptions import HTTPException as StarletteHTTPException

from .i18n import Text, pick_lang
from .text import reason

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://audiensi.dinsospmd.babelprov.go.id/problems/"


class Problem(Exception):
    status = 500
    slug = "internal"
    title = Text("Terjadi kesalahan pada server", "Internal server error")

    def __init__(
        self,
        detail: str | Text | None = None,
        *,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail.en if isinstance(detail, Text) else detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}

    def body(self, lang: str = "id", instance: str | None = None) -> dict[str, Any]:
        detail = self.detail.get(lang) if isinstance(self.detail, Text) else self.detail
        body: dict[str, Any] = {
            "type": TYPE_BASE + self.slug,
            "title": self.title.get(lang),
            "status": self.status,
            "detail": detail or self.title.get(lang),
        }
        if instance:
            body["instance"] = instance
        if self.errors is not None:
            body["errors"] = self.errors
        body.update(self.extra)
        return body


class Unauthorized(Problem):
    status = 401
    slug = "unauthorized"
    title = Text("Tidak terautentikasi", "Not authenticated")

    def __init__(self, detail: str | Text | None = None, **kw: Any) -> None:
        kw.setdefault("headers", {"WWW-Authenticate": "Bearer"})
        super().__init__(detail, **kw)


class Forbidden(Problem):
    status = 403
    slug = "forbidden"
    title = Text("Akses ditolak", "Forbidden")


class NotFound(Problem):
    status = 404
    slug = "not-found"
    title = Text("Tidak ditemukan", "Not found")


class Conflict(Problem):
    """A domain rule refused the command (wrong step order, already done)."""

    status = 409
    slug = "step-refused"
    title = Text("Langkah ditolak", "Step refused")


class Invalid(Problem):
    status = 422
    slug = "invalid-input"
    title = Text("Data tidak valid", "Invalid input")


class TooManyRequests(Problem):
    status = 429
    slug = "too-many-requests"
    title = Text("Terlalu banyak permintaan", "Too many requests")

    def __init__(self, detail: str | Text | None = None, retry_after: int = 60, **kw: Any):
        kw.setdefault("headers", {"Retry-After": str(retry_after)})
        super().__init__(detail, **kw)


class Unavailable(Problem):
    status = 503
    slug = "unavailable"
    title = Text("Layanan sementara tidak tersedia", "Service temporarily unavailable")

    def __init__(self, detail: str | Text | None = None, retry_after: int = 2, **kw: Any):
        kw.setdefault("headers", {"Retry-After": str(retry_after)})
        super().__init__(detail, **kw)


#: Redis errors of a store that is away for a while (a master failing over, a connection cut,
#: a node still loading): the request may be sent again as it was (same Idempotency-Key)
REDIS_AWAY = (redis_errors.ConnectionError, redis_errors.TimeoutError,
              redis_errors.ClusterDownError, redis_errors.TryAgainError,
              redis_errors.MasterDownError, redis_errors.SlotNotCoveredError,
              redis_errors.BusyLoadingError, redis_errors.ReadOnlyError)

STORE_AWAY = Text("Penyimpanan data sedang berpindah atau tidak terjangkau; kirim lagi "
                  "permintaan yang sama sebentar lagi.",
                  "The data store is failing over or out of reach; send the same request "
                  "again in a moment.")


def field_error(field: str, reason: str) -> dict[str, str]:
    return {"field": field, "reason": reason}


def _loc(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def validation_errors(exc: RequestValidationError, lang: str = "en") -> list[dict[str, str]]:
    # deliberately drop pydantic's "input": it may hold personal data
    return [field_error(_loc(e.get("loc", ())), reason(e, lang)) for e in exc.errors()]


def problem_response(problem: Problem, request: Request) -> JSONResponse:
    default = getattr(request.app.state, "lang", "id")
    lang = pick_lang(request.headers.get("accept-language"), default)
    return JSONResponse(
        problem.body(lang, instance=request.url.path),
        status_code=problem.status,
        headers=problem.headers,
        media_type=PROBLEM_JSON,
    )


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request)

    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        lang = pick_lang(request.headers.get("accept-language"),
                         getattr(request.app.state, "lang", "id"))
        return problem_response(Invalid(errors=validation_errors(exc, lang)), request)

    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        problem = Problem(str(exc.detail), headers=dict(exc.headers or {}))
        problem.status = exc.status_code
        problem.slug = f"http-{exc.status_code}"
        problem.title = Text(str(exc.detail), str(exc.detail))
        return problem_response(problem, request)

    async def on_store_away(request: Request, exc: Exception) -> JSONResponse:
        return problem_response(Unavailable(STORE_AWAY), request)

    app.add_exception_handler(Problem, on_problem)
    for error in REDIS_AWAY:
        app.add_exception_handler(error, on_store_away)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
