"""A minimal service on the chassis (for the chassis' own integration tests):
POST /echo/{key} counts commands per key in a changelog-backed table via the command bus."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Depends

from chassis.auth import Principal, require_roles
from chassis.commands import CommandBus, CommandMessage, Reply, send_reply
from chassis.settings import DEFAULT_PORTS, Settings
from chassis.streams import commands_topic, make_faust_app
from chassis.web import ServiceContext, create_service_app, run


def build(settings: Settings):
    app = make_faust_app("echo", settings)
    cmd = commands_topic(app, "echo", settings.topic_partitions)
    ctx = ServiceContext("echo", settings, app)
    counts = app.Table("echo-counts", default=int, partitions=settings.topic_partitions)

    @app.agent(cmd)
    async def process(stream):
        async for event in stream.events():
            msg = CommandMessage.from_bytes(event.value)
            counts[msg.subject] += 1
            await send_reply(ctx.redis, msg, Reply(status=200, body={
                "count": counts[msg.subject], "partition": event.message.partition}))

    router = APIRouter()

    @router.post("/echo/{key}")
    async def echo(key: str, who: Principal = Depends(require_roles("admin"))):
        bus = CommandBus(cmd, ctx.redis, settings.command_timeout)
        reply = await bus.ask(CommandMessage(
            command_id=str(uuid.uuid4()), name="echo", subject=key, actor=who,
            at=datetime.now(UTC), correlation_id=str(uuid.uuid4())))
        return reply.body

    return create_service_app(ctx, [router])


if __name__ == "__main__":
    DEFAULT_PORTS.setdefault("echo", 8099)
    run("echo", build)
