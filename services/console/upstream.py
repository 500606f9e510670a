"""The services' HTTP APIs, called as the signed-in user: a short-lived JWT minted for each
call (chassis.auth.issue_token), the reader's language, an Idempotency-Key on commands. A
refusal comes back as `Refused` with the service's problem+json texts."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx

from chassis.auth import issue_token
from chassis.org import User
from chassis.settings import Settings

from .texts import text

log = logging.getLogger(__name__)

SERVICES = ("intake", "disposition", "sla", "reporting", "documents")
TOKEN_SECONDS = 300
#: how long a call is tried again while the service answers 503 or cannot be reached; a
#: command keeps its Idempotency-Key, so it is written once
RETRY_FOR = 6.0


def retry_after(r: httpx.Response) -> float:
    try:
        return min(max(float(r.headers.get("retry-after", "0.5")), 0.1), 1.0)
    except ValueError:
        return 0.5


@dataclass
class Refused(Exception):
    """A service said no (4xx/5xx), or could not be reached (status 503)."""

    status: int
    detail: str
    errors: list[dict[str, str]] = field(default_factory=list)
    title: str = ""

    def __str__(self) -> str:
        return f"{self.status}: {self.detail}"


def service_urls(settings: Settings) -> dict[str, str]:
    return {name: settings.service_urls.get(name)
            or f"http://127.0.0.1:{settings.port_for(name)}" for name in SERVICES}


class Upstream:
    def __init__(self, settings: Settings, http: httpx.AsyncClient) -> None:
        self.settings = settings
        self.http = http
        self.urls = service_urls(settings)

    def token(self, user: User) -> str:
        return issue_token(self.settings, sub=user.id, name=user.name, roles=list(user.roles),
                           division=user.division, ttl=TOKEN_SECONDS)

    async def call(self, method: str, service: str, path: str, user: User, lang: str, *,
                   json: Any = None, params: dict | None = None,
                   key: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token(user)}", "Accept-Language": lang,
                   "Accept": "application/json"}
        if method == "POST":
            headers["Idempotency-Key"] = key or str(uuid.uuid4())
        deadline = time.monotonic() + RETRY_FOR
        while True:  # a 503 (service starting, broker moving) is tried again, same key
            try:
                r = await self.http.request(method, self.urls[service] + path, json=json,
                                            params=params, headers=headers)
            except httpx.HTTPError as exc:
                if time.monotonic() < deadline:
                    await asyncio.sleep(0.5)
                    continue
                log.warning("upstream unreachable", extra={"service": service,
                                                           "error": type(exc).__name__})
                raise Refused(503, text("unreachable", lang, service=service)) from None
            if r.status_code == 503 and time.monotonic() < deadline:
                await asyncio.sleep(retry_after(r))
                continue
            break
        if r.status_code >= 400:
            raise refusal(r, service, lang)
        return r.json() if r.content else {}

    async def get(self, service: str, path: str, user: User, lang: str, **kw) -> Any:
        return await self.call("GET", service, path, user, lang, **kw)

    async def post(self, service: str, path: str, user: User, lang: str, body: Any,
                   key: str | None = None) -> Any:
        return await self.call("POST", service, path, user, lang, json=body, key=key)


    def headers(self, user: User, lang: str, accept: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(user)}", "Accept-Language": lang,
                "Accept": accept}

    async def open_stream(self, service: str, path: str, user: User, lang: str, *,
                          params: dict | None = None, accept: str = "*/*",
                          timeout: float = 30.0) -> httpx.Response:
        """A GET whose body is relayed as it arrives (a PDF, a document): the open response
        (the caller closes it) or `Refused`. A 503 or an unreachable service is tried
        again for up to `RETRY_FOR` seconds, as `call` does."""
        deadline = time.monotonic() + RETRY_FOR
        url = self.urls[service] + path
        while True:
            req = self.http.build_request("GET", url, params=params,
                                          headers=self.headers(user, lang, accept),
                                          timeout=httpx.Timeout(timeout))
            try:
                r = await self.http.send(req, stream=True)
            except httpx.HTTPError:
                if time.monotonic() < deadline:
                    await asyncio.sleep(0.5)
                    continue
                raise Refused(503, text("unreachable", lang, service=service)) from None
            if r.status_code == 503 and time.monotonic() < deadline:
                await r.aclose()
                await asyncio.sleep(retry_after(r))
                continue
            if r.status_code >= 400:
                await r.aread()
                await r.aclose()
                raise refusal(r, service, lang)
            return r

    async def upload(self, service: str, path: str, user: User, lang: str, *,
                     data: dict[str, str], file: tuple[str, bytes, str],
                     retry_while: tuple[int, ...] = (), retry_for: float = RETRY_FOR
                     ) -> Any:
        """A multipart POST (`file` = name, bytes, type, sent as the part `file`). Tried
        again on 503, and on the statuses of `retry_while` (a service whose view of a
        case made a moment ago lags) for up to `retry_for` seconds."""
        deadline = time.monotonic() + retry_for
        while True:
            try:
                r = await self.http.post(self.urls[service] + path, data=data,
                                         files={"file": file},
                                         headers=self.headers(user, lang, "application/json"))
            except httpx.HTTPError:
                if time.monotonic() < deadline:
                    await asyncio.sleep(0.5)
                    continue
                raise Refused(503, text("unreachable", lang, service=service)) from None
            if r.status_code in (503, *retry_while) and time.monotonic() < deadline:
                await asyncio.sleep(0.5)
                continue
            break
        if r.status_code >= 400:
            raise refusal(r, service, lang)
        return r.json() if r.content else {}


def refusal(r: httpx.Response, service: str, lang: str) -> Refused:
    try:
        problem = r.json()
    except ValueError:
        problem = {}
    if not isinstance(problem, dict):
        problem = {}
    errors = [e for e in problem.get("errors") or [] if isinstance(e, dict)]
    detail = str(problem.get("detail") or problem.get("title")
                 or text("unreachable", lang, service=service))
    return Refused(r.status_code, detail, errors, str(problem.get("title") or ""))
