"""Prometheus metrics: request counts/latency per route, command outcomes, dead letters, and
how far each worker's consumer is behind its partitions (`stack/prometheus/alerts.yml` names
these; its test checks that every metric it names is one of ours)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterable

from fastapi import FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

REQUESTS = Counter("audiensi_http_requests_total", "HTTP requests",
                   ["service", "method", "route", "status"])
LATENCY = Histogram("audiensi_http_request_seconds", "HTTP request latency",
                    ["service", "method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
EVENTS_PUBLISHED = Counter("audiensi_events_published_total", "Events published",
                           ["service", "type"])
EVENTS_CONSUMED = Counter("audiensi_events_consumed_total", "Events consumed",
                          ["service", "topic"])
BATCH_SIZE = Histogram("audiensi_writer_batch_records",
                       "Records a single writer applied with one produce flush",
                       ["service"], buckets=(1, 2, 4, 8, 16, 32, 64))

DEADLETTERS = Counter("audiensi_deadletters_total",
                      "Records a service could not use, written to the dead-letter topic",
                      ["service", "topic"])
CONSUMER_LAG = Gauge("audiensi_consumer_lag_records",
                     "Records on an assigned partition after the worker's last committed offset",
                     ["service", "topic", "partition"])

#: () -> [(topic, partition, lag)] of one process's consumer, read when /metrics is scraped
LagSource = Callable[[], Iterable[tuple[str, int, int]]]


def faust_lag(faust_app) -> list[tuple[str, int, int]]:
    """(topic, partition, records behind) of every partition a faust worker holds: the end
    offset its consumer last fetched minus the offset it last committed (faust keeps both;
    a partition it has not committed on yet counts from its start)."""
    consumer = getattr(faust_app, "_consumer", None)
    if consumer is None:
        return []
    out = []
    committed = getattr(consumer, "_committed_offset", {})  # faust's own record of commits
    for tp in consumer.assignment():
        try:
            high = consumer.highwater(tp)
        except Exception:  # noqa: BLE001 - not fetched yet, consumer restarting
            continue
        if high is None:
            continue
        done = committed.get(tp)
        out.append((tp.topic, tp.partition, max(0, int(high) - int(done or 0))))
    return out


def aiokafka_lag(consumer) -> list[tuple[str, int, int]]:
    """(topic, partition, records behind) of every partition an aiokafka consumer holds: the
    end offset it last fetched minus the position it has consumed up to."""
    if consumer is None:
        return []
    assignment = consumer._subscription.subscription  # noqa: SLF001 - no public sync call
    if assignment is None or assignment.assignment is None:
        return []
    out = []
    for tp in consumer.assignment():
        high = consumer.highwater(tp)
        state = assignment.assignment.state_value(tp)
        if high is None or state is None or not state.has_valid_position:
            continue
        out.append((tp.topic, tp.partition, max(0, int(high) - int(state.position))))
    return out


def observe_lag(service: str, source: LagSource) -> None:
    """Set the lag gauge of `service` from `source`, dropping partitions it no longer holds."""
    rows = list(source())
    held = {(topic, str(partition)) for topic, partition, _ in rows}
    for labels in list(CONSUMER_LAG._metrics):  # noqa: SLF001 - prometheus_client's own map
        if labels[0] == service and (labels[1], labels[2]) not in held:
            CONSUMER_LAG.remove(*labels)
    for topic, partition, lag in rows:
        CONSUMER_LAG.labels(service, topic, str(partition)).set(lag)


METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    """A request's method as a metric label: any other method counts as "other", so that
    a client cannot grow the label set."""
    return method if method in METHODS else "other"


class RequestMetrics:
    """Each HTTP request's latency and status, by method and route template. A plain ASGI
    middleware: starlette's `BaseHTTPMiddleware` (`@app.middleware("http")`) runs every
    request through a task group and memory streams of its own, measured in
    bench/command_bench.py's CPU per command."""

    def __init__(self, app, service: str) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status: list[int] = []

        async def sending(message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, receive, sending)
        path = getattr(scope.get("route"), "path", "unmatched")
        method = method_label(scope["method"])
        LATENCY.labels(self.service, method, path).observe(time.perf_counter() - start)
        if status:
            REQUESTS.labels(self.service, method, path, str(status[0])).inc()


def install_metrics(app: FastAPI, service: str, lag: LagSource | None = None) -> None:
    """Request metrics and `/metrics`; `lag`: where the consumer lag comes from (read at
    every scrape)."""
    app.add_middleware(RequestMetrics, service=service)

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        if lag is not None:  # a scrape during a rebalance may fail here: the rest still
            with contextlib.suppress(Exception):
                observe_lag(service, lag)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
