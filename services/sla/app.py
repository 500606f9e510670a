"""The SLA service: `build(settings) -> FastAPI`. Nothing connects until it is started."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI

from chassis.durability import co_partitioned_fold
from chassis.faults import Faults
from chassis.settings import Settings
from chassis.streams import DirectPublisher, commands_topic, make_faust_app
from chassis.web import ServiceContext, create_service_app
from contracts.topics import COMPLAINTS, DISPOSITION, ESCALATIONS, INTAKE, SLA, command_topic
from services.sla import agents, api
from services.sla.calendar import load_calendars
from services.sla.deadlines import DeadlineIndex
from services.sla.policy import PolicySet, load_policies
from services.sla.processor import Processor
from services.sla.ticker import Ticker

SERVICE = "sla"
TABLE = "sla-clocks"
INPUT_TOPICS = (command_topic(SERVICE), INTAKE, DISPOSITION, COMPLAINTS)


@dataclass(frozen=True)
class SlaConfig:
    policies: PolicySet


def load_config(settings: Settings) -> SlaConfig:
    """Calendars and policies; a bad file raises `ConfigError` naming its line."""
    calendars = load_calendars(settings.calendar_dir)
    return SlaConfig(load_policies(settings.sla_policies, calendars))


def build(settings: Settings, config: SlaConfig | None = None) -> FastAPI:
    config = config or load_config(settings)
    n = settings.topic_partitions
    app = make_faust_app(SERVICE, settings)
    stream_topic = app.topic(*INPUT_TOPICS, partitions=n, key_serializer="raw",
                             value_serializer="raw")
    commands = commands_topic(app, SERVICE, n)
    # keys are subjects (bytes), values packed states; the partitioner puts each key in
    # the partition of its subject, the same as on every co-partitioned input topic
    table = app.Table(TABLE, default=None, partitions=n, key_type=bytes, value_type=bytes,
                      use_partitioner=True)
    ctx = ServiceContext(SERVICE, settings, app)
    index = DeadlineIndex()
    publisher = DirectPublisher(app)
    processor = Processor(config.policies, table, publisher, index, lambda: ctx.redis,
                          faults=Faults.for_app(settings, app))
    ticker = Ticker(app, table, index, processor, publisher, lambda: ctx.redis, INPUT_TOPICS,
                    settings.kafka_bootstrap, clock=ctx.clock)
    fold = co_partitioned_fold(app, settings, "sla-clocks", [SLA, ESCALATIONS],
                               processor.fold_published)
    agents.register(app, stream_topic, table, processor, ticker, settings.sla_tick_interval,
                    fold)
    ctx.extras.update(policies=config.policies, commands=commands, index=index, ticker=ticker)
    return create_service_app(ctx, [api.router])
