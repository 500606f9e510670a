"""The faust app factory: explicit topics, short session timeouts, at-least-once; every
patch of `chassis.streams.patches` applied and the never-committed rewind
(`chassis.streams.rewind`) connected."""

from __future__ import annotations

import faust

from contracts.topics import command_topic

from ..kafka import client_options
from ..settings import Settings
from .patches import apply_all
from .rewind import install_rewind


def make_faust_app(service: str, settings: Settings, *, instance: str | None = None,
                   **overrides) -> faust.App:
    """A faust app for `service`; nothing connects until it is started."""
    apply_all(settings.consumer_prefetch_backoff)
    inst = instance or str(settings.port_for(service))
    conf = dict(
        broker=f"kafka://{settings.kafka_bootstrap}",
        store=settings.table_store,
        processing_guarantee="at_least_once",
        autodiscover=False,
        web_enabled=False,
        datadir=str(settings.data_dir / "faust" / f"{service}-{inst}"),
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=True,
        topic_disable_leader=True,
        broker_session_timeout=settings.session_timeout,
        broker_heartbeat_interval=settings.heartbeat_interval,
        broker_rebalance_timeout=max(settings.session_timeout * 2, 20.0),
        broker_request_timeout=max(settings.session_timeout * 3, 40.0),
        broker_commit_interval=1.0,
        broker_commit_every=100,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_linger=0.0,
        table_standby_replicas=0,
        stream_wait_empty=False,
        stream_recovery_delay=0.0,
        logging_config=None,
    )
    signin = client_options(settings)
    if signin:  # the process's Kafka principal (SASL/SCRAM), as every other client signs in
        conf["broker_credentials"] = faust.SASLCredentials(
            username=signin["sasl_plain_username"], password=signin["sasl_plain_password"],
            mechanism=signin["sasl_mechanism"])
    conf.update(overrides)
    app = faust.App(f"audiensi-{service}", **conf)
    install_rewind(app, settings.kafka_bootstrap)
    return app


def raw_topic(app: faust.App, name: str, partitions: int):
    """A topic of raw bytes (we decode with contracts.codec ourselves)."""
    return app.topic(name, partitions=partitions, key_type=str, value_type=bytes,
                     key_serializer="raw", value_serializer="raw", internal=False)


def commands_topic(app: faust.App, service: str, partitions: int):
    return raw_topic(app, command_topic(service), partitions)


async def producer_knows(app: faust.App, topics: list[str]) -> None:
    """Wait until the producer's metadata holds `topics`. A table with `use_partitioner`
    has faust pick the changelog partition synchronously from the *producer's* metadata
    (`Producer.key_partition`), which holds only the topics the producer asked for: the
    first write to a changelog the producer never wrote crashed the agent with "'NoneType'
    object is not iterable" (seen on a loaded machine). `partitions_for` is aiokafka's
    public wait for a topic's metadata; faust's `_ensure_producer` is the driver's own
    accessor of the aiokafka producer."""
    producer = app.producer._ensure_producer()  # noqa: SLF001 - faust exposes no other
    for topic in topics:
        await producer.partitions_for(topic)
