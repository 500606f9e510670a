"""One intake process per test module, against the session's real Kafka and Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.support.services import ServiceProcess


def start_intake(stack_env) -> ServiceProcess:
    return ServiceProcess("intake", {}, stack_env.data_dir / "logs").start(timeout=120)


@pytest.fixture(scope="module")
def intake(stack_env) -> Iterator[ServiceProcess]:
    proc = start_intake(stack_env)
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
async def http(intake) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=intake.url, timeout=30) as client:
        yield client
