"""One disposition process per test module, against the session's real Kafka and Redis."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.services import ServiceProcess


def start_worker(stack_env, **env: str) -> ServiceProcess:
    return ServiceProcess("disposition", dict(env), stack_env.data_dir / "logs").start(
        timeout=120)


@pytest.fixture(scope="module")
def disposition(stack_env) -> Iterator[ServiceProcess]:
    proc = start_worker(stack_env)
    try:
        yield proc
    finally:
        proc.stop()
