"""`build(settings) -> FastAPI`: the intake service's faust app, agents, routes. Nothing
connects here; the lifespan of `chassis.web.create_service_app` starts everything."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from chassis.keystore import open_keystore
from chassis.settings import Settings
from chassis.streams import make_faust_app
from chassis.web import ServiceContext, create_service_app

from . import agents
from .api import router as request_router
from .api_complaints import router as complaint_router
from .deps import Runtime
from .vault import IdentityVault


def build(settings: Settings) -> FastAPI:
    app = make_faust_app("intake", settings)
    ctx = ServiceContext("intake", settings, app)
    wiring = agents.install(app, ctx)
    vault = IdentityVault(open_keystore(settings, ctx.clock), settings.hmac_key_version)
    ctx.extras["intake"] = Runtime(ctx=ctx, vault=vault, registrar_topic=wiring.registrar_topic,
                                   case_topic=wiring.case_commands)

    async def open_resources(_ctx: ServiceContext) -> None:
        await asyncio.to_thread(vault.ref, "KTP", "0")  # makes (or reads) the HMAC key

    return create_service_app(ctx, [request_router, complaint_router],
                              on_start=[open_resources],
                              extra_topics={agents.REGISTRAR_TOPIC: 1})
