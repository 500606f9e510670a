"""The faust app factory: explicit topics, short session timeouts, at-least-once."""

from __future__ import annotations

import faust

from contracts.topics import command_topic

from .durability import drain_producer_buffer_on_flush
from .settings import Settings


def tune_fetcher(prefetch_backoff: float) -> None:
    """aiokafka holds back the next fetch from a broker for up to `prefetch_backoff` (0.1 s)
    while records of another of its partitions wait unconsumed, and faust leaves such records
    (e.g. of the topic a multi-topic stream reads second) for a moment: a command sent right
    after intake registered a case then waited ~100 ms for the case to arrive. Measured with
    bench/command_bench.py: the first disposition step's p99 114 ms -> 28 ms at 0.005 s.
    aiokafka's consumer does not pass this option, so it is set as the Fetcher's default."""
    from aiokafka.consumer.fetcher import Fetcher

    Fetcher.__init__.__kwdefaults__["prefetch_backoff"] = prefetch_backoff


def make_faust_app(service: str, settings: Settings, *, instance: str | None = None,
                   **overrides) -> faust.App:
    """A faust app for `service`; nothing connects until it is started."""
    tune_fetcher(settings.consumer_prefetch_backoff)
    drain_producer_buffer_on_flush()
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
    conf.update(overrides)
    return faust.App(f"audiensi-{service}", **conf)


def raw_topic(app: faust.App, name: str, partitions: int):
    """A topic of raw bytes (we decode with contracts.codec ourselves)."""
    return app.topic(name, partitions=partitions, key_type=str, value_type=bytes,
                     key_serializer="raw", value_serializer="raw", internal=False)


def commands_topic(app: faust.App, service: str, partitions: int):
    return raw_topic(app, command_topic(service), partitions)
