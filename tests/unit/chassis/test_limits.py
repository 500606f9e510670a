"""Bounded input: a body over the limit is 413 problem+json before parsing and before
authentication; within the limit the route sees the whole body."""

from __future__ import annotations

import json

from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from chassis.auth import require_roles
from chassis.limits import BodyLimit
from chassis.problems import install_problem_handlers


class Body(BaseModel):
    text: str


def app() -> FastAPI:
    api = FastAPI()
    install_problem_handlers(api)

    @api.post("/echo")
    async def echo(body: Body, principal=Depends(require_roles("front_office"))):
        return {"length": len(body.text)}

    @api.post("/open")
    async def open_echo(body: Body):
        return {"length": len(body.text)}

    @api.post("/uploads/x")
    async def upload(body: Body):
        return {"length": len(body.text)}

    api.add_middleware(BodyLimit, default=1000, limits={"/uploads/": 5000})
    return api


def test_a_large_body_without_a_token_is_413_not_401_or_422():
    client = TestClient(app())
    r = client.post("/echo", content=b"x" * 5_000_000,
                    headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["status"] == 413 and "1000" in r.json()["detail"]


async def test_a_chunked_body_is_counted_and_refused_in_the_callers_language():
    """Driven as ASGI directly (no declared length, 20 chunks of 100 bytes, limit 1000)."""
    reached = []

    async def inner(scope, receive, send):
        reached.append(scope["path"])

    chunks = [{"type": "http.request", "body": b"y" * 100, "more_body": i < 19}
              for i in range(20)]
    sent = []

    async def receive():
        return chunks.pop(0) if chunks else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "path": "/open", "headers": [(b"accept-language", b"en")]}
    await BodyLimit(inner, default=1000)(scope, receive, send)
    assert reached == [], "the application never saw the body"
    assert chunks == [], "what the client still sent was read and dropped"
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["title"] == "Payload too large"


def test_within_the_limit_the_route_gets_the_whole_body_and_per_route_limits_apply():
    client = TestClient(app())
    assert client.post("/open", json={"text": "a" * 1100}).status_code == 413
    assert client.post("/open", json={"text": "a" * 500}).json() == {"length": 500}
    assert client.post("/uploads/x", json={"text": "a" * 4000}).json() == {"length": 4000}



async def test_a_chunked_body_within_the_limit_reaches_the_application_whole():
    got = []

    async def inner(scope, receive, send):
        while True:
            message = await receive()
            got.append(message.get("body", b""))
            if not message.get("more_body"):
                break

    chunks = [{"type": "http.request", "body": b'{"text": ', "more_body": True},
              {"type": "http.request", "body": b'"abc"}', "more_body": False}]

    async def receive():
        return chunks.pop(0)

    async def send(message):
        raise AssertionError("the middleware answered itself")

    await BodyLimit(inner, default=1000)({"type": "http", "path": "/open", "headers": []},
                                         receive, send)
    assert b"".join(got) == b'{"text": "abc"}'


def test_an_idempotency_key_too_long_or_with_control_characters_is_422_without_echo():
    from chassis.limits import HeaderLimits

    api = app()
    api.add_middleware(HeaderLimits)
    client = TestClient(api)
    long_key = "k" * 129
    r = client.post("/open", json={"text": "a"}, headers={"Idempotency-Key": long_key})
    assert r.status_code == 422
    assert r.json()["errors"][0]["field"] == "Idempotency-Key"
    assert long_key not in r.text
    bad = client.post("/open", json={"text": "a"}, headers={"Idempotency-Key": "a\tb"})
    assert bad.status_code == 422
    ok = client.post("/open", json={"text": "a"}, headers={"Idempotency-Key": "k" * 128})
    assert ok.status_code == 200


async def test_a_streamed_prefix_hands_chunked_bodies_on_unbuffered_but_checks_declared_ones():
    """An upload route bounds what it reads itself: its chunks reach it one by one, as they
    come (nothing held back), while a declared length over the limit is still refused."""
    seen_before_next: list[int] = []
    pending = [{"type": "http.request", "body": b"z" * 600, "more_body": i < 4}
               for i in range(5)]

    async def inner(scope, receive, send):
        while True:
            message = await receive()
            seen_before_next.append(len(pending))  # chunks still with the "client"
            if not message.get("more_body"):
                break

    async def receive():
        return pending.pop(0)

    async def send(message):
        raise AssertionError("the middleware answered itself")

    limit = BodyLimit(inner, default=1000, limits={"/up/": 1000}, streamed=("/up/",))
    await limit({"type": "http", "path": "/up/x", "headers": []}, receive, send)
    assert seen_before_next == [4, 3, 2, 1, 0]  # 3000 bytes, none of them buffered

    sent = []

    async def record(message):
        sent.append(message)

    async def nothing():
        return {"type": "http.request", "body": b"", "more_body": False}

    declared = {"type": "http", "path": "/up/x", "headers": [(b"content-length", b"5000")]}
    await limit(declared, nothing, record)
    assert sent[0]["status"] == 413
