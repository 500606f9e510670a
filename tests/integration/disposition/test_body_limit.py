"""The running service refuses a body over its limit before parsing and before
authentication: 5 MB without a token is 413, not 401 or 422."""

from __future__ import annotations

import httpx


async def test_a_5_mb_unauthenticated_body_is_413(disposition):
    async with httpx.AsyncClient(base_url=disposition.url, timeout=30) as http:
        r = await http.post("/cases/c-1/disposition", content=b"{" + b" " * 5_000_000 + b"}",
                            headers={"content-type": "application/json"})
        small = await http.post("/cases/c-1/disposition", json={"division": "rehsos"})
    assert r.status_code == 413, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert small.status_code == 401, "within the limit, authentication comes first as before"
