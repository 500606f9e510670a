"""Bounded input: a request body larger than its route allows is refused with 413 before
anything parses it and before authentication (an ASGI middleware, outermost).

A declared `Content-Length` over the limit is answered at once; a body without one (chunked)
is read up to the limit before the application sees it, and refused as soon as it passes.
The limit is per path prefix (the longest matching prefix wins), e.g. larger for uploads.
A prefix named in `streamed` (uploads the route reads as a stream and bounds itself) keeps
the declared-length check, but a chunked body is handed on unbuffered.
"""

from __future__ import annotations

import json

from .i18n import Text, pick_lang
from .problems import PROBLEM_JSON, Invalid, Problem, field_error

DEFAULT_LIMIT = 1024 * 1024  # bytes: every JSON command of the standard fits in a few KB
DISCARD_MOST = 256 * 1024 * 1024  # bytes of a refused body read and dropped, then closed
IDEMPOTENCY_KEY_MOST = 128  # characters (a UUID is 36)


class PayloadTooLarge(Problem):
    status = 413
    slug = "payload-too-large"
    title = Text("Data terlalu besar", "Payload too large")


class BodyLimit:
    """ASGI middleware: `limits` maps path prefixes to byte limits; `default` for the rest."""

    def __init__(self, app, default: int = DEFAULT_LIMIT,
                 limits: dict[str, int] | None = None, lang: str = "id",
                 streamed: tuple[str, ...] = ()) -> None:
        self.app = app
        self.default = default
        self.limits = sorted((limits or {}).items(), key=lambda kv: -len(kv[0]))
        self.lang = lang
        self.streamed = tuple(streamed)

    def limit_for(self, path: str) -> int:
        return next((n for prefix, n in self.limits if path.startswith(prefix)), self.default)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope.get("path", ""))
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > limit
            except ValueError:
                too_large = False  # the server refuses a malformed length itself
            if too_large:
                await self._discard(receive)
                return await self._refuse(scope, send, limit)
            return await self.app(scope, receive, send)
        if self.streamed and scope.get("path", "").startswith(self.streamed):
            return await self.app(scope, receive, send)  # the route bounds what it reads
        # no declared length (chunked): read it up to the limit before the app sees any of it
        messages, seen = [], 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            seen += len(message.get("body", b""))
            if seen > limit:
                await self._discard(receive)
                return await self._refuse(scope, send, limit)
            if not message.get("more_body", False):
                break

        async def replay():
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _discard(receive, most: int = DISCARD_MOST) -> None:
        """Read (and drop, chunk by chunk) what the client is still sending, so that it gets
        to read the answer instead of a reset connection; at most `most` bytes."""
        dropped = 0
        while dropped <= most:
            message = await receive()
            if message["type"] != "http.request":
                return
            dropped += len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    async def _refuse(self, scope, send, limit: int) -> None:
        problem = PayloadTooLarge(Text(f"Data melebihi batas {limit} byte",
                                       f"The body exceeds the limit of {limit} bytes"),
                                  headers={"Connection": "close"})
        await respond(scope, send, problem, self.lang)


def idempotency_key_problem(value: bytes) -> Problem | None:
    """Why an `Idempotency-Key` header is refused, if it is (too long, or not printable
    ASCII); the value itself is never echoed."""
    if len(value) > IDEMPOTENCY_KEY_MOST:
        reason = Text(f"Idempotency-Key paling panjang {IDEMPOTENCY_KEY_MOST} karakter",
                      f"Idempotency-Key may have at most {IDEMPOTENCY_KEY_MOST} characters")
    elif not value or any(b < 0x21 or b > 0x7E for b in value):
        reason = Text("Idempotency-Key hanya boleh berisi karakter ASCII yang terlihat",
                      "Idempotency-Key may only hold visible ASCII characters")
    else:
        return None
    return Invalid(reason, errors=[field_error("Idempotency-Key", reason.en)])


class HeaderLimits:
    """ASGI middleware: refuses a malformed `Idempotency-Key` (422) before anything runs."""

    def __init__(self, app, lang: str = "id") -> None:
        self.app = app
        self.lang = lang

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            for name, value in scope.get("headers") or []:
                if name == b"idempotency-key":
                    problem = idempotency_key_problem(value.strip())
                    if problem is not None:
                        return await respond(scope, send, problem, self.lang)
        await self.app(scope, receive, send)


async def respond(scope, send, problem: Problem, default_lang: str) -> None:
    headers = dict(scope.get("headers") or [])
    accept = headers.get(b"accept-language", b"").decode("latin-1") or None
    body = json.dumps(problem.body(pick_lang(accept, default_lang),
                                   instance=scope.get("path"))).encode()
    extra = [(k.lower().encode(), v.encode()) for k, v in problem.headers.items()]
    await send({"type": "http.response.start", "status": problem.status,
                "headers": [(b"content-type", PROBLEM_JSON.encode()),
                            (b"content-length", str(len(body)).encode()), *extra]})
    await send({"type": "http.response.body", "body": body})
