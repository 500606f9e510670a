"""The browser-facing edges: a strict Content-Security-Policy (no inline script or style,
nothing from elsewhere), no caching, no framing; and the CSRF token every form carries.

CSRF: a random nonce in the HttpOnly, SameSite=Lax cookie `audiensi_csrf` (set before any
sign-in, so the sign-in form is covered too, without a session), and in each form the nonce
signed with the console's secret. A POST passes only when the form's token unsigns to the
cookie's nonce.
"""

from __future__ import annotations

import hmac
import secrets
import time

from itsdangerous import BadSignature, Signer

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")
HEADERS = {
    "content-security-policy": CSP,
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}
CSRF_COOKIE = "audiensi_csrf"
CSRF_FIELD = "csrf_token"


class BrowserHeaders:
    """ASGI middleware: `HEADERS` on every response (static files keep their own caching)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        static = scope.get("path", "").startswith("/static/")
        began = time.perf_counter()

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = dict(HEADERS)
                # the page's server time (the services' answers included): for the benchmark
                headers["server-timing"] = f"app;dur={(time.perf_counter() - began) * 1000:.1f}"
                if static:
                    headers.pop("cache-control")
                names = {k.encode() for k in headers}
                kept = [(k, v) for k, v in message.get("headers", [])
                        if k.lower() not in names]
                message = {**message, "headers": [
                    *kept, *((k.encode(), v.encode()) for k, v in headers.items())]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Csrf:
    def __init__(self, secret: str) -> None:
        self.signer = Signer(secret, salt="audiensi-console-csrf")

    @staticmethod
    def new_nonce() -> str:
        return secrets.token_urlsafe(24)

    def token(self, nonce: str) -> str:
        return self.signer.sign(nonce).decode()

    def valid(self, nonce: str | None, token: str | None) -> bool:
        if not nonce or not token:
            return False
        try:
            signed = self.signer.unsign(token).decode()
        except BadSignature:
            return False
        return hmac.compare_digest(signed, nonce)
