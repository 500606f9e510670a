"""Prometheus metrics: request counts/latency per route, command outcomes."""

from __future__ import annotations

import time

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

REQUESTS = Counter("audiensi_http_requests_total", "HTTP requests",
                   ["service", "method", "route", "status"])
LATENCY = Histogram("audiensi_http_request_seconds", "HTTP request latency",
                    ["service", "method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
EVENTS_PUBLISHED = Counter("audiensi_events_published_total", "Events published",
                           ["service", "type"])
EVENTS_CONSUMED = Counter("audiensi_events_consumed_total", "Events consumed",
                          ["service", "topic"])


METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def method_label(method: str) -> str:
    """A request's method as a metric label: any other method counts as "other", so that
    a client cannot grow the label set."""
    return method if method in METHODS else "other"


def install_metrics(app: FastAPI, service: str) -> None:
    @app.middleware("http")
    async def measure(request: Request, call_next):
        start = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        method = method_label(request.method)
        LATENCY.labels(service, method, path).observe(time.perf_counter() - start)
        REQUESTS.labels(service, method, path, str(response.status_code)).inc()
        return response

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
