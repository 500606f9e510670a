"""FastAPI dependencies every service's `deps.py` builds on: the service context, its one
clock and its settings, read from the app the route runs in (`chassis.web.create_service_app`
puts the `ServiceContext` on `app.state.ctx`). Routes take them as parameters, never reach
into `request.app.state` themselves, so a test swaps any of them with
`app.dependency_overrides[chassis.deps.clock] = lambda: FixedClock(...)`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from .auth import CurrentPrincipal
from .clock import Clock
from .org import Org, load_org
from .settings import Settings
from .web import ServiceContext


async def service_context(request: Request) -> ServiceContext:
    # the dependencies here are `async def`: FastAPI runs a plain `def` dependency in a
    # worker thread (a hand-off there and back for every dependency of every request)
    return request.app.state.ctx


Ctx = Annotated[ServiceContext, Depends(service_context)]


async def clock(ctx: Ctx) -> Clock:
    return ctx.clock


async def settings(ctx: Ctx) -> Settings:
    return ctx.settings


#: the service's clock: `now.now()` is the time a command carries
Now = Annotated[Clock, Depends(clock)]
Config = Annotated[Settings, Depends(settings)]
#: the authenticated caller (401 without a valid bearer token); role checks: `require_roles`
Caller = CurrentPrincipal


async def organisation(settings: Config) -> Org:
    """The office's people and divisions (`config/org.yaml`, loaded once per path)."""
    return load_org(settings.org_file)


Organisation = Annotated[Org, Depends(organisation)]
