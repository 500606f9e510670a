"""Process settings: every `AUDIENSI_*` environment variable, read once per process."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_PORTS = {"intake": 8001, "disposition": 8002, "sla": 8003, "reporting": 8004}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUDIENSI_", extra="ignore")

    data_dir: Path = Field(default=ROOT / ".data", description="Kafka data, key store, logs")
    kafka_bootstrap: str = "127.0.0.1:9092"
    redis_url: str = "redis://127.0.0.1:6380/0"
    host: str = "127.0.0.1"
    lang: str = "id"  # user-facing language: id | en

    jwt_secret: str = "audiensi-dev-secret-change-me-in-production"
    jwt_algorithm: str = "HS256"
    jwt_jwks_url: str | None = None
    jwt_issuer: str = "audiensi"
    jwt_audience: str | None = None

    org_file: Path = ROOT / "config" / "org.yaml"
    sla_policies: Path = ROOT / "config" / "sla-policies.yaml"
    calendar_dir: Path = ROOT / "config" / "calendar"
    keystore_url: str | None = None  # default: sqlite file under data_dir

    intake_port: int = DEFAULT_PORTS["intake"]
    disposition_port: int = DEFAULT_PORTS["disposition"]
    sla_port: int = DEFAULT_PORTS["sla"]
    reporting_port: int = DEFAULT_PORTS["reporting"]

    topic_partitions: int = 6
    replication_factor: int = 1
    session_timeout: float = 10.0
    heartbeat_interval: float = 1.0
    table_store: str = "memory://"
    command_timeout: float = 10.0
    startup_wait: float = 60.0  # how long a service waits for Kafka and Redis to be reachable
    sla_tick_interval: float = 0.25
    consumer_prefetch_backoff: float = 0.005  # see chassis.faust_app.tune_fetcher
    log_level: str = "INFO"
    body_limit: int = 1024 * 1024  # bytes per request body (chassis.limits)
    #: a test-only fault hook (`chassis.faults`), refused when env is production
    fault: str | None = None

    def port_for(self, service: str) -> int:
        if hasattr(self, f"{service}_port"):
            return int(getattr(self, f"{service}_port"))
        # a service without its own field (e.g. a test service): AUDIENSI_<NAME>_PORT
        default = DEFAULT_PORTS.get(service, 0)
        return int(os.environ.get(f"AUDIENSI_{service.upper()}_PORT", default))


@lru_cache
def get_settings() -> Settings:
    return Settings()
