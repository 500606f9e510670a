"""What the SLA routes take as parameters: the caller, the command bus to the subject's
owner, the clock, the settings, the Redis read model and the policies. API tests swap any of
them through `app.dependency_overrides` (e.g. `bus` with a fake answering a `Reply`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from chassis.commands import CommandBus
from chassis.deps import Caller as Caller
from chassis.deps import Config as Config
from chassis.deps import Ctx
from chassis.deps import Now as Now
from services.sla.policy import PolicySet


def bus(ctx: Ctx) -> CommandBus:
    """Commands (acknowledgements) to the agent owning the subject; replies over Redis."""
    return CommandBus(ctx.extras["commands"], ctx.redis, ctx.settings.command_timeout)


def read_model(ctx: Ctx) -> Any:
    """The Redis holding the read model (and `Idempotency-Key` records)."""
    return ctx.redis


def policies(ctx: Ctx) -> PolicySet:
    return ctx.extras["policies"]


Bus = Annotated[CommandBus, Depends(bus)]
Redis = Annotated[Any, Depends(read_model)]
Policies = Annotated[PolicySet, Depends(policies)]
