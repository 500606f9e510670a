"""What the `/cases` routes take as parameters: the caller, the command bus, the clock, the
settings and the organisation, and `Cases` (the bus, clock, Redis and the request's
`Idempotency-Key` and correlation id together). API tests swap `bus` (or `chassis.deps.clock`)
through `app.dependency_overrides`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header

from chassis.commands import CommandBus
from chassis.deps import Caller as Caller
from chassis.deps import Config as Config
from chassis.deps import Ctx
from chassis.deps import Now as Now
from chassis.deps import Organisation as Organisation
from chassis.deps import organisation as organisation

from .bus import CaseCommands


def bus(ctx: Ctx) -> CommandBus:
    return ctx.extras["bus"]  # made when the service starts: it needs the service's Redis


Bus = Annotated[CommandBus, Depends(bus)]




def case_commands(
    bus: Bus, clock: Now, ctx: Ctx,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    correlation_id: Annotated[str | None, Header(alias="X-Correlation-Id")] = None,
) -> CaseCommands:
    return CaseCommands(bus, clock, ctx.redis, idempotency_key, correlation_id,
                        ctx.extras.get("sealer"))


Cases = Annotated[CaseCommands, Depends(case_commands)]
