"""`GET /escalations/stream`: Server-Sent Events, one per escalation event, resumable with
`Last-Event-ID` (the id of the feed's Redis stream entry)."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from redis.exceptions import RedisError
from sse_starlette.sse import EventSourceResponse

from chassis.auth import Principal, require_roles

from .deps import RuntimeDep
from .feed import STREAM_ID, visible_to
from .reading import BadInput

router = APIRouter(tags=["escalations"])

#: below redis-py's default 5 s socket timeout (a longer block would time the socket out)
BLOCK_MS = 2000


@router.get("/escalations/stream", response_class=EventSourceResponse)
async def escalation_stream(
    request: Request, rt: RuntimeDep,
    principal: Annotated[Principal, Depends(require_roles("ops", "head_of_office",
                                                          "division_head", "secretariat"))],
    last_event_id: Annotated[str | None, Header()] = None,
    since: Annotated[str | None, Query(description="feed id to resume after; 0 = all kept")]
    = None,
) -> EventSourceResponse:
    """Without Last-Event-ID (or `since`) the stream starts with the next escalation."""
    start = last_event_id or since
    if start is not None and not STREAM_ID.match(start):
        raise BadInput("Last-Event-ID", "not an event id of this stream")
    after = start if start is not None else await rt.feed.last_id()
    roles, division = set(principal.roles), principal.division

    async def events():
        nonlocal after
        yield {"retry": 1000, "comment": "audiensi escalations"}
        while not await request.is_disconnected():
            try:
                entries = await rt.feed.read(after, block_ms=BLOCK_MS)
            except RedisError:  # Redis restarting: keep the client, try again
                await asyncio.sleep(1.0)
                continue
            for sid, item in entries:
                after = sid
                if visible_to(item, roles, division):
                    yield {"id": sid, "event": item["type"],
                           "data": json.dumps(item, ensure_ascii=False)}

    return EventSourceResponse(events(), ping=15)
