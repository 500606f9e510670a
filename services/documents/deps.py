"""What the routes take as parameters: the caller (`chassis.deps.Caller`), the runtime (Redis,
object store, key store, producer) and the request's correlation id."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from chassis.deps import Caller as Caller

from .runtime import Runtime


def runtime(request: Request) -> Runtime:
    return request.app.state.rt


Rt = Annotated[Runtime, Depends(runtime)]
CorrelationId = Annotated[str | None, Header(alias="X-Correlation-Id", max_length=128)]

