"""Shared test setup: the real Kafka broker and Redis (started once, only when a test asks for
them), and the `unit` / `integration` / `e2e` / `chaos` markers from each test's folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from stack.kafka import KafkaServer
    from stack.redis import RedisServer

TESTS = Path(__file__).resolve().parent
KINDS = ("unit", "integration", "e2e", "chaos")
ENV_KEYS = ("AUDIENSI_KAFKA_BOOTSTRAP", "AUDIENSI_REDIS_URL", "AUDIENSI_DATA_DIR",
            "AUDIENSI_KAFKA_PRINCIPAL", "AUDIENSI_KAFKA_CREDENTIALS")


@dataclass
class StackEnv:
    bootstrap: str  # "127.0.0.1:<port>"
    redis_url: str  # "redis://127.0.0.1:<port>/0"
    data_dir: Path  # this session's AUDIENSI_DATA_DIR (Kafka data under <data_dir>/kafka)
    kafka: KafkaServer  # .stop() / .start() / .restart() / .astop() / .astart() / .is_running
    redis: RedisServer  # .stop() / .start() / .ping()

    @property
    def env(self) -> dict[str, str]:
        """The AUDIENSI_* variables a child process (a service) needs to use this stack. The
        Kafka principal is not among them: a service gets its own (`tests.support.services`,
        the supervisor), anything else inherits this process's (`admin`)."""
        return {"AUDIENSI_KAFKA_BOOTSTRAP": self.bootstrap, "AUDIENSI_REDIS_URL": self.redis_url,
                "AUDIENSI_DATA_DIR": str(self.data_dir),
                "AUDIENSI_KAFKA_CREDENTIALS": str(self.kafka.credentials_file)}


def _clear_settings_cache() -> None:
    from chassis.settings import get_settings

    get_settings.cache_clear()


@pytest.fixture(scope="session")
def stack_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackEnv]:
    """A real single-node Kafka and a Redis on free 127.0.0.1 ports, in a fresh data dir, with
    AUDIENSI_KAFKA_BOOTSTRAP / AUDIENSI_REDIS_URL / AUDIENSI_DATA_DIR pointing at them (and
    `get_settings()` re-read). Started the first time a test asks, stopped after the session."""
    from stack.kafka import KafkaServer
    from stack.redis import RedisServer
    from tests.support.waiting import free_port

    data_dir = tmp_path_factory.mktemp("stack")
    kafka = KafkaServer(data_dir, free_port(), free_port())
    redis = RedisServer(data_dir, free_port())
    saved = {key: os.environ.get(key) for key in ENV_KEYS}
    try:
        redis.start()
        kafka.start(timeout=180)
        os.environ.update(AUDIENSI_KAFKA_BOOTSTRAP=kafka.bootstrap,
                          AUDIENSI_REDIS_URL=redis.url, AUDIENSI_DATA_DIR=str(data_dir),
                          **kafka.signin_env())  # the tests sign in as admin
        _clear_settings_cache()
        yield StackEnv(kafka.bootstrap, redis.url, data_dir, kafka, redis)
    finally:
        kafka.stop()
        redis.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _clear_settings_cache()


def _kind(item: pytest.Item) -> str | None:
    try:
        parts = Path(item.path).resolve().relative_to(TESTS).parts
    except ValueError:
        return None
    return parts[0] if parts and parts[0] in KINDS else None


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "chaos: processes killed and restarted under load")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        kind = _kind(item)
        if kind is not None:
            item.add_marker(getattr(pytest.mark, kind))


def pytest_runtest_setup(item: pytest.Item) -> None:
    if _kind(item) == "unit" and "stack_env" in getattr(item, "fixturenames", ()):
        pytest.fail("unit tests must not start Kafka or Redis: move this test to "
                    "tests/integration or use a fake", pytrace=False)
