"""`Idempotency-Key`: the same key with the same body returns the first response and writes
nothing new; the same key with a different body is refused (422)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse

from contracts import deterministic_id

from .commands import Reply
from .i18n import Text
from .problems import PROBLEM_JSON, Invalid, Problem, field_error

TTL = 24 * 3600
PENDING_WAIT = 11.0  # a little longer than a command may wait for its reply (10 s)
#: a "pending" marker outlives a command's wait, but not a crash: if the process handling the
#: key dies, the marker expires and a retry with the same key runs (the stable command id
#: lets the agent recognise a command it already applied)
PENDING_TTL = 60


def body_hash(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def command_id_for(service: str, principal: str, key: str | None) -> str | None:
    """With a key, the command id is stable: a retried command is recognised by the agent."""
    return deterministic_id("idem", service, principal, key) if key else None


async def run_idempotent(
    redis, *, service: str, principal: str, key: str | None, payload: Any,
    run: Callable[[], Awaitable[Reply]],
) -> Reply:
    if not key:
        return await run()
    rkey = f"audiensi:idem:{service}:{principal}:{key}"
    digest = body_hash(payload)
    pending = json.dumps({"state": "pending", "hash": digest})
    while not await redis.set(rkey, pending, nx=True, ex=PENDING_TTL):
        replayed = await _replay(redis, rkey, digest)
        if replayed is _STALE:
            # still pending after a command's wait: the first run died with its process (or
            # is stuck). Run it again: the stable command id lets the owning agent answer
            # what it already applied instead of applying it twice.
            break
        if replayed is not None:
            return replayed
        # the marker vanished (its run failed, or its process died): claim the key again
    try:
        reply = await run()
    except Problem as problem:
        if problem.status >= 500:
            await redis.delete(rkey)
            raise
        reply = Reply(status=problem.status, body={"__problem__": True, **problem.body()},
                      headers=problem.headers)
    except BaseException:
        await redis.delete(rkey)
        raise
    await redis.set(rkey, json.dumps({"state": "done", "hash": digest,
                                      "reply": reply.model_dump()}), ex=TTL)
    return reply


def replayed_problem(reply: Reply) -> JSONResponse | None:
    """A refusal stored under an Idempotency-Key (see `run_idempotent`), answered again exactly
    as it was the first time; None for any other reply."""
    if reply.status < 400 or not reply.body.get("__problem__"):
        return None
    body = {k: v for k, v in reply.body.items() if k != "__problem__"}
    return JSONResponse(body, status_code=reply.status, headers=reply.headers,
                        media_type=PROBLEM_JSON)


_STALE: Any = object()


async def _replay(redis, rkey: str, digest: str) -> Reply | None:
    """The stored reply; None if the key is gone (the caller claims it again); _STALE if it
    stayed pending for longer than a command may take."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PENDING_WAIT
    while True:
        raw = await redis.get(rkey)
        if raw is None:
            return None
        stored = json.loads(raw)
        if stored["hash"] != digest:
            raise Invalid(
                Text("Idempotency-Key sudah dipakai untuk isi permintaan yang berbeda",
                     "Idempotency-Key was already used with a different request body"),
                errors=[field_error("Idempotency-Key", "reused with a different body")],
            )
        if stored["state"] == "done":
            return Reply.model_validate(stored["reply"])
        if loop.time() > deadline:
            return _STALE
        await asyncio.sleep(0.05)
