"""`build(settings)`: the faust app (topics, the `cases` table, the agent) and the FastAPI app
around it. Nothing is created at import time; nothing connects until the app starts."""

from __future__ import annotations

from fastapi import FastAPI

from chassis.batching import run_batched
from chassis.clock import SystemClock
from chassis.commands import CommandBus, Publisher
from chassis.durability import co_partitioned_fold
from chassis.faults import Faults
from chassis.keystore import open_keystore
from chassis.pipeline import AgentIO
from chassis.sealing import Sealer
from chassis.settings import Settings
from chassis.streams import commands_topic, make_faust_app
from chassis.streams.app import producer_knows
from chassis.web import ServiceContext, create_service_app
from contracts.topics import DISPOSITION, INTAKE, command_topic

from .agents import SERVICE, CaseAgent
from .api import router

TABLE = "cases"


def build(settings: Settings, *, instance: str | None = None, clock=None) -> FastAPI:
    app = make_faust_app(SERVICE, settings, instance=instance)
    partitions = settings.topic_partitions
    commands = commands_topic(app, SERVICE, partitions)  # what the HTTP side sends to
    inbox = app.topic(command_topic(SERVICE), INTAKE, partitions=partitions, key_type=bytes,
                      value_type=bytes, key_serializer="raw", value_serializer="raw")
    cases = app.Table(TABLE, default=None, partitions=partitions,
                      help="case id -> CaseRecord (single writer: the agent below)")
    ctx = ServiceContext(SERVICE, settings, app, clock=clock or SystemClock())
    # seals the personal fields of a step (an audience's attendees) under the case's key
    ctx.extras["sealer"] = Sealer(open_keystore(settings, ctx.clock))
    fold = co_partitioned_fold(app, settings, "disposition-cases", [DISPOSITION],
                               lambda published: worker.fold_published(published))
    io = AgentIO(SERVICE, Publisher(app, partitions), lambda: ctx.replies)
    worker = CaseAgent(io, cases, fold, Faults.for_app(settings, app))

    @app.agent(inbox, name=f"{SERVICE}-cases")
    async def process(stream):
        # a table write before the producer knows the changelog topic would crash the agent
        await producer_knows(app, [cases.changelog_topic.get_topic_name()])
        await run_batched(stream, worker.on_batch, SERVICE)

    async def start(ctx: ServiceContext) -> None:
        ctx.extras["bus"] = CommandBus(commands, ctx.redis, settings.command_timeout)

    return create_service_app(ctx, [router], on_start=[start])
