"""One reporting process per test module (private topics, a Redis database of its own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .support import Reporting, start_reporting


def reporting_fixture(db: int, name: str):
    @pytest.fixture(scope="module")
    def fixture(stack_env) -> Iterator[Reporting]:
        rep = start_reporting(stack_env, db, name)
        try:
            yield rep
        finally:
            rep.proc.stop()

    return fixture


reporting = reporting_fixture(12, "reporting")
reporting_b = reporting_fixture(13, "reporting-b")
