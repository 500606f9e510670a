"""Prometheus metrics of the projection (served by the chassis' /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

APPLIED = Counter("audiensi_reporting_events_applied_total",
                  "Events newly applied to a read model", ["path"])
DUPLICATES = Counter("audiensi_reporting_events_duplicate_total",
                     "Events already in the read model (redeliveries, replays)", ["path"])
DEADLETTERED = Counter("audiensi_reporting_deadlettered_total",
                       "Records sent to the dead-letter topic")
REBUILD_PROGRESS = Gauge("audiensi_reporting_rebuild_progress_ratio",
                         "Progress of the running rebuild (0..1)")
