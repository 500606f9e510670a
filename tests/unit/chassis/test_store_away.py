"""A request that finds Redis away (a master failing over, nothing listening) is answered
503 problem+json with Retry-After, in the caller's language: the client sends it again as it
was; not a 500, which says the server is broken. A Redis bug (a wrong command) stays a 500."""

from __future__ import annotations

import socket

import redis.asyncio as aioredis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from redis import exceptions as redis_errors

from chassis.problems import install_problem_handlers


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens


def make_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    port = closed_port()

    @app.post("/write")
    async def write():
        client = aioredis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
        try:
            await client.set("k", "v")  # nothing listens: redis-py's own ConnectionError
        finally:
            await client.aclose()

    @app.post("/failing-over")
    async def failing_over():
        raise redis_errors.ClusterDownError("CLUSTERDOWN The cluster is down")

    @app.post("/bug")
    async def bug():
        raise redis_errors.ResponseError("ERR unknown command 'SETT'")

    return app


def test_redis_away_is_a_503_to_send_again_in_the_callers_language():
    client = TestClient(make_app(), raise_server_exceptions=False)
    for path in ("/write", "/failing-over"):
        r = client.post(path)
        assert r.status_code == 503, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.headers["retry-after"] == "2"
        assert "kirim lagi permintaan yang sama" in r.json()["detail"]
        r = client.post(path, headers={"Accept-Language": "en"})
        assert "send the same request again" in r.json()["detail"]
    assert client.post("/bug").status_code == 500
