"""`Idempotency-Key`: the same key with the same body returns the first response and writes
nothing new; the same key with a different body is refused (422)."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi.responses import JSONResponse

from contracts import deterministic_id

from .commands import Reply
from .i18n import Text
from .problems import PROBLEM_JSON, Invalid, Problem, field_error
from .signing import command_key

TTL = 24 * 3600
PENDING_WAIT = 11.0  # a little longer than a command may wait for its reply (10 s)
#: a "pending" marker outlives a command's wait, but not a crash: if the process handling the
#: key dies, the marker expires and a retry with the same key runs (the stable command id
#: lets the agent recognise a command it already applied)
PENDING_TTL = 60


#: the version of the stored fingerprint (an HMAC); a record without it is from before, a
#: plain SHA-256, still compared as such until it expires (`TTL`)
FINGERPRINT = "h1:"


def _canonical(payload: Any) -> bytes:
    return json.dumps(payload, sort_keys=True, default=str).encode()


def fingerprint_key(secret: bytes | None = None) -> bytes:
    """The fingerprints' key, derived from the service's command key (`chassis.signing`): a
    stored fingerprint of a low-entropy body (a name and a date) cannot be confirmed by
    hashing guesses, as a plain SHA-256 could."""
    return hmac.new(secret or command_key(), b"audiensi idempotency fingerprint",
                    hashlib.sha256).digest()


def body_hash(payload: Any, key: bytes | None = None) -> str:
    """The fingerprint kept beside an Idempotency-Key: an HMAC of the canonical body."""
    mac = hmac.new(key or fingerprint_key(), _canonical(payload), hashlib.sha256)
    return FINGERPRINT + mac.hexdigest()


def _same_body(stored: str, digest: str, payload: Any) -> bool:
    if stored.startswith(FINGERPRINT):
        return hmac.compare_digest(stored, digest)
    return hmac.compare_digest(stored, hashlib.sha256(_canonical(payload)).hexdigest())


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
        replayed = await _replay(redis, rkey, digest, payload)
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


async def _replay(redis, rkey: str, digest: str, payload: Any) -> Reply | None:
    """The stored reply; None if the key is gone (the caller claims it again); _STALE if it
    stayed pending for longer than a command may take."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PENDING_WAIT
    while True:
        raw = await redis.get(rkey)
        if raw is None:
            return None
        stored = json.loads(raw)
        if not _same_body(stored["hash"], digest, payload):
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
