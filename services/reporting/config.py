"""Settings of the reporting service (`AUDIENSI_REPORTING_*`), read once per process.

The defaults consume every public topic; the names can be overridden to run a projection
against another set of topics (tests use private topics so they own the whole log).
"""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts.topics import (
    COMPLAINTS,
    DEADLETTER,
    DISPOSITION,
    DOCUMENTS,
    ESCALATIONS,
    INTAKE,
    SLA,
)

SOURCE_TOPICS = (INTAKE, COMPLAINTS, DISPOSITION, SLA, ESCALATIONS, DOCUMENTS)


class ReportingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUDIENSI_REPORTING_", extra="ignore")

    topics: str = Field(default=",".join(SOURCE_TOPICS),
                        description="comma-separated source topics (co-partitioned by case id)")
    deadletter_topic: str = DEADLETTER
    group_id: str = "audiensi-reporting"
    key_prefix: str = "rm"
    timezone: str = "Asia/Jakarta"  # days and months of the statistics are office days
    batch_max: int = 5000  # records per fetch (and transaction) of the live projector
    #: records per transaction of a rebuild: larger, so that a subject's events from its
    #: several topics meet in one batch (its document read, derived and written once)
    rebuild_batch_max: int = 25000
    #: projection worker processes, each applying the batches of its group of partitions
    #: (services/reporting/workers.py); 0: all in the service's process. Set it to the
    #: cores the service may use; needs a shared key store (not memory://)
    workers: int = 0
    old_version_grace: float = 30.0  # seconds a replaced version stays readable
    feed_maxlen: int = 10000  # escalation feed entries kept for Last-Event-ID resumption
    #: GET /public/status: lookups per client address per window ("N/SECONDS")
    public_status_rate: str = "20/60"

    def topic_list(self) -> list[str]:
        return [t.strip() for t in self.topics.split(",") if t.strip()]


@lru_cache
def get_reporting_settings() -> ReportingSettings:
    return ReportingSettings()
