"""Process settings: every `AUDIENSI_*` environment variable, read once per process."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_PORTS = {"intake": 8001, "disposition": 8002, "sla": 8003, "reporting": 8004,
                 "documents": 8005, "console": 8000}

DEV_JWT_SECRET = "audiensi-dev-secret-change-me-in-production"
#: the shortest HMAC secret accepted in production: the hash's output size (RFC 7518 3.2)
MIN_SECRET_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AUDIENSI_", extra="ignore")

    data_dir: Path = Field(default=ROOT / ".data", description="Kafka data, key store, logs")
    kafka_bootstrap: str = "127.0.0.1:9092"
    #: the Kafka principal this process signs in as (SASL/SCRAM); unset: no authentication
    #: (only a broker without it, e.g. a bare test broker, accepts that)
    kafka_principal: str | None = None
    kafka_password: str | None = Field(default=None, repr=False)
    #: a JSON file {principal: password} (the local stack's `<data>/kafka/credentials.json`)
    #: where the password is looked up when `kafka_password` is not set
    kafka_credentials: Path | None = None
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    redis_url: str = "redis://127.0.0.1:6380/0"
    #: the Redis ACL user this process signs in as, when the URLs name none (chassis.redis)
    redis_user: str | None = None
    redis_password: str | None = Field(default=None, repr=False)
    #: a JSON file {user: password} (the local stack's `<redis home>/credentials.json`)
    #: where the password is looked up when `redis_password` is not set
    redis_credentials: Path | None = None
    host: str = "127.0.0.1"
    lang: str = "id"  # user-facing language: id | en

    #: `production` refuses the development JWT secret, a short one, and the fault hook
    env: str = "development"
    jwt_secret: str = DEV_JWT_SECRET
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    jwt_jwks_url: str | None = None  # RS256 tokens of an OIDC provider: needs jwt_audience
    jwt_issuer: str = "audiensi"
    jwt_audience: str | None = None
    #: seconds a token may live (exp - iat); longer, or without iat/exp: 401
    jwt_max_lifetime: int = Field(default=12 * 3600, gt=0)

    #: docker secrets: files named like the variables (read by `get_settings`)
    secrets_dir: Path | None = None
    #: the key that seals commands on this service's command topic (chassis.signing)
    command_key: str | None = Field(default=None, repr=False)

    org_file: Path = ROOT / "config" / "org.yaml"
    sla_policies: Path = ROOT / "config" / "sla-policies.yaml"
    calendar_dir: Path = ROOT / "config" / "calendar"
    #: where the keys of personal data live (chassis.keystore): redis://… (default: redis_url),
    #: sqlite:///path, or memory:// (only with env=test)
    keystore_url: str | None = None
    #: base64 of 32 bytes: wraps every stored key; outside production a file under data_dir
    master_key: str | None = Field(default=None, repr=False)
    #: the HMAC key of identity references in use; earlier versions are still searched
    hmac_key_version: int = Field(default=1, ge=1)

    intake_port: int = DEFAULT_PORTS["intake"]
    disposition_port: int = DEFAULT_PORTS["disposition"]
    sla_port: int = DEFAULT_PORTS["sla"]
    reporting_port: int = DEFAULT_PORTS["reporting"]
    documents_port: int = DEFAULT_PORTS["documents"]

    #: the S3-compatible object store of the documents (unset: `audiensi up` and the tests
    #: start a local SeaweedFS, `stack.objectstore`, and set these)
    s3_endpoint: str | None = None
    s3_bucket: str = "audiensi-documents"
    s3_access_key: str | None = Field(default=None, repr=False)
    s3_secret_key: str | None = Field(default=None, repr=False)
    s3_region: str = "us-east-1"
    #: the largest document accepted, in bytes (more: 413, nothing stored)
    documents_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)

    console_port: int = DEFAULT_PORTS["console"]

    #: the web console (services/console): where it calls each service's API (default
    #: http://127.0.0.1:<port>), the key that signs its session and CSRF cookies (a random
    #: one per process outside production), and the local accounts (a YAML file
    #: {user id: argon2id hash}; unset outside production: every seeded user, `audiensi`)
    service_urls: dict[str, str] = Field(default_factory=dict)
    console_session_secret: str | None = Field(default=None, repr=False)
    console_accounts: Path | None = None
    console_session_hours: float = Field(default=12.0, gt=0)
    #: failed sign-ins of one username: the first 3 are free, then base * 2^k seconds closed
    console_backoff_seconds: float = Field(default=1.0, gt=0)
    #: the npm packages the console serves (`npm ci` puts them in node_modules/)
    console_assets: Path = ROOT / "node_modules"
    #: the console's OIDC sign-in (authorization code + PKCE S256), offered only when an
    #: issuer is set: its discovery at <issuer>/.well-known/openid-configuration, the
    #: console's client there, and the ID token claim that names a user id of
    #: config/org.yaml; the callback is <console>/masuk/sso/callback unless set
    console_oidc_issuer: str | None = None
    console_oidc_client_id: str | None = None
    console_oidc_client_secret: str | None = Field(default=None, repr=False)
    console_oidc_claim: str = "preferred_username"
    console_oidc_scope: str = "openid profile"
    console_oidc_redirect_uri: str | None = None

    topic_partitions: int = 6
    replication_factor: int = 1
    session_timeout: float = 10.0
    heartbeat_interval: float = 1.0
    table_store: str = "memory://"
    command_timeout: float = 10.0
    startup_wait: float = 60.0  # how long a service waits for Kafka and Redis to be reachable
    sla_tick_interval: float = 0.25
    consumer_prefetch_backoff: float = 0.005  # see chassis.streams.patches.tune_fetcher
    log_level: str = "INFO"
    body_limit: int = 1024 * 1024  # bytes per request body (chassis.limits)
    #: the only origin a browser may call the services' APIs from (CORS): the console
    console_origin: str = "http://127.0.0.1:8000"
    #: a test-only fault hook (`chassis.faults`), refused when env is production
    fault: str | None = None

    @model_validator(mode="after")
    def _auth_is_safe(self) -> Settings:
        problems = auth_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def production(self) -> bool:
        return self.env.strip().lower() == "production"

    def port_for(self, service: str) -> int:
        if hasattr(self, f"{service}_port"):
            return int(getattr(self, f"{service}_port"))
        # a service without its own field (e.g. a test service): AUDIENSI_<NAME>_PORT
        default = DEFAULT_PORTS.get(service, 0)
        return int(os.environ.get(f"AUDIENSI_{service.upper()}_PORT", default))


def auth_problems(settings: Settings) -> list[str]:
    """Why these settings must not verify tokens (empty: fine). Checked on every `Settings()`,
    so a service refuses to start (`chassis.web.run` reads them first)."""
    problems = []
    if settings.jwt_jwks_url and not settings.jwt_audience:
        problems.append("AUDIENSI_JWT_JWKS_URL is set without AUDIENSI_JWT_AUDIENCE: a token the "
                        "provider issued for any other client would be accepted")
    if settings.production and not settings.jwt_jwks_url:
        need = MIN_SECRET_BYTES[settings.jwt_algorithm]
        if settings.jwt_secret == DEV_JWT_SECRET:
            problems.append("AUDIENSI_ENV=production with the development AUDIENSI_JWT_SECRET: "
                            f"set a random secret of at least {need} bytes")
        elif len(settings.jwt_secret.encode()) < need:
            problems.append(f"AUDIENSI_ENV=production: AUDIENSI_JWT_SECRET is shorter than "
                            f"{need} bytes ({settings.jwt_algorithm})")
    if settings.production and len((settings.command_key or "").encode()) < 32:
        problems.append("AUDIENSI_ENV=production needs AUDIENSI_COMMAND_KEY of at least 32 "
                        "bytes (it seals the commands on the command topics)")
    return problems


@lru_cache
def get_settings() -> Settings:
    """The process's settings: the environment, and files in AUDIENSI_SECRETS_DIR (docker
    secrets: a file named like the variable, e.g. `audiensi_kafka_password`)."""
    secrets = os.environ.get("AUDIENSI_SECRETS_DIR")
    return Settings(_secrets_dir=secrets) if secrets else Settings()
